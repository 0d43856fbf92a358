package io.weir.net.otlp;

import io.weir.net.otlp.proto.Otlp;

import java.util.List;
import java.util.Random;

import static io.weir.net.otlp.OtlpBodies.T_NANOS;
import static io.weir.net.otlp.OtlpBodies.kv;

/** Seeded random OTLP requests covering every metric kind, temporality and attribute type. */
final class RandomOtlp {
    private static final String[] NAMES = {"http.server.duration", "queue.size", "bytes.sent", "cpu.utilization", "rpc.latency", "jobs"};
    private static final String[] UNITS = {"", "1", "s", "ms", "By", "{request}", "By/s", "%"};
    private static final String[] KEYS = {"method", "status", "route", "a.b", "a_b", "1st", "_x", "job", "instance", "le"};

    private final Random r;

    RandomOtlp(Random r) {
        this.r = r;
    }

    Otlp.ExportMetricsServiceRequest request() {
        Otlp.ExportMetricsServiceRequest.Builder req = Otlp.ExportMetricsServiceRequest.newBuilder();
        for (int i = 1 + r.nextInt(2); i > 0; i--) {
            Otlp.Resource.Builder res = Otlp.Resource.newBuilder();
            if (r.nextBoolean()) {
                res.addAttributes(kv("service.name", "svc" + r.nextInt(3)));
            }
            if (r.nextBoolean()) {
                res.addAttributes(kv("service.namespace", "ns"));
            }
            if (r.nextBoolean()) {
                res.addAttributes(kv("service.instance.id", "i-" + r.nextInt(5)));
            }
            for (int a = r.nextInt(3); a > 0; a--) {
                res.addAttributes(attribute());
            }
            Otlp.ScopeMetrics.Builder scope = Otlp.ScopeMetrics.newBuilder()
                    .setScope(Otlp.InstrumentationScope.newBuilder().setName("scope").setVersion("1"));
            for (int m = 1 + r.nextInt(5); m > 0; m--) {
                scope.addMetrics(metric());
            }
            req.addResourceMetrics(Otlp.ResourceMetrics.newBuilder().setResource(res).addScopeMetrics(scope));
        }
        return req.build();
    }

    private Otlp.KeyValue attribute() {
        String key = KEYS[r.nextInt(KEYS.length)];
        Object v = switch (r.nextInt(8)) {
            case 0 -> r.nextBoolean();
            case 1 -> (long) r.nextInt(1000) - 500;
            case 2 -> r.nextDouble() * 100;
            case 3 -> new byte[] {(byte) r.nextInt(), (byte) r.nextInt()};
            case 4 -> List.of("x", (long) r.nextInt(9));
            default -> "v" + r.nextInt(10);
        };
        return kv(key, v);
    }

    private Otlp.KeyValue[] attributes() {
        Otlp.KeyValue[] a = new Otlp.KeyValue[r.nextInt(4)];
        for (int i = 0; i < a.length; i++) {
            a[i] = attribute();
        }
        return a;
    }

    private Otlp.AggregationTemporality temporality() {
        return r.nextInt(8) == 0 ? Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
                : Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
    }

    private long time() {
        return T_NANOS + r.nextInt(1_000_000) * 1000L;
    }

    private Otlp.Metric metric() {
        Otlp.Metric.Builder m = Otlp.Metric.newBuilder().setName(NAMES[r.nextInt(NAMES.length)]).setUnit(UNITS[r.nextInt(UNITS.length)]);
        int points = 1 + r.nextInt(3);
        switch (r.nextInt(6)) {
            case 0, 1 -> {
                Otlp.Sum.Builder s = Otlp.Sum.newBuilder().setIsMonotonic(r.nextBoolean()).setAggregationTemporality(temporality());
                for (int p = 0; p < points; p++) {
                    s.addDataPoints(number());
                }
                m.setSum(s);
            }
            case 2 -> {
                Otlp.Gauge.Builder g = Otlp.Gauge.newBuilder();
                for (int p = 0; p < points; p++) {
                    g.addDataPoints(number());
                }
                m.setGauge(g);
            }
            case 3 -> {
                Otlp.Histogram.Builder h = Otlp.Histogram.newBuilder().setAggregationTemporality(temporality());
                for (int p = 0; p < points; p++) {
                    Otlp.HistogramDataPoint.Builder hp = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(time())
                            .addAllAttributes(List.of(attributes()));
                    int bounds = r.nextInt(5);
                    long count = 0;
                    for (int i = 0; i < bounds; i++) {
                        hp.addExplicitBounds(0.5 * (i + 1));
                    }
                    for (int i = 0; i <= bounds; i++) {
                        long c = r.nextInt(10);
                        count += c;
                        hp.addBucketCounts(c);
                    }
                    hp.setCount(count);
                    if (r.nextBoolean()) {
                        hp.setSum(count * 0.7);
                    }
                    h.addDataPoints(hp);
                }
                m.setHistogram(h);
            }
            case 4 -> {
                Otlp.Summary.Builder s = Otlp.Summary.newBuilder();
                for (int p = 0; p < points; p++) {
                    s.addDataPoints(Otlp.SummaryDataPoint.newBuilder().setTimeUnixNano(time()).setCount(r.nextInt(100)).setSum(r.nextDouble())
                            .addAllAttributes(List.of(attributes()))
                            .addQuantileValues(Otlp.SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(r.nextDouble()))
                            .addQuantileValues(Otlp.SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.9).setValue(r.nextDouble())));
                }
                m.setSummary(s);
            }
            default -> {
                Otlp.ExponentialHistogram.Builder e = Otlp.ExponentialHistogram.newBuilder().setAggregationTemporality(temporality());
                for (int p = 0; p < points; p++) {
                    e.addDataPoints(Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(time()).setCount(3)
                            .setScale(r.nextInt(16) - 5).setZeroCount(1).addAllAttributes(List.of(attributes()))
                            .setPositive(Otlp.ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(r.nextInt(9) - 4)
                                    .addBucketCounts(1).addBucketCounts(0).addBucketCounts(0).addBucketCounts(0).addBucketCounts(1))
                            .setNegative(Otlp.ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(-2).addBucketCounts(1))
                            .addExemplars(Otlp.Exemplar.newBuilder().setTimeUnixNano(time()).setAsDouble(r.nextDouble())
                                    .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))));
                }
                m.setExponentialHistogram(e);
            }
        }
        return m.build();
    }

    private Otlp.NumberDataPoint number() {
        Otlp.NumberDataPoint.Builder p = Otlp.NumberDataPoint.newBuilder().setTimeUnixNano(time()).addAllAttributes(List.of(attributes()));
        if (r.nextBoolean()) {
            p.setAsInt(r.nextInt(1000));
        } else {
            p.setAsDouble(r.nextDouble() * 1000);
        }
        if (r.nextInt(10) == 0) {
            p.setFlags(1);
        }
        return p.build();
    }
}
