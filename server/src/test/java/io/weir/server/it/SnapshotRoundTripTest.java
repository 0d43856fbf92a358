package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.engine.series.SeriesLabels;
import io.weir.persistence.snapshot.SnapshotManifest;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.server.Main;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots through the real node: the answers of every sketched function are identical on a fresh node restored
 * from a snapshot (taken over HTTP, downloaded by {@code weir snapshot --out}, prepared by {@code weir restore}),
 * and a snapshot taken while writers are sending holds exactly the samples the WAL holds before its position.
 */
class SnapshotRoundTripTest {
    static final String[] FUNCTIONS = {"count_over_time", "sum_over_time", "avg_over_time", "min_over_time",
            "max_over_time", "stddev_over_time", "stdvar_over_time", "sum2_over_time", "distinct_over_time",
            "l1_over_time", "l2_over_time", "entropy_over_time"};

    static byte[] batch(String metric, long first, int samples, long step, int seriesCount, int salt) {
        Series[] s = new Series[seriesCount];
        for (int j = 0; j < seriesCount; j++) {
            long[] ts = new long[samples];
            double[] v = new double[samples];
            for (int i = 0; i < samples; i++) {
                ts[i] = first + i * step;
                v[i] = (i * 31 + j * 7 + salt) % 13 + 0.25 * j;
            }
            s[j] = new Series(new String[] {"__name__", metric, "instance", "host-" + j, "job", "snap"}, ts, v);
        }
        return RemoteWriteBodies.body(s);
    }

    static void write(String url, byte[] body) throws Exception {
        Http.Response r = RemoteWriteBodies.post(url, body);
        assertEquals(204, r.status(), r.body());
    }

