package io.weir.server.it;

import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.weir.net.otlp.GzipBody;
import io.weir.net.otlp.OtlpMetricsDecoder;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated OTLP bodies that the OpenTelemetry Java SDK produced (plain and gzip, seeded) POSTed to a live node: never
 * a 5xx; a 200 only for a body that decodes, with exactly the refused-point count a local decoder finds; a 400 for
 * the rest; and {@code /ingest_stats.total_samples} is exactly the samples of the requests answered 200, so nothing
 * from a refused body was half-written.
 */
class OtlpFuzzOverHttpTest {
    private static final long SEED = Long.getLong("weir.fuzz.seed", 0x07_1F_F022L);
    private static final int REQUESTS = Integer.getInteger("weir.fuzz.requests", 2000);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void mutatedBodiesNeverBreakTheNode() throws Exception {
        Random rnd = new Random(SEED);
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(OtlpSdk.body("fz-1", AggregationTemporalitySelector.alwaysCumulative(), Aggregation.defaultAggregation()));
        seeds.add(OtlpSdk.body("fz-2", AggregationTemporalitySelector.deltaPreferred(), Aggregation.defaultAggregation()));
        seeds.add(OtlpSdk.body("fz-3", AggregationTemporalitySelector.alwaysCumulative(), Aggregation.base2ExponentialBucketHistogram()));
        OtlpMetricsDecoder local = new OtlpMetricsDecoder();
        GzipBody gunzip = new GzipBody();
        DecodedWriteRequest decoded = new DecodedWriteRequest();
        Map<Integer, Integer> statuses = new TreeMap<>();
        long expected = 0;
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\n")) {
            for (int i = 0; i < REQUESTS; i++) {
                int kind = rnd.nextInt(6);
                byte[] raw = mutate(kind, rnd, seeds);
                boolean gzip = rnd.nextInt(3) == 0;
                byte[] body = gzip ? gzip(raw) : raw;
                if (gzip && rnd.nextInt(4) == 0) {
                    body = flip(body, rnd, 1 + rnd.nextInt(3)); // corrupt the gzip stream itself
                }
                HttpResponse<byte[]> r = post(node.url(), body, gzip);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                String what = "request " + i + " (seed " + SEED + ", mutation " + kind + (gzip ? ", gzip" : "") + ", " + body.length + " bytes)";
                if (r.statusCode() >= 500) {
                    fail(what + " got " + r.statusCode() + ": " + new String(r.body()));
                }
                byte[] plain = body;
                int plainLength = body.length;
                boolean decodes = true;
                if (gzip) {
                    plainLength = gunzip.inflate(body, 0, body.length, 32 << 20);
                    plain = gunzip.buffer();
                    decodes = plainLength >= 0;
                }
                decodes = decodes && local.decode(plain, 0, plainLength, decoded) == RemoteWriteStatus.OK;
                if (r.statusCode() == 200) {
                    assertTrue(decodes, what + " was accepted although it does not decode");
                    expected += decoded.sampleCount();
                    assertEquals(local.rejectedPoints(), rejectedPoints(r.body()), what + ": partial_success.rejected_data_points");
                } else {
                    assertEquals(400, r.statusCode(), what);
                    assertTrue(!decodes, what + " was refused although it decodes");
                    assertTrue(r.body().length > 0, what + ": a refusal must say why");
                }
                if (i % 100 == 99) {
                    assertEquals(200, post(node.url(), seeds.get(0), false).statusCode(), "valid body after " + what);
                    assertEquals(RemoteWriteStatus.OK, local.decode(seeds.get(0), 0, seeds.get(0).length, decoded));
                    expected += decoded.sampleCount();
                }
            }
            assertEquals(200, Http.get(node.url() + "/-/ready").status());
            long total = Http.get(node.url() + "/ingest_stats").json().path("total_samples").asLong();
            assertEquals(expected, total, "total_samples vs samples of 200 requests; statuses " + statuses);
            assertTrue(statuses.getOrDefault(400, 0) > REQUESTS / 10, "mutations should mostly be refused: " + statuses);
            assertTrue(statuses.getOrDefault(200, 0) > REQUESTS / 20, "some mutations should still decode: " + statuses);
            System.out.println("otlp fuzz over HTTP: " + REQUESTS + " requests, statuses " + statuses + ", " + expected + " samples");
        }
    }

    private static HttpResponse<byte[]> post(String url, byte[] body, boolean gzip) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/opentelemetry/v1/metrics")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (gzip) {
            b.header("Content-Encoding", "gzip");
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** rejected_data_points of an ExportMetricsServiceResponse (0 when partial_success is absent). */
    private static long rejectedPoints(byte[] b) {
        if (b.length == 0) {
            return 0;
        }
        int p = 1;
        while (b[p] < 0) {
            p++;
        }
        p++;
        if (p >= b.length || b[p] != 0x08) {
            return 0;
        }
        p++;
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[p++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }

    private static byte[] mutate(int kind, Random rnd, List<byte[]> seeds) {
        byte[] s = seeds.get(rnd.nextInt(seeds.size()));
        return switch (kind) {
            case 0 -> flip(s, rnd, 1 + rnd.nextInt(4));
            case 1 -> Arrays.copyOf(s, rnd.nextInt(s.length));
            case 2 -> {
                byte[] other = seeds.get(rnd.nextInt(seeds.size()));
                int a = rnd.nextInt(s.length + 1);
                int b = rnd.nextInt(other.length + 1);
                byte[] out = Arrays.copyOf(s, a + other.length - b);
                System.arraycopy(other, b, out, a, other.length - b);
                yield out;
            }
            case 3 -> { // a byte of a value nudged: often still well-formed
                byte[] out = s.clone();
                int at = rnd.nextInt(out.length);
                out[at] = (byte) (out[at] + 1);
                yield out;
            }
            case 4 -> {
                byte[] out = new byte[rnd.nextInt(512)];
                rnd.nextBytes(out);
                yield out;
            }
            default -> { // delete or duplicate a chunk
                int at = rnd.nextInt(s.length);
                int len = 1 + rnd.nextInt(Math.min(32, s.length - at));
                byte[] out;
                if (rnd.nextBoolean()) {
                    out = new byte[s.length - len];
                    System.arraycopy(s, 0, out, 0, at);
                    System.arraycopy(s, at + len, out, at, s.length - at - len);
                } else {
                    out = new byte[s.length + len];
                    System.arraycopy(s, 0, out, 0, at + len);
                    System.arraycopy(s, at, out, at + len, s.length - at);
                }
                yield out;
            }
        };
    }

    private static byte[] flip(byte[] b, Random rnd, int n) {
        byte[] c = b.clone();
        for (int k = 0; k < n; k++) {
            c[rnd.nextInt(c.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return c;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
