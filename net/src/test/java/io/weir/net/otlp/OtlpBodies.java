package io.weir.net.otlp;

import com.google.protobuf.ByteString;
import io.weir.net.otlp.proto.Otlp;
import io.weir.net.remotewrite.DecodedWriteRequest;

import java.util.ArrayList;
import java.util.List;

/** Builders of OTLP request bodies (through protobuf-java) and a readable form of what the decoder made of them. */
final class OtlpBodies {
    static final long T_NANOS = 1_700_000_000_123_456_789L;
    static final long T_MS = 1_700_000_000_123L;

    private OtlpBodies() {}

    static Otlp.KeyValue kv(String key, Object value) {
        return Otlp.KeyValue.newBuilder().setKey(key).setValue(any(value)).build();
    }

    static Otlp.AnyValue any(Object v) {
        Otlp.AnyValue.Builder b = Otlp.AnyValue.newBuilder();
        switch (v) {
            case null -> { }
            case String s -> b.setStringValue(s);
            case Boolean x -> b.setBoolValue(x);
            case Long x -> b.setIntValue(x);
            case Integer x -> b.setIntValue(x);
            case Double x -> b.setDoubleValue(x);
            case byte[] x -> b.setBytesValue(ByteString.copyFrom(x));
            case List<?> list -> {
                Otlp.ArrayValue.Builder a = Otlp.ArrayValue.newBuilder();
                list.forEach(e -> a.addValues(any(e)));
                b.setArrayValue(a);
            }
            case Otlp.KeyValueList m -> b.setKvlistValue(m);
            default -> throw new IllegalArgumentException(v.getClass().toString());
        }
        return b.build();
    }

    static Otlp.Resource resource(Otlp.KeyValue... attrs) {
        return Otlp.Resource.newBuilder().addAllAttributes(List.of(attrs)).build();
    }

    static Otlp.NumberDataPoint number(double v, Otlp.KeyValue... attrs) {
        return Otlp.NumberDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setAsDouble(v).addAllAttributes(List.of(attrs)).build();
    }

    static Otlp.Metric gauge(String name, String unit, Otlp.NumberDataPoint... points) {
        return Otlp.Metric.newBuilder().setName(name).setUnit(unit)
                .setGauge(Otlp.Gauge.newBuilder().addAllDataPoints(List.of(points))).build();
    }

    static Otlp.Metric sum(String name, String unit, boolean monotonic, Otlp.AggregationTemporality t, Otlp.NumberDataPoint... points) {
        return Otlp.Metric.newBuilder().setName(name).setUnit(unit)
                .setSum(Otlp.Sum.newBuilder().setIsMonotonic(monotonic).setAggregationTemporality(t).addAllDataPoints(List.of(points))).build();
    }

    static Otlp.Metric histogram(String name, String unit, Otlp.AggregationTemporality t, Otlp.HistogramDataPoint... points) {
        return Otlp.Metric.newBuilder().setName(name).setUnit(unit)
                .setHistogram(Otlp.Histogram.newBuilder().setAggregationTemporality(t).addAllDataPoints(List.of(points))).build();
    }

    static Otlp.ExportMetricsServiceRequest request(Otlp.Resource resource, Otlp.Metric... metrics) {
        return Otlp.ExportMetricsServiceRequest.newBuilder().addResourceMetrics(Otlp.ResourceMetrics.newBuilder()
                .setResource(resource)
                .addScopeMetrics(Otlp.ScopeMetrics.newBuilder()
                        .setScope(Otlp.InstrumentationScope.newBuilder().setName("io.weir.test").setVersion("1.0"))
                        .addAllMetrics(List.of(metrics)))).build();
    }

    /** Each series as {@code name{label="value",...} value @ms}, labels sorted, the stale marker as STALE; sorted. */
    static List<String> render(DecodedWriteRequest d) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < d.seriesCount(); s++) {
            String name = null;
            StringBuilder labels = new StringBuilder();
            for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
                if (d.labelName(l).equals("__name__")) {
                    name = d.labelValue(l);
                    continue;
                }
                labels.append(labels.isEmpty() ? "" : ",").append(d.labelName(l)).append("=\"").append(d.labelValue(l)).append('"');
            }
            for (int i = d.seriesFirstSample(s), end = i + d.seriesSampleCount(s); i < end; i++) {
                double v = d.value(i);
                String value = Double.doubleToRawLongBits(v) == OtlpMetricsDecoder.STALE_NAN_BITS ? "STALE" : Double.toString(v);
                out.add(name + "{" + labels + "} " + value + " @" + d.timestamp(i));
            }
        }
        out.sort(null);
        return out;
    }
}
