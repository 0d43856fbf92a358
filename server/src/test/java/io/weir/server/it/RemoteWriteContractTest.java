package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outside contract of {@code POST /api/v1/write} (interface.md, "Input rules and status codes"): status codes
 * and messages for good and bad bodies, and that a refused request changes nothing (no samples counted, no series
 * created, the next good request still accepted).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteWriteContractTest {
    private static final int LIMIT = 64 * 1024;
    private WeirTestNode node;
    /** Samples of every request answered 204 so far. */
    private long expectedSamples;
    private final long now = System.currentTimeMillis() / 1000 * 1000;

    @BeforeAll
    void start() throws Exception {
        node = WeirTestNode.start("""
                server:
                  max_request_bytes: 64KiB
                wal:
                  fsync: never
                """);
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private void accepted(byte[] body) throws Exception {
        Http.Response r = RemoteWriteBodies.post(node.url(), body);
        assertEquals(204, r.status(), () -> "expected 204, got " + r.status() + ": " + r.body());
        expectedSamples += RemoteWriteBodies.sampleCount(body);
        assertEquals(expectedSamples, stats().path("total_samples").asLong(), "ingest_stats.total_samples");
    }

    private JsonNode stats() throws Exception {
        return Http.get(node.url() + "/ingest_stats").json();
    }

    private JsonNode series(String match) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/series", Http.params("match[]", match));
        assertEquals(200, r.status(), r.body());
        return r.json().path("data");
    }

    /** A refused request: status, message, nothing counted, no series of it created, next good request 204. */
    private void refused(int status, byte[] body, Map<String, String> headers, String messagePart, String... metricsInBody) throws Exception {
        long rejectedBefore = stats().path("rejected_requests").asLong();
        Http.Response r = Http.post(node.url() + "/api/v1/write", body, headers);
        assertEquals(status, r.status(), () -> "body: " + r.body());
        assertTrue(r.body().toLowerCase().contains(messagePart.toLowerCase()),
                () -> "message should name the problem (" + messagePart + "): " + r.body());
        JsonNode s = stats();
        assertEquals(expectedSamples, s.path("total_samples").asLong(), "a refused request must not count samples");
        assertEquals(rejectedBefore + 1, s.path("rejected_requests").asLong(), "rejected_requests");
        for (String m : metricsInBody) {
            assertEquals(0, series("{__name__=\"" + m + "\"}").size(), "series " + m + " of a refused request appeared");
        }
        accepted(RemoteWriteBodies.body(Series.of(now, 1, "__name__", "after_refusal", "case", messagePart)));
    }

    private void refused(int status, byte[] body, String messagePart, String... metricsInBody) throws Exception {
        refused(status, body, RemoteWriteBodies.HEADERS, messagePart, metricsInBody);
    }

    @Test
    void everyRealPrometheusFixtureIsAccepted() throws Exception {
        for (String f : RemoteWriteBodies.FIXTURES) {
            byte[] body = RemoteWriteBodies.fixture(f);
            accepted(body);
            if (!f.equals("req-0021.bin")) {
                String name = RemoteWriteBodies.names(body).get(0);
                assertTrue(series("{__name__=\"" + name + "\"}").size() > 0, f + ": series " + name + " not indexed");
            }
        }
        assertEquals(0, RemoteWriteBodies.sampleCount(RemoteWriteBodies.fixture("req-0021.bin")), "req-0021 is metadata-only");
    }

    @Test
    void unsortedLabelsAreSortedAndAccepted() throws Exception {
        accepted(RemoteWriteBodies.body(Series.of(now, 3, "zone", "b", "job", "j", "__name__", "unsorted_metric", "instance", "i")));
        JsonNode data = series("{__name__=\"unsorted_metric\"}");
        assertEquals(1, data.size(), data.toString());
        assertEquals(Map.of("__name__", "unsorted_metric", "instance", "i", "job", "j", "zone", "b"),
                Http.JSON.convertValue(data.get(0), Map.class));
        // the same set in another order is the same series
        accepted(RemoteWriteBodies.body(Series.of(now + 1000, 4, "instance", "i", "__name__", "unsorted_metric", "zone", "b", "job", "j")));
        assertEquals(1, series("{__name__=\"unsorted_metric\"}").size());
    }

    @Test
    void specialValuesAreAccepted() throws Exception {
        double stale = Double.longBitsToDouble(0x7ff0000000000002L);
        accepted(RemoteWriteBodies.body(new Series(new String[] {"__name__", "special_values"},
                new long[] {now, now + 1000, now + 2000, now + 3000, now + 4000},
                new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, stale, 1.5})));
        accepted(RemoteWriteBodies.body(Series.of(now + 5000, stale, "__name__", "only_stale")));
    }

    @Test
    void badSnappyIs400() throws Exception {
        refused(400, "this is not snappy at all, just text".getBytes(StandardCharsets.UTF_8), "snappy");
        byte[] raw = RemoteWriteBodies.protobuf(Series.of(now, 1, "__name__", "rejected_uncompressed"));
        refused(400, raw, "snappy", "rejected_uncompressed");
        refused(400, new byte[0], "snappy");
    }

    @Test
    void truncatedProtobufIs400() throws Exception {
        byte[] raw = RemoteWriteBodies.protobuf(Series.of(now, 1, "__name__", "rejected_truncated_ok"),
                Series.of(now, 2, "__name__", "rejected_truncated", "job", "x"));
        refused(400, RemoteWriteBodies.snappy(Arrays.copyOf(raw, raw.length - 3)), "end", "rejected_truncated_ok", "rejected_truncated");
    }

    @Test
    void seriesWithoutMetricNameIs400() throws Exception {
        byte[] body = RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_noname_ok"),
                Series.of(now, 1, "job", "rejected_noname"));
        refused(400, body, "__name__", "rejected_noname_ok");
        assertEquals(0, series("{job=\"rejected_noname\"}").size());
        refused(400, RemoteWriteBodies.body(Series.of(now, 1, "__name__", "", "job", "rejected_emptyname")), "__name__");
        assertEquals(0, series("{job=\"rejected_emptyname\"}").size());
    }

    @Test
    void emptyLabelNameIs400() throws Exception {
        refused(400, RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_emptylabel_ok"),
                Series.of(now, 1, "__name__", "rejected_emptylabel", "", "v")), "empty label name",
                "rejected_emptylabel_ok", "rejected_emptylabel");
    }

    @Test
    void duplicateLabelNameIs400() throws Exception {
        refused(400, RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_dup_ok"),
                Series.of(now, 1, "__name__", "rejected_dup", "job", "a", "job", "b")), "duplicate label name",
                "rejected_dup_ok", "rejected_dup");
    }

    @Test
    void invalidUtf8LabelNameIs400() throws Exception {
        byte[] raw = RemoteWriteBodies.protobuf(Series.of(now, 1, "__name__", "rejected_utf8", "jXb", "v"));
        // turn the 'X' of the label name into a lone continuation byte
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 'X') {
                raw[i] = (byte) 0x80;
            }
        }
        refused(400, RemoteWriteBodies.snappy(raw), "label name", "rejected_utf8");
    }

    @Test
    void gzipEncodingIs415() throws Exception {
        Map<String, String> h = new HashMap<>(RemoteWriteBodies.HEADERS);
        h.put("Content-Encoding", "gzip");
        refused(415, RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_gzip")), h, "gzip", "rejected_gzip");
        h.put("Content-Encoding", "zstd");
        refused(415, RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_zstd")), h, "zstd", "rejected_zstd");
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        for (String method : new String[] {"GET", "PUT", "DELETE"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/write")).timeout(Duration.ofSeconds(10));
            b.method(method, method.equals("PUT")
                    ? HttpRequest.BodyPublishers.ofByteArray(RemoteWriteBodies.body(Series.of(now, 1, "__name__", "rejected_put")))
                    : HttpRequest.BodyPublishers.noBody());
            Http.Response r = Http.send(b.build());
            assertEquals(405, r.status(), method + ": " + r.body());
            assertEquals("POST", r.header("Allow"), method);
        }
        assertEquals(0, series("{__name__=\"rejected_put\"}").size());
        assertEquals(expectedSamples, stats().path("total_samples").asLong());
        accepted(RemoteWriteBodies.body(Series.of(now, 1, "__name__", "after_405")));
    }

    @Test
    void bodyOverLimitIs413BeforeTheConnectionCloses() throws Exception {
        byte[] big = new byte[LIMIT + 1024];
        new java.util.Random(1).nextBytes(big);
        String response = rawPost(big, true);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.contains("max_request_bytes"), response);
        // also when the whole body is already on the wire
        response = rawPost(big, false);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertEquals(expectedSamples, stats().path("total_samples").asLong());
        accepted(RemoteWriteBodies.body(Series.of(now, 1, "__name__", "after_413")));
    }

    @Test
    void chunkedBodyOverLimitIs413BeforeTheConnectionCloses() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/v1/write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Encoding: snappy\r\n"
                    + "Content-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[8192];
            try {
                for (int i = 0; i < (LIMIT / chunk.length) + 2; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedWhileSending) {
                // the server may close after answering; the answer must still be readable
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                if (got.size() == 0) {
                    throw new AssertionError("connection failed before any response arrived", e);
                }
            }
            String response = got.toString(StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 413"), response);
        }
        assertEquals(expectedSamples, stats().path("total_samples").asLong());
        accepted(RemoteWriteBodies.body(Series.of(now, 1, "__name__", "after_chunked_413")));
    }

    @Test
    void snappyHeaderDeclaringTooMuchIs413() throws Exception {
        // a valid compressed body whose decoded protobuf is just over the limit
        byte[] raw = RemoteWriteBodies.protobuf(Series.of(now, 1, "__name__", "rejected_bomb", "pad", "x".repeat(LIMIT)));
        byte[] body = RemoteWriteBodies.snappy(raw);
        assertTrue(body.length < 4096, "compressed size " + body.length);
        String response = rawPost(body, false);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        // a 12-byte body declaring 1 GiB
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        RemoteWriteBodies.varint(bomb, 1L << 30);
        bomb.writeBytes(new byte[] {0, 1, 2, 3, 4, 5, 6});
        response = rawPost(bomb.toByteArray(), false);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.contains("snappy"), response);
        assertEquals(0, series("{__name__=\"rejected_bomb\"}").size());
        refused(413, body, "limit", "rejected_bomb");
    }

    /**
     * POSTs over a plain socket and reads the whole response until the server closes or 10 s pass.
     *
     * @param headersFirst send the headers, read the response, and only then try the body
     */
    private String rawPost(byte[] body, boolean headersFirst) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/v1/write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Encoding: snappy\r\n"
                    + "Content-Type: application/x-protobuf\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (!headersFirst) {
                out.write(body);
                out.flush();
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                if (got.size() == 0) {
                    throw new AssertionError("connection failed before any response arrived", e);
                }
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }
}
