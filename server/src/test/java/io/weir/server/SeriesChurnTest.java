package io.weir.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.engine.series.CanonicalLabels;
import io.weir.server.it.ExternalProcess;
import io.weir.server.it.Http;
import io.weir.server.it.RemoteWriteBodies;
import io.weir.server.it.RemoteWriteBodies.Series;
import io.weir.server.it.VictoriaMetricsProcess;
import io.weir.server.it.WeirTestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Series churn on a real node: every 10 minutes of data time a new generation of series replaces the last. The
 * node's idle clock follows the data (it is set to the end of each round before the round is sent), so hours of
 * churn run in seconds. Sketch window 10 m, series idle timeout 20 m: the sketches hold two generations, the
 * series table three, and both stay there however long the churn goes on; returning series answer exactly.
 */
class SeriesChurnTest {
    private static final long ROUND_MS = 600_000;
    private static final int SERIES = 100;
    private static final int SAMPLES = 20;
    private static final long STEP_MS = 30_000;
    private static final String CONFIG = """
            wal: {fsync: always}
            storage: {series_idle_timeout: 20m}
            sketch:
              targets:
                - match: '{__name__="churn_metric"}'
                  window: 10m
            """;
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    private final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    private final long clockStart = clock.get();
    private final long base = (System.currentTimeMillis() / 60_000 - 150) * 60_000;

    /** One generation's round: its series, 20 samples each, 30 s apart, from the round's start in data time. */
    private byte[] round(int gen, int round) {
        Series[] s = new Series[SERIES];
        for (int i = 0; i < SERIES; i++) {
            long[] ts = new long[SAMPLES];
            double[] v = new double[SAMPLES];
            for (int k = 0; k < SAMPLES; k++) {
                ts[k] = base + round * ROUND_MS + k * STEP_MS;
                v[k] = (k * 7 + i) % 13;
            }
            s[i] = new Series(labels(gen, i), ts, v);
        }
        return RemoteWriteBodies.body(s);
    }

    private static String[] labels(int gen, int i) {
        return new String[] {"__name__", "churn_metric", "gen", Integer.toString(gen), "i", Integer.toString(i)};
    }

    /** The round arrives at its end in data time: the idle clock moves there, an expiry pass runs, then the write. */
    private void send(WeirTestNode node, int round, int... gens) throws Exception {
        clock.set(clockStart + (round + 1) * ROUND_MS);
        node.node().expireSeries();
        for (int gen : gens) {
            Http.Response r = RemoteWriteBodies.post(node.url(), round(gen, round));
            assertEquals(204, r.status(), r.body());
        }
        node.node().expireSeries();
    }

