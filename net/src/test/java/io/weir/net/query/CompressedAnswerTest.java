package io.weir.net.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpMethod;
import io.weir.engine.ingest.LateWrites;
import io.weir.engine.metrics.MetricRegistry;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.net.http.HttpServer;
import io.weir.net.http.Router;
import io.weir.net.security.WebSecurity;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * A large query answer to a client that accepts gzip is compressed by the query's threads (one gzip stream) and
 * inflates to the answer a client that did not ask gets, byte for byte; a small one is compressed by the channel, or
 * not at all with compression off.
 */
class CompressedAnswerTest {
    private static final long T0 = 1_700_000_040_000L;

    @Test
    void largeAnswersAreCompressedByTheQueryThreads() throws Exception {
        ThreadPoolExecutor queries = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(2));
        try {
            for (int level : new int[] {1, 0}) {
                QueryEndpoint endpoint = new QueryEndpoint(true, new CachedPanelJsonTest.PanelSource(60),
                        new RangeResultCache(0, new LateWrites(0), System::currentTimeMillis, QueryResultJson::point), null,
                        queries, 30_000, 100_000, 10_000_000, new MetricRegistry().histogram("q", "q"),
                        new QueryCounters(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()), level);
                Router router = new Router().route("/api/v1/query_range", Set.of(HttpMethod.GET, HttpMethod.POST), endpoint);
                try (HttpServer server = new HttpServer("127.0.0.1", 0, 1, 1 << 20, router, WebSecurity.NONE, level)) {
                    // a day at 60 s steps (~2 MB) and an hour (~90 KB, under the size compressed by the query threads)
                    for (long hours : new long[] {24, 1}) {
                        String q = "/api/v1/query_range?query=" + URLEncoder.encode("avg_over_time(m[5m])", StandardCharsets.UTF_8)
                                + "&start=" + (T0 / 1000 - hours * 3600) + "&end=" + T0 / 1000 + "&step=60";
                        HttpResponse<byte[]> plain = get(server, q, null);
                        HttpResponse<byte[]> gz = get(server, q, "gzip");
                        assertEquals(200, plain.statusCode());
                        assertEquals(200, gz.statusCode());
                        assertEquals(Optional.empty(), plain.headers().firstValue("content-encoding"));
                        assertEquals(Optional.of("sketch"), gz.headers().firstValue("x-weir-source"));
                        if (level == 0) {
                            assertEquals(Optional.empty(), gz.headers().firstValue("content-encoding"), hours + " h");
                            assertArrayEquals(plain.body(), gz.body());
                            continue;
                        }
                        assertEquals(Optional.of("gzip"), gz.headers().firstValue("content-encoding"), hours + " h");
                        assertTrue(gz.body().length < plain.body().length / 2, gz.body().length + " of " + plain.body().length);
                        if (hours == 24) {
                            // compressed by the query's threads its length is known up front; the channel's compressor
                            // would have streamed this answer's slices chunked
                            assertEquals(Optional.of(Long.toString(gz.body().length)), gz.headers().firstValue("content-length"));
                        }
                        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
                            assertArrayEquals(plain.body(), in.readAllBytes(), hours + " h");
                        }
                    }
                }
            }
        } finally {
            queries.shutdownNow();
        }
    }

    private static HttpResponse<byte[]> get(HttpServer server, String pathAndQuery, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (accept != null) {
            b.header("Accept-Encoding", accept);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
