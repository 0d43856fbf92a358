package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queries built to hurt a node — catastrophic-backtracking regexes over long label values, a 10,000-branch
 * alternation, 5,000-deep nesting sent by POST — are answered or refused promptly by a real node, while ingest and
 * ordinary queries on other threads keep working and answer exactly.
 */
class HostileQueryTest {
    /** Far below the minutes a backtracking engine spends on these, far above what a loaded machine needs. */
    private static final long PROMPT_MILLIS = 30_000;
    private static final String LONG_A = "a".repeat(40);
    private static final String VERY_LONG_A = "a".repeat(20_000);

    @Test
    void hostileQueriesAreAnsweredOrRefusedWhileTheNodeKeepsWorking() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        long t = base + 4 * 60_000;
        // label values far longer than limits.max_label_value_length allows by default
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\nlimits: {max_label_value_length: 65536}\n")) {
            // 30 samples, 10 s apart, per series: count_over_time(...[5m]) at t sees 25 of them (t-5m, t]
            List<Series> series = new ArrayList<>();
            for (String v : new String[] {LONG_A, VERY_LONG_A, "b"}) {
                long[] ts = new long[30];
                double[] vals = new double[30];
                for (int i = 0; i < ts.length; i++) {
                    ts[i] = base + i * 10_000L;
                    vals[i] = i;
                }
                series.add(new Series(new String[] {"__name__", "hq_metric", "v", v}, ts, vals));
            }
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series.toArray(Series[]::new))).status());

            StringBuilder alternation = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                alternation.append(i == 0 ? "" : "|").append("x").append(i).append("[0-9]+y");
            }
            alternation.append("|b");

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> hostile = new ArrayList<>();
                hostile.add(pool.submit(() -> {
                    // backtracking engines take minutes here; RE2 answers: no series matches
                    JsonNode j = ok(post(node, "count_over_time(hq_metric{v=~\"(.*a){25}b\"}[5m])", t));
                    assertEquals(0, j.path("data").path("result").size(), j.toString());
                    return null;
                }));
                hostile.add(pool.submit(() -> {
                    JsonNode j = ok(post(node, "count_over_time(hq_metric{v=~\"(a|aa)*(.*a){20}\"}[5m])", t));
                    assertEquals(2, j.path("data").path("result").size(), j.toString());
                    return null;
                }));
                hostile.add(pool.submit(() -> {
                    JsonNode j = ok(post(node, "count_over_time(hq_metric{v=~\"" + alternation + "\"}[5m])", t));
                    assertEquals(1, j.path("data").path("result").size(), j.toString());
                    assertEquals("b", j.path("data").path("result").get(0).path("metric").path("v").asText());
                    return null;
                }));
                hostile.add(pool.submit(() -> {
                    String deep = "(".repeat(5000) + "count_over_time(hq_metric[5m])" + ")".repeat(5000);
                    badData(post(node, deep, t), "expression nesting too deep");
                    badData(post(node, "-".repeat(100_000) + "1", t), "expression nesting too deep");
                    badData(post(node, "abs(".repeat(5000) + "hq_metric" + ")".repeat(5000), t), "expression nesting too deep");
                    badData(post(node, "hq_metric" + " + hq_metric".repeat(5000), t), "expression nesting too deep");
                    return null;
                }));
                hostile.add(pool.submit(() -> {
                    badData(post(node, "hq_metric{v=~\"(?=a)\"}", t), "error parsing regexp: invalid or unsupported Perl syntax");
                    badData(post(node, "hq_metric{v=~\"(a)\\\\1\"}", t), "error parsing regexp: invalid escape sequence");
                    badData(post(node, "hq_metric{v=~\"a++\"}", t), "error parsing regexp: invalid nested repetition operator");
                    badData(post(node, "hq_metric{v=~\"((a{1000}){1000}){1000}\"}", t), "expression too large");
                    badData(post(node, "hq_metric{v=~\"" + "(".repeat(5000) + ")".repeat(5000) + "\"}", t), "expression nests too deeply");
                    return null;
                }));

                // Meanwhile on this thread: ordinary queries answer exactly and ingest goes on.
                for (int round = 0; round < 5; round++) {
                    JsonNode j = ok(post(node, "count_over_time(hq_metric{v=\"b\"}[5m])", t));
                    assertEquals("25", j.path("data").path("result").get(0).path("value").get(1).asText(), j.toString());
                    Series extra = new Series(new String[] {"__name__", "hq_ingest", "round", Integer.toString(round)},
                            new long[] {t - 1000}, new double[] {round});
                    assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(extra)).status());
                }
                JsonNode ingested = ok(post(node, "count_over_time(hq_ingest[5m])", t));
                assertEquals(5, ingested.path("data").path("result").size(), ingested.toString());

                for (Future<?> f : hostile) {
                    f.get(PROMPT_MILLIS, TimeUnit.MILLISECONDS); // an assertion failure on a worker surfaces here
                }
                // the query threads survived: the node still answers
                JsonNode after = ok(post(node, "count_over_time(hq_metric{v=~\"a+\"}[5m])", t));
                assertEquals(2, after.path("data").path("result").size(), after.toString());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static Http.Response post(WeirTestNode node, String query, long t) throws Exception {
        long start = System.nanoTime();
        Http.Response r = Http.postForm(node.url(), "/api/v1/query", Http.params("query", query, "time", Long.toString(t / 1000)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < PROMPT_MILLIS, () -> "took " + millis + " ms: " + query.substring(0, Math.min(80, query.length())));
        return r;
    }

    private static JsonNode ok(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static void badData(Http.Response r, String messagePart) {
        assertEquals(400, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("bad_data", j.path("errorType").asText(), r.body());
        assertTrue(j.path("error").asText().contains(messagePart), r.body());
    }
}
