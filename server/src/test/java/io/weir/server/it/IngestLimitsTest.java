package io.weir.server.it;

import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code limits.*} key on a real node: the request over it is refused with the status and a message naming
 * the key, nothing of it is kept, its counter in /metrics counts it, and a request within the limits still passes.
 */
class IngestLimitsTest {
    private final long t = System.currentTimeMillis() - 60_000;

    @Test
    void shapeAndRequestSizeLimits() throws Exception {
        try (WeirTestNode node = WeirTestNode.start("""
                wal: {fsync: never}
                limits: {max_labels_per_series: 3, max_label_name_length: 10, max_label_value_length: 10, max_series_per_request: 2}
                """)) {
            refused(node, 400, "has 4 labels, more than limits.max_labels_per_series (3)", "max_labels_per_series",
                    series("m1", "a", "1", "b", "2", "c", "3"));
            refused(node, 400, "is 11 bytes long, more than limits.max_label_name_length (10)", "max_label_name_length",
                    series("m2", "abcdefghijk", "1"));
            refused(node, 400, "is 11 bytes long, more than limits.max_label_value_length (10)", "max_label_value_length",
                    series("m3", "a", "abcdefghijk"));
            refused(node, 400, "request has 3 series, more than limits.max_series_per_request (2)", "max_series_per_request",
                    series("m4", "i", "1"), series("m4", "i", "2"), series("m4", "i", "3"));
            // a request that passes one check but not a later one keeps nothing either
            refused(node, 400, "more than limits.max_label_value_length (10)", "max_label_value_length",
                    series("m5", "a", "ok"), series("m5", "a", "much-too-long"));
            assertEquals(0, seriesCount(node, "{__name__=~\"m.*\"}"));

            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                    series("okay", "a", "1", "b", "abcdefghij"), series("okay", "abcdefghij", "2"))).status());
            assertEquals(2, seriesCount(node, "okay"));
        }
    }

    @Test
    void totalSeriesLimit() throws Exception {
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\nlimits: {max_series: 3}\n")) {
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                    series("c", "i", "1"), series("c", "i", "2"), series("c", "i", "3"))).status());
            refused(node, 400, "request would create 1 new series beyond limits.max_series (3; the node has 3)", "max_series",
                    series("c", "i", "1"), series("c", "i", "4"));
            // samples of existing series still go in
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series("c", "i", "2"))).status());
            assertEquals(3, seriesCount(node, "c"));
        }
    }

    @Test
    void newSeriesRateLimit() throws Exception {
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\nlimits: {max_new_series_per_second: 1}\n")) {
            // the bucket starts with one second's worth: one new series passes whenever it comes
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series("r", "i", "0"))).status());
            Series[] many = new Series[1000];
            for (int i = 0; i < many.length; i++) {
                many[i] = series("r", "i", Integer.toString(i + 1));
            }
            // 1000 new series need 1000 tokens; at one a second that is not now, however slow this machine is
            Http.Response r = refused(node, 429, "request would create 1000 new series, more than"
                    + " limits.max_new_series_per_second (1) allows now; retry later", "max_new_series_per_second", many);
            assertEquals("1", r.header("Retry-After"));
            // series that exist are not new: the first one can always be written again
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series("r", "i", "0"))).status());
            assertEquals(1, seriesCount(node, "r"));
        }
    }

    private Series series(String name, String... labels) {
        String[] all = new String[labels.length + 2];
        all[0] = "__name__";
        all[1] = name;
        System.arraycopy(labels, 0, all, 2, labels.length);
        return new Series(all, new long[] {t}, new double[] {1});
    }

    private static Http.Response refused(WeirTestNode node, int status, String message, String key, Series... series) throws Exception {
        double before = refusals(node, key);
        Http.Response r = RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(series));
        assertEquals(status, r.status(), r.body());
        assertTrue(r.body().contains(message), r.body());
        assertEquals(before + 1, refusals(node, key));
        return r;
    }

    private static double refusals(WeirTestNode node, String key) throws Exception {
        String prefix = "weir_ingest_limit_refusals_total{limit=\"" + key + "\"} ";
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(prefix.length()));
            }
        }
        throw new AssertionError("no " + prefix + "in /metrics");
    }

    private static int seriesCount(WeirTestNode node, String selector) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/series", Http.params("match[]", selector));
        assertEquals(200, r.status(), r.body());
        return r.json().path("data").size();
    }
}