    /** Every function (and two quantiles) at each time: query -> body. */
    static Map<String, String> answers(String url, String metric, long... times) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (long at : times) {
            for (String window : new String[] {"5m", "1h"}) {
                List<String> queries = new java.util.ArrayList<>();
                for (String f : FUNCTIONS) {
                    queries.add(f + "(" + metric + "[" + window + "])");
                }
                queries.add("quantile_over_time(0.5, " + metric + "[" + window + "])");
                queries.add("quantile_over_time(0.99, " + metric + "[" + window + "])");
                for (String q : queries) {
                    Http.Response r = Http.get(url, "/api/v1/query", Http.params("query", q, "time", Long.toString(at / 1000)));
                    assertEquals(200, r.status(), q + ": " + r.body());
                    assertEquals("sketch", r.header("X-Weir-Source"), q + ": " + r.header("X-Weir-Fallback"));
                    assertTrue(r.json().path("data").path("result").size() > 0, q + ": " + r.body());
                    out.put(q + " @" + at, r.body());
                }
            }
        }
        return out;
    }

    static boolean sleep() throws InterruptedException {
        Thread.sleep(25);
        return true;
    }

    static int cli(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    static String snapshotPath(String url) throws Exception {
        Http.Response r = Http.post(url + "/api/v1/admin/snapshot", new byte[0], Map.of());
        assertEquals(200, r.status(), r.body());
        String path = r.json().path("data").path("path").asText();
        assertTrue(Files.isRegularFile(Path.of(path, SnapshotManifest.FILE_NAME)), r.body());
        return path;
    }

    @Test
    void everyFunctionAnswersTheSameOnAFreshNodeRestoredFromASnapshot() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 40) * 60_000;
        long[] times = {base + 15 * 60_000, base + 30 * 60_000 + 7_000};
        Path work = ExternalProcess.tempDir("snap-rt");
        try {
            Map<String, String> before;
            String seriesBefore;
            Path out = work.resolve("downloaded");
            try (WeirTestNode a = WeirTestNode.start("", work.resolve("a"))) {
                write(a.url(), batch("snap_metric", base, 180, 10_000, 4, 0));
                write(a.url(), batch("snap_other", base, 30, 60_000, 2, 3));
                before = answers(a.url(), "snap_metric", times);
                seriesBefore = Http.get(a.url(), "/api/v1/series", Http.params("match[]", "{job=\"snap\"}")).body();
                String onNode = snapshotPath(a.url());
                assertTrue(onNode.startsWith(work.resolve("a").toString()), onNode);
                // the CLI asks the node and downloads the files, as it would from a remote node
                PrintStream stdout = System.out;
                ByteArrayOutputStream printed = new ByteArrayOutputStream();
                System.setOut(new PrintStream(printed, true));
                try {
                    assertEquals(0, cli("snapshot", "--url", a.url(), "--out", out.toString()));
                } finally {
                    System.setOut(stdout);
                }
                assertEquals(out.toAbsolutePath().toString(), printed.toString().strip());
                assertNotEquals(0, cli("snapshot", "--url", a.url(), "--out", out.toString()), "--out into a non-empty dir");
            }
            Path fresh = work.resolve("fresh");
            assertEquals(0, cli("restore", "--snapshot", out.toString(), "--data-dir", fresh.toString()));
            assertNotEquals(0, cli("restore", "--snapshot", out.toString(), "--data-dir", fresh.toString()), "restore into a non-empty dir");
            try (WeirTestNode b = WeirTestNode.start("", fresh)) {
                assertEquals(before, answers(b.url(), "snap_metric", times), "sketch answers on the restored node");
                assertEquals(seriesBefore, Http.get(b.url(), "/api/v1/series", Http.params("match[]", "{job=\"snap\"}")).body());
                String metrics = Http.get(b.url() + "/metrics").body();
                assertTrue(metrics.contains("weir_startup_snapshot_loaded 1"), metrics);
                assertTrue(metrics.contains("weir_startup_replayed_samples 0"), metrics);
                // the restored node keeps going: more samples for old series, a new series after the restored ids
                write(b.url(), batch("snap_metric", base + 1_800_000, 30, 10_000, 4, 1));
                write(b.url(), batch("snap_new", base + 1_800_000, 3, 10_000, 1, 2));
                long deadline = System.currentTimeMillis() + 30_000;
                JsonNode r;
                do {
                    r = Http.get(b.url(), "/api/v1/query", Http.params("query", "count_over_time(snap_metric[1h])",
                            "time", Long.toString((base + 2_400_000) / 1000))).json();
                } while (!r.toString().contains("\"210\"") && System.currentTimeMillis() < deadline && sleep());
                assertEquals(4, r.path("data").path("result").size(), r.toString());
                for (JsonNode s : r.path("data").path("result")) {
                    assertEquals("210", s.path("value").get(1).asText(), r.toString());
                }
                assertEquals(7, Http.get(b.url(), "/api/v1/series", Http.params("match[]", "{job=\"snap\"}")).json().path("data").size());
            }
            // and once more from its own snapshot and WAL
            try (WeirTestNode b = WeirTestNode.start("", fresh)) {
                assertEquals(7, Http.get(b.url(), "/api/v1/series", Http.params("match[]", "{job=\"snap\"}")).json().path("data").size());
            }
        } finally {
            ExternalProcess.deleteRecursively(work);
        }
    }

    /** Sample counts and sums per instance in a WAL, up to {@code end}. */
    static Map<String, double[]> walTotals(Path walDir, long end) throws Exception {
        Map<Integer, String> instanceOf = new HashMap<>();
        Map<String, double[]> totals = new HashMap<>();
        try (WalReader reader = WalReader.open(walDir, WalReader.OLDEST)) {
            WalVisitor v = new WalVisitor() {
                @Override
                public void onSeries(int id, byte[] labels, int off, int len) {
                    instanceOf.put(id, SeriesLabels.of(java.util.Arrays.copyOfRange(labels, off, off + len)).get("instance"));
                }

                @Override
                public void onSamples(int count, int[] ids, long[] ts, double[] values) {
                    for (int i = 0; i < count; i++) {
                        double[] t = totals.computeIfAbsent(instanceOf.get(ids[i]), k -> new double[2]);
                        t[0]++;
                        t[1] += values[i];
                    }
                }

                @Override
                public void onBackfillSamples(int count, int[] ids, long[] ts, double[] values) {
                    onSamples(count, ids, ts, values);
                }

                @Override
                public void onExtras(byte[] fields, int off, int len) {
                    // histograms, exemplars and metadata: forwarded from the WAL, never summarised by sketches
                }
            };
            while (reader.read(v, end, 1024) > 0) {
                // to the end
            }
        }
        return totals;
    }

    /** count_over_time and sum_over_time per instance, as the node answers them. */
    static Map<String, double[]> nodeTotals(String url, String metric, long at) throws Exception {
        Map<String, double[]> out = new HashMap<>();
        for (String f : new String[] {"count_over_time", "sum_over_time"}) {
            Http.Response r = Http.get(url, "/api/v1/query", Http.params("query", f + "(" + metric + "[1h])", "time", Long.toString(at / 1000)));
            assertEquals(200, r.status(), r.body());
            for (JsonNode s : r.json().path("data").path("result")) {
                double[] t = out.computeIfAbsent(s.path("metric").path("instance").asText(), k -> new double[2]);
                t[f.startsWith("count") ? 0 : 1] = Double.parseDouble(s.path("value").get(1).asText());
            }
        }
        return out;
    }

    static boolean sameTotals(Map<String, double[]> want, Map<String, double[]> got) {
        if (!want.keySet().equals(got.keySet())) {
            return false;
        }
        for (var e : want.entrySet()) {
            double[] g = got.get(e.getKey());
            if (g[0] != e.getValue()[0] || Math.abs(g[1] - e.getValue()[1]) > 1e-6) {
                return false;
            }
        }
        return true;
    }

    /**
     * For answers right after writes: a 204 means the samples are in the WAL; the shard writers apply them just
     * after, so poll (30 s at most) before asserting.
     */
    static void awaitTotals(Map<String, double[]> want, String url, String metric, long at, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, double[]> got = nodeTotals(url, metric, at);
        while (!sameTotals(want, got) && System.currentTimeMillis() < deadline) {
            Thread.sleep(25);
            got = nodeTotals(url, metric, at);
        }
        assertTotals(want, got, what);
    }

    static void assertTotals(Map<String, double[]> want, Map<String, double[]> got, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        for (var e : want.entrySet()) {
            double[] g = got.get(e.getKey());
            assertEquals(e.getValue()[0], g[0], what + ": count of " + e.getKey());
            assertEquals(e.getValue()[1], g[1], 1e-6, what + ": sum of " + e.getKey());
        }
    }

    /** Integer values at distinct timestamps per series: a sample applied twice or lost changes count and sum. */
    static byte[] loadBatch(long base, int request, int seriesCount, int samples) {
        Series[] s = new Series[seriesCount];
        for (int j = 0; j < seriesCount; j++) {
            long[] ts = new long[samples];
            double[] v = new double[samples];
            for (int i = 0; i < samples; i++) {
                int k = request * samples + i;
                ts[i] = base + 1000L + k * 500L;
                v[i] = (k % 97) + j;
            }
            s[j] = new Series(new String[] {"__name__", "load_metric", "instance", "host-" + j, "job", "load"}, ts, v);
        }
        return RemoteWriteBodies.body(s);
    }

    static Map<String, double[]> expectedTotals(int requests, int seriesCount, int samples) {
        Map<String, double[]> out = new HashMap<>();
        for (int j = 0; j < seriesCount; j++) {
            double[] t = new double[2];
            for (int k = 0; k < requests * samples; k++) {
                t[0]++;
                t[1] += (k % 97) + j;
            }
            out.put("host-" + j, t);
        }
        return out;
    }

    @Test
    void aSnapshotTakenUnderLoadHoldsExactlyTheWalBeforeItsPosition() throws Exception {
        int seriesCount = 16;
        int samples = 5;
        long base = (System.currentTimeMillis() / 60_000 - 55) * 60_000;
        long at = base + 3_000_000;
        Path work = ExternalProcess.tempDir("snap-load");
        Path dataA = work.resolve("a");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        String mid;
        try {
            try (WeirTestNode a = WeirTestNode.start("snapshot: {interval: 1h}\n", dataA)) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        // at most 500 requests keep every sample inside [base, base + 1250 s]
                        for (int r = 0; !stop.get() && r < 500; r++) {
                            write(a.url(), loadBatch(base, r, seriesCount, samples));
                            sent.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        writerFailure.set(t);
                    }
                });
                long deadline = System.currentTimeMillis() + 30_000;
                while (sent.get() < 50 && writerFailure.get() == null && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                mid = snapshotPath(a.url());
                int afterSnapshot = sent.get();
                while (sent.get() < Math.min(500, afterSnapshot + 50) && writerFailure.get() == null && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                stop.set(true);
                writer.join();
                assertNull(writerFailure.get(), () -> "writer failed: " + writerFailure.get());
            }
            SnapshotManifest m = SnapshotManifest.read(Path.of(mid));
            Map<String, double[]> inWalBeforeCut = walTotals(dataA.resolve("wal"), m.walPosition());
            Map<String, double[]> all = expectedTotals(sent.get(), seriesCount, samples);
            assertTotals(all, walTotals(dataA.resolve("wal"), Long.MAX_VALUE), "the WAL holds every acknowledged sample");
            assertTrue(inWalBeforeCut.get("host-0")[0] < all.get("host-0")[0], "the snapshot was taken mid-load");

            // the snapshot alone (restored on a fresh node) holds exactly the WAL before its position
            Path fresh = work.resolve("fresh");
            assertEquals(0, cli("restore", "--snapshot", mid, "--data-dir", fresh.toString()));
            try (WeirTestNode c = WeirTestNode.start("", fresh)) {
                assertTotals(inWalBeforeCut, nodeTotals(c.url(), "load_metric", at), "restored snapshot vs WAL before its position");
            }
            // the node itself from the mid-load snapshot (later ones removed) + the WAL after it: every sample once
            try (Stream<Path> dirs = Files.list(dataA.resolve("snapshots"))) {
                for (Path p : dirs.toList()) {
                    if (!p.toString().equals(mid)) {
                        ExternalProcess.deleteRecursively(p);
                    }
                }
            }
            try (WeirTestNode a = WeirTestNode.start("snapshot: {interval: 1h}\n", dataA)) {
                assertTotals(all, nodeTotals(a.url(), "load_metric", at), "snapshot + WAL replay after its position");
                String metrics = Http.get(a.url() + "/metrics").body();
                assertTrue(metrics.contains("weir_startup_snapshot_loaded 1"), metrics);
                double replayed = all.values().stream().mapToDouble(t -> t[0]).sum() - inWalBeforeCut.values().stream().mapToDouble(t -> t[0]).sum();
                assertTrue(metrics.contains("weir_startup_replayed_samples " + (long) replayed), "replayed " + (long) replayed + "\n" + metrics);
            }
        } finally {
            stop.set(true);
            ExternalProcess.deleteRecursively(work);
        }
    }
}
