package io.weir.bench;

import io.weir.net.otlp.GzipBody;
import io.weir.net.otlp.OtlpMetricsDecoder;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * OTLP ingest beside remote write for the same samples: an OTLP body as an SDK sends it (one resource with
 * service.name/instance.id and two more attributes, one scope, {@code metrics} cumulative counters with
 * {@code points} points each, 5 string/int/bool attributes per point) is decoded and translated ({@code otlp}), and
 * gunzipped first ({@code otlpGzip}); the series it translates to are encoded as a snappy remote write 1.0 body, and
 * that is decoded ({@code remoteWrite}). Every operation yields the same series and samples, so ns/op compare.
 * {@code otlpExponential} decodes a body of 50 exponential histogram points (160 buckets at scale 12, merged to schema
 * 8; one exemplar with trace and span ids each) into native histograms and exemplars: its own shape, not comparable.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OtlpDecodeBenchmark extends WeirForkedBenchmark {
    /** metrics x points per metric. */
    @Param({"10x50", "100x5"})
    public String shape;

    private final OtlpMetricsDecoder otlp = new OtlpMetricsDecoder();
    private final GzipBody gzip = new GzipBody();
    private final RemoteWriteDecoder remoteWrite = new RemoteWriteDecoder(32 << 20);
    private final DecodedWriteRequest out = new DecodedWriteRequest();
    private byte[] otlpBody;
    private byte[] otlpGzipBody;
    private byte[] remoteWriteBody;
    private byte[] exponentialBody;

    @Setup
    public void setUp() throws IOException {
        String[] s = shape.split("x");
        otlpBody = body(Integer.parseInt(s[0]), Integer.parseInt(s[1]));
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(z)) {
            g.write(otlpBody);
        }
        otlpGzipBody = z.toByteArray();
        check(otlp.decode(otlpBody, 0, otlpBody.length, out));
        int samples = out.sampleCount();
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        byte[] labels = new byte[1 << 16];
        for (int i = 0; i < out.seriesCount(); i++) {
            int len = out.putCanonicalLabels(i, labels, 0);
            encoder.beginSeries(labels, 0, len);
            for (int j = out.seriesFirstSample(i), end = j + out.seriesSampleCount(i); j < end; j++) {
                encoder.sample(out.timestamp(j), out.value(j));
            }
            encoder.endSeries();
        }
        int compressed = encoder.finish();
        remoteWriteBody = Arrays.copyOf(encoder.compressed(), compressed);
        check(remoteWrite.decode(remoteWriteBody, 0, remoteWriteBody.length, out));
        if (out.sampleCount() != samples) {
            throw new IllegalStateException("remote write body holds " + out.sampleCount() + " samples, OTLP " + samples);
        }
        System.out.printf("%n[%s] %d series, %d samples; OTLP %d B (%d B gzip), remote write %d B snappy%n", shape,
                out.seriesCount(), samples, otlpBody.length, otlpGzipBody.length, remoteWriteBody.length);
        exponentialBody = exponentialBody(50, 160);
        check(otlp.decode(exponentialBody, 0, exponentialBody.length, out));
        if (out.histogramCount() != 50 || out.exemplarCount() != 50 || otlp.rejectedPoints() != 0) {
            throw new IllegalStateException("exponential body: " + out.histogramCount() + " histograms, " + out.exemplarCount()
                    + " exemplars, " + otlp.rejectedPoints() + " refused");
        }
        System.out.printf("[exponential] %d native histograms, %d exemplars; OTLP %d B, extras %d B%n",
                out.histogramCount(), out.exemplarCount(), exponentialBody.length, out.extrasLength());
    }

    private static void check(int code) {
        if (code != RemoteWriteStatus.OK) {
            throw new IllegalStateException("body does not decode: " + RemoteWriteStatus.name(code));
        }
    }

    @Benchmark
    public int otlp() {
        otlp.decode(otlpBody, 0, otlpBody.length, out);
        return out.sampleCount();
    }

    @Benchmark
    public int otlpGzip() {
        int n = gzip.inflate(otlpGzipBody, 0, otlpGzipBody.length, 32 << 20);
        otlp.decode(gzip.buffer(), 0, n, out);
        return out.sampleCount();
    }

    @Benchmark
    public int otlpExponential() {
        otlp.decode(exponentialBody, 0, exponentialBody.length, out);
        return out.histogramCount();
    }

    @Benchmark
    public int remoteWrite() {
        remoteWrite.decode(remoteWriteBody, 0, remoteWriteBody.length, out);
        return out.sampleCount();
    }

    // ---- a hand-written OTLP body (the bench module has no protobuf-java) ----

    static byte[] body(int metrics, int points) {
        Pb scope = new Pb();
        for (int m = 0; m < metrics; m++) {
            Pb sum = new Pb();
            for (int p = 0; p < points; p++) {
                Pb point = new Pb()
                        .msg(7, attr("http.method", "GET")).msg(7, attr("http.route", "/api/v1/items/" + p))
                        .msg(7, attr("net.peer.name", "backend-" + (p % 7))).msg(7, intAttr("http.status_code", 200))
                        .msg(7, boolAttr("tls", true))
                        .fixed64(3, 1_700_000_000_000_000_000L + m * 1_000_000L).fixed64(6, 1000L + p);
                sum.msg(1, point);
            }
            sum.varint(2, 2).varint(3, 1);
            scope.msg(2, new Pb().str(1, "app.requests." + m).str(3, "{request}").msg(7, sum));
        }
        Pb resource = new Pb().msg(1, attr("service.name", "checkout")).msg(1, attr("service.instance.id", "pod-7f9c"))
                .msg(1, attr("k8s.namespace.name", "prod")).msg(1, attr("host.arch", "amd64"));
        Pb rm = new Pb().msg(1, resource).msg(2, scope);
        return new Pb().msg(1, rm).bytes();
    }

    /** One metric of exponential histogram points, {@code buckets} positive buckets each, one exemplar per point. */
    static byte[] exponentialBody(int points, int buckets) {
        Pb hist = new Pb();
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        for (int p = 0; p < points; p++) {
            Pb counts = new Pb();
            for (int b = 0; b < buckets; b++) {
                counts.raw(b % 5 == 0 ? 0 : b);
            }
            traceId[0] = (byte) (p + 1);
            spanId[0] = (byte) (p + 1);
            Pb exemplar = new Pb().msg(7, attr("user", "u-" + p)).fixed64(2, 1_700_000_000_000_000_000L)
                    .fixed64(3, Double.doubleToRawLongBits(0.25)).len(4, spanId).len(5, traceId);
            Pb point = new Pb().msg(1, attr("http.route", "/api/v1/items/" + p)).msg(1, attr("http.method", "GET"))
                    .fixed64(3, 1_700_000_000_000_000_000L).fixed64(4, 12_000).fixed64(5, Double.doubleToRawLongBits(1234.5))
                    .varint(6, 12 << 1).fixed64(7, 3).msg(8, new Pb().varint(1, 2 * 81 - 1).len(2, counts.bytes()))
                    .msg(11, exemplar);
            hist.msg(1, point);
        }
        hist.varint(2, 2);
        Pb scope = new Pb().msg(2, new Pb().str(1, "rpc.duration").str(3, "s").msg(10, hist));
        Pb resource = new Pb().msg(1, attr("service.name", "checkout")).msg(1, attr("service.instance.id", "pod-7f9c"));
        return new Pb().msg(1, new Pb().msg(1, resource).msg(2, scope)).bytes();
    }

    private static Pb attr(String key, String value) {
        return new Pb().str(1, key).msg(2, new Pb().str(1, value));
    }

    private static Pb intAttr(String key, long value) {
        return new Pb().str(1, key).msg(2, new Pb().varint(3, value));
    }

    private static Pb boolAttr(String key, boolean value) {
        return new Pb().str(1, key).msg(2, new Pb().varint(2, value ? 1 : 0));
    }

    /** Minimal protobuf writer. */
    private static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(int field, long v) {
            raw(field << 3);
            raw(v);
            return this;
        }

        Pb fixed64(int field, long v) {
            raw(field << 3 | 1);
            for (int i = 0; i < 8; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Pb str(int field, String s) {
            return len(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Pb msg(int field, Pb m) {
            return len(field, m.bytes());
        }

        Pb len(int field, byte[] b) {
            raw(field << 3 | 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
