package io.weir.net.http;

import static io.weir.net.http.GzipPartsTest.joined;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.net.security.WebSecurity;
import java.nio.ByteBuffer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;

/**
 * JSON and text answers are compressed for a client that asks (gzip or deflate), as Prometheus and VictoriaMetrics
 * compress theirs, and decompress to exactly what an uncompressed answer carries: a large answer streamed in parts
 * (several socket slices), a small one, and one of one slice. Snapshot files (octet-stream) and answers to a client
 * that did not ask are sent as they are; with compression off nothing is compressed.
 */
class AnswerCompressionTest {
    private static final ByteBuffer[] LARGE = GzipPartsTest.parts(3 * PartsBody.SLICE_BYTES + 12_345, new SplittableRandom(1));
    private static final byte[] MEDIUM = joined(GzipPartsTest.parts(50_000, new SplittableRandom(2)));
    private static final byte[] SMALL = "{\"status\":\"success\"}".getBytes(StandardCharsets.US_ASCII);

    @Test
    void answersAreCompressedWhenTheClientAsks() throws Exception {
        try (HttpServer server = new HttpServer("127.0.0.1", 0, 1, 1 << 20, router(), WebSecurity.NONE, 1)) {
            byte[] large = joined(LARGE);
            for (String encoding : new String[] {"gzip", "deflate"}) {
                assertAnswer(server, "/large", encoding, encoding, large);
                assertAnswer(server, "/medium", encoding, encoding, MEDIUM);
                assertAnswer(server, "/small", encoding, null, SMALL);
                assertAnswer(server, "/file", encoding, null, MEDIUM);
            }
            assertAnswer(server, "/large", null, null, large);
            assertAnswer(server, "/medium", null, null, MEDIUM);
        }
    }

    @Test
    void levelZeroCompressesNothing() throws Exception {
        try (HttpServer server = new HttpServer("127.0.0.1", 0, 1, 1 << 20, router(), WebSecurity.NONE, 0)) {
            assertAnswer(server, "/large", "gzip", null, joined(LARGE));
            assertAnswer(server, "/medium", "gzip", null, MEDIUM);
        }
    }

    private static Router router() {
        return new Router()
            .route("/large", Set.of(HttpMethod.GET), (ctx, r, keepAlive) ->
                HttpResponses.sendParts(ctx, HttpResponseStatus.OK, HttpResponses.JSON, LARGE, keepAlive))
            .route("/medium", Set.of(HttpMethod.GET), (ctx, r, keepAlive) ->
                HttpResponses.sendParts(ctx, HttpResponseStatus.OK, HttpResponses.JSON, new ByteBuffer[] {ByteBuffer.wrap(MEDIUM)}, keepAlive))
            .route("/small", Set.of(HttpMethod.GET), (ctx, r, keepAlive) ->
                HttpResponses.send(ctx, HttpResponses.of(HttpResponseStatus.OK, HttpResponses.JSON, SMALL), keepAlive))
            .route("/file", Set.of(HttpMethod.GET), (ctx, r, keepAlive) ->
                HttpResponses.send(ctx, HttpResponses.of(HttpResponseStatus.OK, "application/octet-stream", MEDIUM), keepAlive));
    }

    /** Asks twice on one connection (a compressed stream must end where its answer ends). */
    private static void assertAnswer(HttpServer server, String path, String accept, String expectEncoding, byte[] expect)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        for (int ask = 0; ask < 2; ask++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30));
            if (accept != null) {
                b.header("Accept-Encoding", accept);
            }
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), path);
            Optional<String> encoding = r.headers().firstValue("content-encoding");
            assertEquals(Optional.ofNullable(expectEncoding), encoding, path + " asked " + accept);
            byte[] body = r.body();
            if (expectEncoding != null) {
                assertTrue(body.length < expect.length / 2, path + ": " + body.length + " of " + expect.length + " bytes");
                body = inflate(expectEncoding, body);
            }
            assertArrayEquals(expect, body, path + " asked " + accept);
        }
    }

    private static byte[] inflate(String encoding, byte[] body) throws Exception {
        try (InputStream in = encoding.equals("gzip") ? new GZIPInputStream(new java.io.ByteArrayInputStream(body))
                : new InflaterInputStream(new java.io.ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }
}
