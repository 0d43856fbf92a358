package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Prometheus 2.42 as the oracle for regex matcher semantics: the same series are remote-written to a real
 * Prometheus and to Weir, and {@code /api/v1/series} must select the same ones for each matcher (empty regex,
 * {@code .*} and absent labels, negations, alternations, escapes, classes, flags). Values with '\n' are left out:
 * there 2.42 and Weir differ on purpose ('.' matches '\n' since Prometheus 3). Invalid RE2 is 400 bad_data on both.
 */
class RegexOracleTest {
    private static final String[] VALUES = {"a", "ab", "AB", "a.b", "axb", "10.0.0.1", "10x0x0x1", "x|y", "abc", "1a", "ä"};
    private static final String[] MATCHERS = {
        "v=~\"\"", "v=~\".*\"", "v=~\".+\"", "v!~\"\"", "v!~\".*\"", "v!~\".+\"", "v=\"\"", "v!=\"\"",
        "v=~\"a|ab\"", "v=~\"a|\"", "v=~\"a.*\"", "v!~\"a.*\"", "v=~\"a.b\"", "v=~\"a\\\\.b\"", "v=~\"(?i)ab\"",
        "v=~\"10\\\\.0\\\\.0\\\\.1\"", "v=~\"x\\\\|y\"", "v=~\"a+\"", "v=~\"[[:alpha:]]+\"", "v=~\"\\\\d.*\"",
        "v=~\"\\\\w+\"", "v=~\"[^a].*\"", "v=~\"a{2}\"", "v=~\".\"", "v=~\"\\\\pL\"", "v=~\"(a|ab)(c|bcd)?\"",
        "v!~\"a|\"", "v=~\"ab.*|x.*\"", "v=~\".*b\"",
    };

    @Test
    void weirSelectsWhatPrometheusSelects() throws Exception {
        long t = System.currentTimeMillis() - 30_000;
        List<Series> series = new ArrayList<>();
        series.add(new Series(new String[] {"__name__", "rx", "other", "no-v"}, new long[] {t}, new double[] {0}));
        for (String v : VALUES) {
            series.add(new Series(new String[] {"__name__", "rx", "v", v}, new long[] {t}, new double[] {1}));
        }
        byte[] body = RemoteWriteBodies.body(series.toArray(Series[]::new));
        try (PrometheusProcess prom = PrometheusProcess.startWithFlags("global: {scrape_interval: 1h}\n",
                "--web.enable-remote-write-receiver");
             WeirTestNode weir = WeirTestNode.start("wal: {fsync: never}\n")) {
            assertEquals(204, RemoteWriteBodies.post(prom.url(), body).status());
            assertEquals(204, RemoteWriteBodies.post(weir.url(), body).status());
            long deadline = System.currentTimeMillis() + 30_000;
            while (selected(prom, "rx").size() < VALUES.length + 1) {
                if (System.currentTimeMillis() > deadline) {
                    fail("Prometheus did not ingest: " + prom.logTail(20));
                }
                Thread.sleep(100);
            }
            List<String> differences = new ArrayList<>();
            for (String m : MATCHERS) {
                String selector = "rx{" + m + "}";
                TreeSet<String> expected = selected(prom, selector);
                TreeSet<String> actual = selected(weir, selector);
                if (!expected.equals(actual)) {
                    differences.add(selector + ": Prometheus " + expected + ", Weir " + actual);
                }
            }
            assertTrue(differences.isEmpty(), String.join("\n", differences));

            for (String bad : new String[] {"rx{v=~\"(?=a)\"}", "rx{v=~\"(a)\\\\1\"}", "rx{v=~\"a++\"}", "rx{v=~\"(\"}"}) {
                Http.Response p = Http.get(prom.url(), "/api/v1/query", Http.params("query", bad));
                Http.Response w = Http.get(weir.url(), "/api/v1/query", Http.params("query", bad));
                assertEquals(400, p.status(), p.body());
                assertEquals(400, w.status(), w.body());
                assertEquals(p.json().path("errorType").asText(), w.json().path("errorType").asText());
                assertTrue(w.json().path("error").asText().contains("error parsing regexp"), w.body());
            }
        }
    }

    /** The v values (or "<absent>") of the series the selector selects. */
    private static TreeSet<String> selected(PrometheusProcess p, String selector) throws Exception {
        return values(Http.get(p.url(), "/api/v1/series", Http.params("match[]", selector, "start", "0")), selector);
    }

    private static TreeSet<String> selected(WeirTestNode n, String selector) throws Exception {
        return values(Http.get(n.url(), "/api/v1/series", Http.params("match[]", selector, "start", "0")), selector);
    }

    private static TreeSet<String> values(Http.Response r, String selector) {
        assertEquals(200, r.status(), selector + ": " + r.body());
        TreeSet<String> out = new TreeSet<>();
        for (JsonNode s : r.json().path("data")) {
            out.add(s.has("v") ? s.path("v").asText() : "<absent>");
        }
        return out;
    }
}
