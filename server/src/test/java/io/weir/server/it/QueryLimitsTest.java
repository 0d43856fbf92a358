package io.weir.server.it;

import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The {@code query} limits of a running node: max_series and max_samples answer 422, the timeout 503. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryLimitsTest {
    private static final int SERIES = 30;
    private WeirTestNode node;
    private long t;

    @BeforeAll
    void start() throws Exception {
        t = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        Series[] series = new Series[SERIES];
        for (int i = 0; i < SERIES; i++) {
            long[] ts = new long[60];
            double[] vs = new double[60];
            for (int j = 0; j < 60; j++) {
                ts[j] = t - 600_000 + 1_500 + j * 10_000;
                vs[j] = i + j;
            }
            series[i] = new Series(new String[] {"__name__", "ql_metric", "i", Integer.toString(i)}, ts, vs);
        }
        node = WeirTestNode.start("wal: {fsync: never}\nquery: {max_series: 20, max_samples: 100000}\n");
        assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series)).status());
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query",
                    "sum(count_over_time(ql_metric{i=~\"0|29\"}[1h]))", "time", sec(t)));
            if (r.status() == 200 && r.json().path("data").path("result").size() == 1
                    && r.json().path("data").path("result").get(0).path("value").get(1).asText().equals("120")) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("samples not applied: " + r.body());
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static String sec(long ms) { return Long.toString(ms / 1000); }

    private static void assertError(Http.Response r, int status, String type, String part) {
        assertEquals(status, r.status(), r.body());
        assertEquals(type, r.json().path("errorType").asText(), r.body());
        assertTrue(r.json().path("error").asText().contains(part), r.body());
    }

    @Test
    void maxSeriesIs422() throws Exception {
        assertError(Http.get(node.url(), "/api/v1/query", Http.params("query", "sum(avg_over_time(ql_metric[5m]))", "time", sec(t))),
                422, "execution", "query.max_series");
        // within the limit: answered
        assertEquals(200, Http.get(node.url(), "/api/v1/query", Http.params("query",
                "sum(avg_over_time(ql_metric{i=~\"1.\"}[5m]))", "time", sec(t))).status());
    }

    @Test
    void maxSamplesIs422() throws Exception {
        // 10 series x 10,001 steps > 100,000 points
        assertError(Http.get(node.url(), "/api/v1/query_range", Http.params("query", "avg_over_time(ql_metric{i=~\"1.\"}[5m])",
                "start", sec(t - 10_000_000), "end", sec(t), "step", "1")), 422, "execution", "too many samples");
    }

    @Test
    void timeoutIs503AndStopsTheWork() throws Exception {
        // 10 series x 9,981 steps (within max_samples): one series' 9,981 sketch reads alone take far more than
        // the 1 ms allowed, and the deadline is checked between series
        assertError(Http.get(node.url(), "/api/v1/query_range", Http.params("query", "avg_over_time(ql_metric{i=~\"1.\"}[5m]) * 2",
                "start", sec(t - 4_990_000), "end", sec(t), "step", "0.5", "timeout", "1ms")), 503, "timeout", "timed out");
        // rangeQuery with a string is refused as Prometheus does
        assertError(Http.get(node.url(), "/api/v1/query_range", Http.params("query", "\"x\"",
                "start", sec(t - 60_000), "end", sec(t), "step", "10")), 400, "bad_data", "invalid expression type \"string\" for range query");
    }
}
