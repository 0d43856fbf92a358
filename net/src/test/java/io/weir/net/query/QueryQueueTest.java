package io.weir.net.query;

import io.netty.handler.codec.http.HttpMethod;
import io.weir.engine.ingest.LateWrites;
import io.weir.engine.metrics.MetricRegistry;
import io.weir.engine.query.SketchQueryEngine;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.net.http.HttpServer;
import io.weir.net.http.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code query.max_concurrency}: queries run on a bounded executor with a bounded queue (as the node builds it:
 * that many threads, as many waiting); with every thread busy and the queue full, a query is answered 503
 * {@code unavailable} at once, counted as an error, and the endpoint answers again once the executor has room.
 * The executor is occupied by tasks that wait on a latch the test holds, so nothing depends on timing.
 */
class QueryQueueTest {
    @TempDir
    Path dir;

    @Test
    void aFullQueueIsAnswered503AndServingResumes() throws Exception {
        ThreadPoolExecutor queries = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
        LongAdder errors = new LongAdder();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch drained = new CountDownLatch(2); // both occupying tasks have left the executor's queue
        try (SeriesTable table = SeriesTable.open(dir, 16);
             SketchShard shard = new SketchShard(1, new SlabArena(1 << 20, 1 << 16, 1), id -> null)) {
            SketchQueryEngine engine = new SketchQueryEngine(table, new SketchShard[] {shard}, true);
            QueryEndpoint endpoint = new QueryEndpoint(false, engine, new RangeResultCache(0, new LateWrites(0), System::currentTimeMillis, QueryResultJson::point), null, queries, 10_000, 1_000, 1_000_000,
                    new MetricRegistry().histogram("q", "q"), new QueryCounters(new LongAdder(), new LongAdder(), new LongAdder(), errors));
            Router router = new Router().route("/api/v1/query", Set.of(HttpMethod.GET, HttpMethod.POST), endpoint);
            try (HttpServer server = new HttpServer("127.0.0.1", 0, 1, 1 << 20, router)) {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/query?query="
                        + URLEncoder.encode("count_over_time(m[5m])", StandardCharsets.UTF_8) + "&time=1700000000");
                HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();

                assertEquals(200, client.send(get, HttpResponse.BodyHandlers.ofString()).statusCode(), "an idle executor answers");
                queries.execute(() -> {
                    running.countDown();
                    await(release);
                    drained.countDown();
                });
                assertTrue(running.await(30, TimeUnit.SECONDS));
                queries.execute(() -> { // the one queue slot
                    await(release);
                    drained.countDown();
                });
                HttpResponse<String> refused = client.send(get, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("\"errorType\":\"unavailable\""), refused.body());
                assertTrue(refused.body().contains("too many queries in flight"), refused.body());
                assertEquals(1, errors.sum());

                release.countDown();
                // the queued task must have been taken before a query finds the queue's slot free (without this wait
                // the query raced the worker and was refused now and then)
                assertTrue(drained.await(30, TimeUnit.SECONDS));
                HttpResponse<String> again = client.send(get, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, again.statusCode(), again.body());
                assertTrue(again.body().contains("\"status\":\"success\""), again.body());
            }
        } finally {
            release.countDown();
            queries.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
