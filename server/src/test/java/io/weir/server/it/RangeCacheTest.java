package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The range result cache in a node, over HTTP: a repeated panel is answered from the cache with the same values as
 * the first answer (both checked against sums computed here from the samples sent), and a late sample -- at a
 * timestamp well behind the sealed horizon, sent by remote write after the panel was cached -- shows in the next
 * answer, because the shard writer that applied it dropped the cached result.
 */
class RangeCacheTest {
    private static final int SERIES = 3;
    private static final long STEP = 10_000;

    private record Sample(int series, long t, double v) {}

    @Test
    void aCachedPanelIsReusedAndALateSampleDropsIt() throws Exception {
        // an hour of samples ending 10 minutes ago: every step of the panel is sealed (query.cache_offset 5m)
        long base = (System.currentTimeMillis() / 60_000 - 70) * 60_000;
        List<Sample> sent = new ArrayList<>();
        Series[] s = new Series[SERIES];
        for (int j = 0; j < SERIES; j++) {
            int n = 360;
            long[] ts = new long[n];
            double[] vs = new double[n];
            for (int i = 0; i < n; i++) {
                ts[i] = base + 5_000 + i * STEP; // off the step grid
                vs[i] = (i * 7 + j * 3) % 11 + 0.5;
                sent.add(new Sample(j, ts[i], vs[i]));
            }
            s[j] = new Series(labels(j), ts, vs);
        }
        try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\n")) {
            assertEquals(204, Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.body(s), RemoteWriteBodies.HEADERS).status());
            long start = base + 10 * 60_000;
            long end = base + 60 * 60_000;
            Map<String, String> params = Http.params("query", "sum_over_time(rc_metric[5m])", "start", Long.toString(start / 1000),
                    "end", Long.toString(end / 1000), "step", "60");

            assertEquals(expected(sent, start, end), answer(node, params));
            assertEquals(0.0, metric(node, "weir_query_cache_hits_total"));
            assertEquals(1.0, metric(node, "weir_query_cache_misses_total"));

            assertEquals(expected(sent, start, end), answer(node, params));
            assertEquals(1.0, metric(node, "weir_query_cache_hits_total"), "the repeated panel came from the cache");

            // a late sample for series 1, half an hour back, between two of its samples
            long late = base + 30 * 60_000 + 7_000;
            Series lateSample = new Series(labels(1), new long[] {late}, new double[] {1000});
            assertEquals(204, Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.body(lateSample), RemoteWriteBodies.HEADERS).status());
            sent.add(new Sample(1, late, 1000));
            assertEquals(expected(sent, start, end), answer(node, params), "the late sample is in the next answer");
            assertEquals(1.0, metric(node, "weir_query_cache_hits_total"), "the cached result was dropped, not reused");
            assertEquals(2.0, metric(node, "weir_query_cache_misses_total"));
        }
    }

    private static String[] labels(int j) {
        return new String[] {"__name__", "rc_metric", "instance", "host-" + j, "job", "cache"};
    }

    /** instance -> the "t=v" points of the panel, computed from the samples sent. */
    private static Map<String, String> expected(List<Sample> sent, long start, long end) {
        Map<String, String> out = new TreeMap<>();
        for (int j = 0; j < SERIES; j++) {
            StringBuilder sb = new StringBuilder();
            for (long t = start; t <= end; t += 60_000) {
                double sum = 0;
                for (Sample x : sent) {
                    if (x.series() == j && x.t() > t - 300_000 && x.t() <= t) {
                        sum += x.v();
                    }
                }
                sb.append(t / 1000).append('=').append(sum).append(' ');
            }
            out.put("host-" + j, sb.toString());
        }
        return out;
    }

    private static Map<String, String> answer(WeirTestNode node, Map<String, String> params) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/query_range", params);
        assertEquals(200, r.status(), r.body());
        assertEquals("sketch", r.headers().get("x-weir-source"), r.body());
        Map<String, String> out = new TreeMap<>();
        for (JsonNode series : r.json().path("data").path("result")) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : series.path("values")) {
                sb.append(p.get(0).asLong()).append('=').append(Double.parseDouble(p.get(1).asText())).append(' ');
            }
            out.put(series.path("metric").path("instance").asText(), sb.toString());
        }
        return out;
    }

    private static double metric(WeirTestNode node, String name) throws Exception {
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in /metrics");
    }
}
