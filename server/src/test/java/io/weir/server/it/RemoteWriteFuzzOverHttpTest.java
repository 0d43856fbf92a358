package io.weir.server.it;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of mutated remote write bodies (seeded) POSTed to a live node: never a 5xx, the node keeps serving,
 * and {@code /ingest_stats.total_samples} is exactly the samples of the requests it answered 204.
 */
class RemoteWriteFuzzOverHttpTest {
    private static final long SEED = Long.getLong("weir.fuzz.seed", 0x5EED_F022L);
    private static final int REQUESTS = Integer.getInteger("weir.fuzz.requests", 3000);

    @Test
    void mutatedBodiesNeverBreakTheNode() throws Exception {
        Random rnd = new Random(SEED);
        List<byte[]> compressed = new ArrayList<>();
        List<byte[]> raw = new ArrayList<>();
        for (String f : RemoteWriteBodies.FIXTURES) {
            byte[] c = RemoteWriteBodies.fixture(f);
            compressed.add(c);
            raw.add(RemoteWriteBodies.unsnappy(c));
        }
        byte[] valid = compressed.get(0);
        long validSamples = RemoteWriteBodies.sampleCount(valid);
        Map<Integer, Integer> statuses = new TreeMap<>();
        long expected = 0;
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\n")) {
            for (int i = 0; i < REQUESTS; i++) {
                int kind = rnd.nextInt(9);
                byte[] body = mutate(kind, rnd, compressed, raw);
                Http.Response r = RemoteWriteBodies.post(node.url(), body);
                statuses.merge(r.status(), 1, Integer::sum);
                String what = "request " + i + " (seed " + SEED + ", mutation " + kind + ", " + body.length + " bytes)";
                if (r.status() >= 500) {
                    fail(what + " got " + r.status() + ": " + r.body());
                }
                if (r.status() == 204) {
                    long n = RemoteWriteBodies.sampleCount(body);
                    if (n < 0) {
                        fail(what + " was accepted although it is not a decodable WriteRequest");
                    }
                    expected += n;
                } else {
                    assertTrue(r.status() == 400 || r.status() == 413, what + " got " + r.status() + ": " + r.body());
                    assertTrue(!r.body().isBlank(), what + ": a refusal must say why");
                }
                if (i % 100 == 99) {
                    Http.Response ok = RemoteWriteBodies.post(node.url(), valid);
                    assertEquals(204, ok.status(), "valid fixture after " + what + ": " + ok.body());
                    expected += validSamples;
                }
            }
            Http.Response ok = RemoteWriteBodies.post(node.url(), valid);
            assertEquals(204, ok.status(), ok.body());
            expected += validSamples;
            assertEquals(200, Http.get(node.url() + "/-/ready").status());
            long total = Http.get(node.url() + "/ingest_stats").json().path("total_samples").asLong();
            assertEquals(expected, total, "total_samples vs samples of 204 requests; statuses " + statuses);
            assertTrue(statuses.getOrDefault(400, 0) > REQUESTS / 10, "mutations should mostly be refused: " + statuses);
            assertTrue(statuses.getOrDefault(204, 0) > 0, "some mutations should still be valid: " + statuses);
        }
    }

    /**
     * The same over remote write 2.0 (Content-Type proto=io.prometheus.write.v2.Request): never a 5xx, a 204 only
     * for a body protobuf-java parses as a 2.0 Request, its -Written headers equal what that parse holds, and
     * total_samples / total_histograms / total_exemplars are exactly the sums over the 204s.
     */
    @Test
    void mutatedRemoteWrite2BodiesNeverBreakTheNode() throws Exception {
        Random rnd = new Random(SEED ^ 0x2);
        List<byte[]> compressed = new ArrayList<>();
        List<byte[]> raw = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] r = v2Request(rnd, i).toByteArray();
            raw.add(r);
            compressed.add(RemoteWriteBodies.snappy(r));
        }
        byte[] valid = compressed.get(0);
        io.weir.server.it.proto.WriteV2.Request validParsed = io.weir.server.it.proto.WriteV2.Request.parseFrom(raw.get(0));
        Map<Integer, Integer> statuses = new TreeMap<>();
        long[] expected = new long[3];
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\n")) {
            for (int i = 0; i < REQUESTS; i++) {
                int kind = rnd.nextInt(9);
                byte[] body = mutate(kind, rnd, compressed, raw);
                Http.Response r = Http.post(node.url() + "/api/v1/write", body, RemoteWrite2BackendTest.V2_HEADERS);
                statuses.merge(r.status(), 1, Integer::sum);
                String what = "2.0 request " + i + " (seed " + SEED + ", mutation " + kind + ", " + body.length + " bytes)";
                if (r.status() >= 500) {
                    fail(what + " got " + r.status() + ": " + r.body());
                }
                if (r.status() == 204) {
                    io.weir.server.it.proto.WriteV2.Request parsed;
                    try {
                        parsed = io.weir.server.it.proto.WriteV2.Request.parseFrom(RemoteWriteBodies.unsnappy(body));
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(what + " was accepted although protobuf-java cannot parse it", e);
                    }
                    long[] counts = counts(parsed);
                    assertEquals(Long.toString(counts[0]), r.header("X-Prometheus-Remote-Write-Samples-Written"), what);
                    assertEquals(Long.toString(counts[1]), r.header("X-Prometheus-Remote-Write-Histograms-Written"), what);
                    assertEquals(Long.toString(counts[2]), r.header("X-Prometheus-Remote-Write-Exemplars-Written"), what);
                    for (int k = 0; k < 3; k++) {
                        expected[k] += counts[k];
                    }
                } else {
                    assertTrue(r.status() == 400 || r.status() == 413, what + " got " + r.status() + ": " + r.body());
                    assertTrue(!r.body().isBlank(), what + ": a refusal must say why");
                    assertEquals("0", r.header("X-Prometheus-Remote-Write-Samples-Written"), what);
                }
                if (i % 100 == 99) {
                    Http.Response ok = Http.post(node.url() + "/api/v1/write", valid, RemoteWrite2BackendTest.V2_HEADERS);
                    assertEquals(204, ok.status(), "valid 2.0 request after " + what + ": " + ok.body());
                    long[] counts = counts(validParsed);
                    for (int k = 0; k < 3; k++) {
                        expected[k] += counts[k];
                    }
                }
            }
            assertEquals(200, Http.get(node.url() + "/-/ready").status());
            com.fasterxml.jackson.databind.JsonNode stats = Http.get(node.url() + "/ingest_stats").json();
            assertEquals(expected[0], stats.path("total_samples").asLong(), "total_samples; statuses " + statuses);
            assertEquals(expected[1], stats.path("total_histograms").asLong(), "total_histograms; statuses " + statuses);
            assertEquals(expected[2], stats.path("total_exemplars").asLong(), "total_exemplars; statuses " + statuses);
            assertTrue(statuses.getOrDefault(400, 0) > REQUESTS / 10, "mutations should mostly be refused: " + statuses);
            assertTrue(statuses.getOrDefault(204, 0) > 0, "some mutations should still be valid: " + statuses);
            System.out.println("2.0 over HTTP: statuses " + statuses + ", samples " + expected[0] + ", histograms " + expected[1]
                    + ", exemplars " + expected[2]);
        }
    }

    private static long[] counts(io.weir.server.it.proto.WriteV2.Request req) {
        long[] c = new long[3];
        for (io.weir.server.it.proto.WriteV2.TimeSeries ts : req.getTimeseriesList()) {
            c[0] += ts.getSamplesCount();
            c[1] += ts.getHistogramsCount();
            c[2] += ts.getExemplarsCount();
        }
        return c;
    }

    /** A valid 2.0 request with every kind of field: floats, a histogram, an exemplar, metadata, created timestamp. */
    private static io.weir.server.it.proto.WriteV2.Request v2Request(Random rnd, int n) {
        var b = io.weir.server.it.proto.WriteV2.Request.newBuilder()
                .addAllSymbols(List.of("", "__name__", "fuzz_v2_" + n, "job", "fuzz", "trace_id", "t" + n, "help " + n, "bytes"));
        long t = 1_700_000_000_000L + n * 60_000L;
        for (int s = 0; s < 1 + rnd.nextInt(4); s++) {
            var ts = io.weir.server.it.proto.WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2, 3, 4));
            if (s == 1) {
                ts.addHistograms(io.weir.server.it.proto.WriteV2.Histogram.newBuilder().setCountInt(3).setSum(2).setSchema(1)
                        .addPositiveSpans(io.weir.server.it.proto.WriteV2.BucketSpan.newBuilder().setOffset(0).setLength(1))
                        .addPositiveDeltas(3).setTimestamp(t));
            } else {
                for (int k = 0; k < 1 + rnd.nextInt(5); k++) {
                    ts.addSamples(io.weir.server.it.proto.WriteV2.Sample.newBuilder().setValue(rnd.nextDouble()).setTimestamp(t + k * 1000L));
                }
                ts.addExemplars(io.weir.server.it.proto.WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(5, 6)).setValue(1).setTimestamp(t));
            }
            ts.setMetadata(io.weir.server.it.proto.WriteV2.Metadata.newBuilder().setTypeValue(2).setHelpRef(7).setUnitRef(8));
            ts.setCreatedTimestamp(t - 1000);
            b.addTimeseries(ts);
        }
        return b.build();
    }

    private static byte[] mutate(int kind, Random rnd, List<byte[]> compressed, List<byte[]> raw) {
        int which = rnd.nextInt(compressed.size());
        byte[] c = compressed.get(which);
        byte[] r = raw.get(which);
        return switch (kind) {
            case 0 -> flip(c.clone(), rnd, 1 + rnd.nextInt(8));
            case 1 -> Arrays.copyOf(c, rnd.nextInt(c.length));
            case 2 -> RemoteWriteBodies.snappy(flip(r.clone(), rnd, 1 + rnd.nextInt(4)));
            case 3 -> RemoteWriteBodies.snappy(Arrays.copyOf(r, rnd.nextInt(r.length + 1)));
            case 4 -> {
                byte[] other = raw.get(rnd.nextInt(raw.size()));
                int a = rnd.nextInt(r.length + 1);
                int b = rnd.nextInt(other.length + 1);
                byte[] s = Arrays.copyOf(r, a + other.length - b);
                System.arraycopy(other, b, s, a, other.length - b);
                yield RemoteWriteBodies.snappy(s);
            }
            case 5 -> {
                byte[] s = new byte[rnd.nextInt(2048)];
                rnd.nextBytes(s);
                yield s;
            }
            case 6 -> {
                byte[] s = new byte[rnd.nextInt(2048)];
                rnd.nextBytes(s);
                yield RemoteWriteBodies.snappy(s);
            }
            case 7 -> {
                // delete, duplicate or overwrite a chunk of the protobuf
                int at = rnd.nextInt(r.length);
                int len = 1 + rnd.nextInt(Math.min(64, r.length - at));
                byte[] s;
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        s = new byte[r.length - len];
                        System.arraycopy(r, 0, s, 0, at);
                        System.arraycopy(r, at + len, s, at, r.length - at - len);
                    }
                    case 1 -> {
                        s = new byte[r.length + len];
                        System.arraycopy(r, 0, s, 0, at + len);
                        System.arraycopy(r, at, s, at + len, r.length - at);
                    }
                    default -> {
                        s = r.clone();
                        for (int k = at; k < at + len; k++) {
                            s[k] = (byte) rnd.nextInt(256);
                        }
                    }
                }
                yield RemoteWriteBodies.snappy(s);
            }
            default -> {
                // interesting single bytes at interesting places: varint continuation, huge lengths, zero
                byte[] s = r.clone();
                int n = 1 + rnd.nextInt(3);
                byte[] special = {(byte) 0xFF, (byte) 0x80, 0, 0x7F, 0x0A, 0x12, 0x09, 0x10};
                for (int k = 0; k < n; k++) {
                    s[rnd.nextInt(s.length)] = special[rnd.nextInt(special.length)];
                }
                yield RemoteWriteBodies.snappy(s);
            }
        };
    }

    private static byte[] flip(byte[] b, Random rnd, int flips) {
        for (int i = 0; i < flips && b.length > 0; i++) {
            int at = rnd.nextInt(b.length);
            b[at] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
    }
}
