package io.weir.net.otlp;

import io.weir.net.otlp.proto.Otlp;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;

import static io.weir.net.otlp.OtlpBodies.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Once warmed up, decoding a request of string/int/bool attributes allocates nothing measurable per sample. */
class OtlpAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void decodingAllocatesNothingPerSample() {
        byte[] body = body(new Random(3), 200);
        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder();
        DecodedWriteRequest out = new DecodedWriteRequest();
        for (int i = 0; i < 3_000; i++) {
            decoder.decode(body, 0, body.length, out);
        }
        // Measured over several rounds, the last one counts: the JIT may still be compiling the rarer paths
        // (exponential histograms, exemplars) during the first; a real per-request allocation shows in every round.
        int rounds = 1_000;
        long samples = 0;
        long allocated = 0;
        long nanos = 0;
        StringBuilder perRound = new StringBuilder();
        for (int round = 0; round < 5; round++) {
            samples = 0;
            long t0 = System.nanoTime();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < rounds; i++) {
                assertEquals(RemoteWriteStatus.OK, decoder.decode(body, 0, body.length, out));
                samples += out.sampleCount() + out.histogramCount();
            }
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            nanos = System.nanoTime() - t0;
            perRound.append(round == 0 ? "" : ", ").append(allocated);
        }
        assertTrue(out.histogramCount() > 0 && out.exemplarCount() > 0, "native histograms and exemplars are measured too");
        double perSample = (double) allocated / samples;
        System.out.printf("otlp decode: %d bytes allocated over %d requests (rounds: %s), %.4f bytes/sample; %.1f M samples/s%n",
                allocated, rounds, perRound, perSample, samples * 1e3 / nanos);
        assertTrue(perSample < 1.0, "allocated " + perSample + " bytes/sample");
    }

    /**
     * Counters with string, int and bool attributes, histograms and exponential histograms, some points with exemplars:
     * the shape an SDK sends.
     */
    static byte[] body(Random r, int points) {
        Otlp.Sum.Builder sum = Otlp.Sum.newBuilder().setIsMonotonic(true)
                .setAggregationTemporality(Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        Otlp.Histogram.Builder hist = Otlp.Histogram.newBuilder()
                .setAggregationTemporality(Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        Otlp.ExponentialHistogram.Builder exp = Otlp.ExponentialHistogram.newBuilder()
                .setAggregationTemporality(Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        Otlp.Exemplar exemplar = Otlp.Exemplar.newBuilder().setTimeUnixNano(OtlpBodies.T_NANOS).setAsDouble(0.05)
                .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
                .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .addFilteredAttributes(kv("user", "u-1")).build();
        for (int i = 0; i < points; i++) {
            Otlp.KeyValue[] attrs = {kv("http.method", "GET"), kv("http.route", "/api/" + i), kv("http.status_code", 200L),
                kv("net.peer.name", "host-" + (i % 7)), kv("tls", true)};
            sum.addDataPoints(Otlp.NumberDataPoint.newBuilder().setTimeUnixNano(OtlpBodies.T_NANOS).setAsInt(r.nextInt(1000))
                    .addAllAttributes(List.of(attrs)));
            if (i % 10 == 0) {
                hist.addDataPoints(Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(OtlpBodies.T_NANOS).setCount(10).setSum(5)
                        .addAllExplicitBounds(List.of(0.005, 0.01, 0.1, 1.0)).addAllBucketCounts(List.of(1L, 2L, 3L, 4L, 0L))
                        .addAllAttributes(List.of(attrs)).addExemplars(exemplar));
            }
            if (i % 10 == 5) {
                Otlp.ExponentialHistogramDataPoint.Buckets.Builder buckets = Otlp.ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(-40);
                for (int k = 0; k < 30; k++) {
                    buckets.addBucketCounts(k % 4 == 0 ? 0 : k);
                }
                exp.addDataPoints(Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(OtlpBodies.T_NANOS).setCount(400)
                        .setSum(12.5).setScale(i % 20 == 5 ? 3 : 12).setZeroCount(3).setPositive(buckets)
                        .addAllAttributes(List.of(attrs)).addExemplars(exemplar));
            }
        }
        return OtlpBodies.request(OtlpBodies.resource(kv("service.name", "api"), kv("service.instance.id", "pod-7"),
                        kv("k8s.namespace.name", "prod")),
                Otlp.Metric.newBuilder().setName("http.server.requests").setUnit("{request}").setSum(sum).build(),
                Otlp.Metric.newBuilder().setName("http.server.duration").setUnit("s").setHistogram(hist).build(),
                Otlp.Metric.newBuilder().setName("rpc.duration").setUnit("s").setExponentialHistogram(exp).build()).toByteArray();
    }
}