    /** Sums of every sample of each metric name in /metrics. */
    private static Map<String, Double> metrics(WeirTestNode node) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                out.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
            }
        }
        return out;
    }

    private static double metric(WeirTestNode node, String name) throws Exception {
        Double v = metrics(node).get(name);
        if (v == null) {
            fail(name + " missing from /metrics");
        }
        return v;
    }

    /** Waits for a condition that background work (shard writer eviction, forwarder) makes true; fails at 30 s. */
    private static void await(String what, BooleanSupplier condition, WeirTestNode node) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + "; metrics: " + metrics(node));
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    private static BooleanSupplier metricIs(WeirTestNode node, String name, double expected) {
        return () -> {
            try {
                Double v = metrics(node).get(name);
                return v != null && v == expected;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * count_over_time of one generation over the 5 m ending at the last sample of {@code round} (10 samples): series
     * -> value. The window starts after the round's first sample, so sketches cover it even with a backend (a
     * window reaching back before a series' first sample goes to the backend, which may hold older data).
     */
    private Map<String, String> counts(WeirTestNode node, int gen, int round) throws Exception {
        long t = base + round * ROUND_MS + (SAMPLES - 1) * STEP_MS;
        Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query",
                "count_over_time(churn_metric{gen=\"" + gen + "\"}[5m])", "time", Long.toString(t / 1000)));
        assertEquals(200, r.status(), r.body());
        assertEquals("sketch", r.header("X-Weir-Source"), r.body());
        Map<String, String> out = new TreeMap<>();
        for (JsonNode s : r.json().path("data").path("result")) {
            String key = s.path("metric").toString();
            assertTrue(out.put(key, s.path("value").get(1).asText()) == null, "series twice in the answer: " + key);
        }
        return out;
    }

    private static void assertAllCount(Map<String, String> counts, int series, String value) {
        assertEquals(series, counts.size(), counts.toString());
        counts.values().forEach(v -> assertEquals(value, v, counts.toString()));
    }

    @Test
    void churnKeepsTheTableAndSketchMemoryFlatAndReturningSeriesAnswerExactly() throws Exception {
        int rounds = 8;
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start();
             WeirTestNode node = WeirTestNode.start(CONFIG + "backend: {url: '" + vm.url() + "'}\n", null, clock::get)) {
            double memory = -1;
            for (int r = 0; r < rounds; r++) {
                send(node, r, r);
                int sketched = Math.min(r + 1, 2) * SERIES;
                await("two generations sketched after round " + r, metricIs(node, "weir_sketched_series", sketched), node);
                assertEquals(Math.min(r + 1, 3) * SERIES, metric(node, "weir_series_live"), "round " + r);
                assertEquals(Math.max(0, r - 2) * SERIES, metric(node, "weir_series_expired_total"), "round " + r);
                assertEquals((r + 1) * SERIES, metric(node, "weir_series"), "ids handed out, round " + r);
                if (r == 1) {
                    memory = metric(node, "weir_sketch_memory_bytes");
                    assertTrue(memory > 0);
                } else if (r > 1) {
                    // two generations of the same shape of data: never more than the first two took
                    double bound = memory;
                    await("sketch memory back to two generations' after round " + r, () -> {
                        try {
                            return metric(node, "weir_sketch_memory_bytes") <= bound;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, node);
                }
            }
            // gens <= rounds-4 retired at least 10 minutes (of the 5 kept) ago: freed once the forwarder has stored a
            // cursor past their retirement
            await("expired series freed", () -> {
                node.node().expireSeries();
                return metricIs(node, "weir_series_freed_total", (rounds - 4) * SERIES).getAsBoolean();
            }, node);
            assertEquals(SERIES, metric(node, "weir_series_retiring"), "gen 4 retired at this clock: kept 5 minutes");
            assertEquals(0, metric(node, "weir_forwarder_samples_dropped_total"), "the forwarder had every label it needed");

            // round 8: a new generation; gen 0 (freed: new ids) and gen 5 (retiring at this round's pass: same ids) return
            int last = rounds;
            send(node, last, last, 0, last - 3);
            assertEquals(SERIES, metric(node, "weir_series_returned_total"), "gen 5 came back under its ids");
            assertEquals((last + 2) * SERIES, metric(node, "weir_series"), "gen 0 got new ids: " + (last + 2) * SERIES);
            assertEquals(5 * SERIES, metric(node, "weir_series_live"), "gens 6, 7, 8, 0 and 5");
            assertAllCount(counts(node, 0, last), SERIES, "10");
            assertAllCount(counts(node, last - 3, last), SERIES, "10");
            assertAllCount(counts(node, last, last), SERIES, "10");
            assertEquals(-1, node.node().series().find(CanonicalLabels.of(labels(1, 0))), "gen 1 stays expired");

            // the backend got every sample under its own labels
            long total = (long) (last + 3) * SERIES * SAMPLES;
            await("everything forwarded", metricIs(node, "weir_forwarder_samples_sent_total", total), node);
            vm.forceFlush();
            Http.Response q = Http.get(vm.url(), "/api/v1/query", Http.params("query",
                    "sum(count_over_time(churn_metric[4h])) by (gen)", "time", Long.toString((base + (last + 1) * ROUND_MS) / 1000)));
            assertEquals(200, q.status(), q.body());
            Map<String, Long> byGen = new TreeMap<>();
            q.json().path("data").path("result").forEach(s -> byGen.put(s.path("metric").path("gen").asText(), s.path("value").get(1).asLong()));
            Map<String, Long> expected = new TreeMap<>();
            for (int g = 0; g <= last; g++) {
                expected.put(Integer.toString(g), (long) SERIES * SAMPLES * (g == 0 || g == last - 3 ? 2 : 1));
            }
            assertEquals(expected, byGen);
        }
    }

    /**
     * A crash image (series table as mapped, WAL, no snapshot), a restart from the snapshot, then one from the WAL
     * alone, after series expired and one generation came back under new ids: no id ever names other labels, expired ids are history rather than conflicts, returning series
     * answer from their new ids only, and new series continue after every id handed out.
     */
    @Test
    void restartsAfterExpiryKeepIdsAndLabelsConsistent() throws Exception {
        Path dir = ExternalProcess.tempDir("churn-restart");
        Path crashed = ExternalProcess.tempDir("churn-crashed");
        try {
            int last = 5;
            try (WeirTestNode node = WeirTestNode.start(CONFIG, dir, clock::get)) {
                for (int r = 0; r < last; r++) {
                    send(node, r, r);
                }
                // gens 0 and 1 freed (no forwarder), gen 2 retiring; gen 0 returns under new ids
                send(node, last, last, 0);
                assertEquals(2 * SERIES, metric(node, "weir_series_freed_total"));
                assertEquals(SERIES, metric(node, "weir_series_retiring"));
                assertEquals(7 * SERIES, metric(node, "weir_series"));
                // what a kill -9 now would leave: the files as they are (WAL fsynced per write, the series table
                // as mapped, no clean-shutdown marker, no snapshot yet)
                copyTree(dir, crashed);
            }
            try (WeirTestNode node = WeirTestNode.start(CONFIG, crashed, clock::get)) {
                assertEquals(0, metric(node, "weir_series_table_conflicts_total"), "expired ids are history, not conflicts");
                assertEquals(0, metric(node, "weir_startup_snapshot_loaded"));
                assertEquals(7 * SERIES, metric(node, "weir_series"), "the watermark survived the crash");
                assertEquals(Set.of("0", "1", "2", "3", "4", "5"), listedGens(node, 6 * SERIES));
                assertAllCount(counts(node, 0, last), SERIES, "10");
                assertNewSeriesGetsId(node, 7 * SERIES);
            }
            try (WeirTestNode node = WeirTestNode.start(CONFIG, dir, clock::get)) {
                assertEquals(0, metric(node, "weir_series_table_conflicts_total"));
                assertEquals(7 * SERIES, metric(node, "weir_series"), "the watermark keeps expired ids used");
                assertEquals(5 * SERIES, metric(node, "weir_series_live"), "gens 2 (retiring: kept), 3, 4, 5 and 0");
                assertEquals(Set.of("0", "2", "3", "4", "5"), listedGens(node, 5 * SERIES));
                assertAllCount(counts(node, 0, last), SERIES, "10");
                assertNewSeriesGetsId(node, 7 * SERIES);
            }
            // a crash before any snapshot: the series table and the sketches come back from the WAL alone
            ExternalProcess.deleteRecursively(dir.resolve("snapshots"));
            Files.createDirectories(dir.resolve("snapshots"));
            try (WeirTestNode node = WeirTestNode.start(CONFIG, dir, clock::get)) {
                assertEquals(0, metric(node, "weir_series_table_conflicts_total"), "expired ids are history, not conflicts");
                assertEquals(7 * SERIES + 1, metric(node, "weir_series"));
                // gen 1's SERIES records put it back under its own ids and labels (it expires again when idle)
                assertEquals(SERIES, metric(node, "weir_series_table_rebuilt_series_total"));
                assertEquals(Set.of("0", "1", "2", "3", "4", "5", "new"), listedGens(node, 6 * SERIES + 1));
                assertAllCount(counts(node, 0, last), SERIES, "10");
                assertNewSeriesGetsId(node, 7 * SERIES + 1);
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
            ExternalProcess.deleteRecursively(crashed);
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** The local index (no backend): every series listed once, with labels that are some generation's. */
    private static Set<String> listedGens(WeirTestNode node, int expectedSeries) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/series", Http.params("match[]", "{__name__=~\"churn_.*\"}"));
        assertEquals(200, r.status(), r.body());
        Set<String> seen = new HashSet<>();
        Set<String> gens = new HashSet<>();
        for (JsonNode s : r.json().path("data")) {
            assertTrue(seen.add(s.toString()), "listed twice: " + s);
            gens.add(s.path("gen").asText());
        }
        assertEquals(expectedSeries, seen.size(), r.body());
        return gens;
    }

    private static void assertNewSeriesGetsId(WeirTestNode node, int expectedId) throws Exception {
        String[] labels = {"__name__", "churn_new", "gen", "new", "n", Integer.toString(expectedId)};
        Http.Response r = RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                Series.of(System.currentTimeMillis(), 1, labels)));
        assertEquals(204, r.status(), r.body());
        assertEquals(expectedId, node.node().series().find(CanonicalLabels.of(labels)));
    }
}
