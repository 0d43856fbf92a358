package io.weir.server.it;

import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.weir.server.it.SnapshotRoundTripTest.assertTotals;
import static io.weir.server.it.SnapshotRoundTripTest.awaitTotals;
import static io.weir.server.it.SnapshotRoundTripTest.expectedTotals;
import static io.weir.server.it.SnapshotRoundTripTest.loadBatch;
import static io.weir.server.it.SnapshotRoundTripTest.nodeTotals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crashes around snapshots, with real OS processes and kill -9: during a snapshot write, during start-up replay,
 * with the newest snapshot corrupt (then every snapshot unusable), and with the series table lost or damaged. After
 * each, count_over_time and sum_over_time of every series equal exactly what was acknowledged: integer values at
 * distinct timestamps, so one sample lost or applied twice changes both.
 */
class SnapshotCrashTest {
    private static final int SAMPLES = 5;

    private static long base() {
        return (System.currentTimeMillis() / 60_000 - 55) * 60_000;
    }

    private static void send(WeirProcess p, long base, int fromRequest, int toRequest, int series) throws Exception {
        for (int r = fromRequest; r < toRequest; r++) {
            Http.Response w = RemoteWriteBodies.post(p.url(), loadBatch(base, r, series, SAMPLES));
            assertEquals(204, w.status(), w.body());
        }
    }

    private static void assertExact(WeirProcess p, long base, int requests, int series, String what) throws Exception {
        awaitTotals(expectedTotals(requests, series, SAMPLES), p.url(), "load_metric", base + 3_000_000, what + "\n" + p.logTail(40));
    }

    private static String snapshot(WeirProcess p) throws Exception {
        Http.Response r = Http.post(p.url() + "/api/v1/admin/snapshot", new byte[0], Map.of());
        assertEquals(200, r.status(), r.body());
        return r.json().path("data").path("path").asText();
    }

    private static List<Path> snapshots(Path data) throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("snapshots"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("snapshot-")).sorted().toList();
        }
    }

    private static boolean answered(WeirProcess p, String instance, long at) throws Exception {
        Http.Response r = Http.get(p.url(), "/api/v1/query", Http.params("query", "count_over_time(load_metric{instance=\"" + instance + "\"}[1h])",
                "time", Long.toString(at / 1000)));
        return r.status() == 200 && r.json().path("data").path("result").size() == 1;
    }

    private static String metrics(WeirProcess p) throws Exception {
        return Http.get(p.url() + "/metrics").body();
    }

    @Test
    void kill9DuringASnapshotWriteAndDuringReplayLosesNothing() throws Exception {
        Path data = ExternalProcess.tempDir("crash-write");
        long base = base();
        int series = 800; // ~40 MB of sketch state: the write takes long enough to be caught mid-way
        try {
            WeirProcess first = WeirProcess.start(data);
            String phase;
            try {
                send(first, base, 0, 4, series);
                CompletableFuture<Http.Response> pending = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Http.post(first.url() + "/api/v1/admin/snapshot", new byte[0], Map.of());
                    } catch (Exception e) {
                        return null;
                    }
                });
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                phase = "after the snapshot was written";
                while (System.nanoTime() < deadline && !pending.isDone()) {
                    boolean temp;
                    try (Stream<Path> s = Files.list(data.resolve("snapshots"))) {
                        temp = s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-"));
                    }
                    if (temp) {
                        phase = "while the snapshot was being written";
                        break;
                    }
                    Thread.onSpinWait();
                }
                first.kill();
            } finally {
                first.close();
            }
            System.out.println("kill -9 came " + phase);

            // start again, and kill it while it loads and replays (before it is ready)
            WeirProcess interrupted = WeirProcess.launch(data);
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline && interrupted.isAlive() && !interrupted.logTail(50).contains("Weir")
                        && !interrupted.logTail(50).contains("snapshot")) {
                    Thread.sleep(1);
                }
                interrupted.kill();
            } finally {
                interrupted.close();
            }

            WeirProcess second = WeirProcess.start(data);
            try {
                assertExact(second, base, 4, series, "after kill -9 " + phase + " and during replay");
                try (Stream<Path> s = Files.list(data.resolve("snapshots"))) {
                    assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "unfinished snapshot removed");
                }
                send(second, base, 4, 6, series);
                assertExact(second, base, 6, series, "writes after the restart");
                second.kill();
            } finally {
                second.close();
            }
            WeirProcess third = WeirProcess.start(data);
            try {
                assertExact(third, base, 6, series, "after a second kill -9");
            } finally {
                third.close();
            }
        } finally {
            ExternalProcess.deleteRecursively(data);
        }
    }

    @Test
    void aCorruptNewestSnapshotFallsBackToTheOneBeforeThenToFullReplay() throws Exception {
        Path data = ExternalProcess.tempDir("crash-corrupt");
        long base = base();
        int series = 20;
        try {
            WeirProcess first = WeirProcess.start(data);
            try {
                send(first, base, 0, 30, series);
                snapshot(first);
                send(first, base, 30, 60, series);
                snapshot(first);
                send(first, base, 60, 90, series);
                first.kill();
            } finally {
                first.close();
            }
            List<Path> snaps = snapshots(data);
            assertEquals(2, snaps.size(), snaps.toString());
            // flip a byte in the middle of the newest snapshot's shard file
            Path shard = snaps.get(1).resolve("shard-0.zst");
            try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
                long at = f.length() / 2;
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0x5A);
            }
            WeirProcess second = WeirProcess.start(data);
            try {
                assertExact(second, base, 90, series, "newest snapshot corrupt");
                String m = metrics(second);
                assertTrue(m.contains("weir_snapshot_load_failures_total 1"), m);
                assertTrue(m.contains("weir_startup_snapshot_loaded 1"), m);
                assertTrue(second.logTail(100_000).contains("unusable"), second.logTail(60));
                second.kill();
            } finally {
                second.close();
            }
            // now the older one loses a file too (and the newest has a torn manifest): full replay
            Files.delete(snaps.get(0).resolve("series.zst"));
            Path manifest = snaps.get(1).resolve("MANIFEST");
            Files.write(manifest, java.util.Arrays.copyOf(Files.readAllBytes(manifest), 40));
            WeirProcess third = WeirProcess.start(data);
            try {
                assertExact(third, base, 90, series, "every snapshot unusable");
                String m = metrics(third);
                assertTrue(m.contains("weir_snapshot_load_failures_total 2"), m);
                assertTrue(m.contains("weir_startup_snapshot_loaded 0"), m);
                assertTrue(m.contains("weir_startup_replayed_samples " + 90 * series * SAMPLES), m);
            } finally {
                third.close();
            }
        } finally {
            ExternalProcess.deleteRecursively(data);
        }
    }

    @Test
    void aLostOrDamagedSeriesTableIsRebuiltFromTheSnapshotAndTheWal() throws Exception {
        Path data = ExternalProcess.tempDir("crash-series");
        long base = base();
        try {
            WeirProcess first = WeirProcess.start(data);
            try {
                send(first, base, 0, 20, 10);
                snapshot(first);
                send(first, base, 20, 40, 15); // 5 series the snapshot does not know: their SERIES records are in the WAL
                first.kill();
            } finally {
                first.close();
            }
            ExternalProcess.deleteRecursively(data.resolve("series"));
            Map<String, double[]> want = expectedTotals(20, 15, SAMPLES);
            for (int j = 10; j < 15; j++) {
                double[] t = want.get("host-" + j);
                t[0] = 0;
                t[1] = 0;
                for (int k = 20 * SAMPLES; k < 40 * SAMPLES; k++) {
                    t[0]++;
                    t[1] += (k % 97) + j;
                }
            }
            for (int j = 0; j < 10; j++) {
                double[] t = want.get("host-" + j);
                t[0] = 0;
                t[1] = 0;
                for (int k = 0; k < 40 * SAMPLES; k++) {
                    t[0]++;
                    t[1] += (k % 97) + j;
                }
            }
            WeirProcess second = WeirProcess.start(data);
            try {
                assertTotals(want, nodeTotals(second.url(), "load_metric", base + 3_000_000), "series table deleted\n" + second.logTail(40));
                assertTrue(metrics(second).contains("weir_series_table_rebuilt_series_total 15"), metrics(second));
                assertEquals(15, Http.get(second.url(), "/api/v1/series", Http.params("match[]", "load_metric")).json().path("data").size());
                // a new series gets an id after the rebuilt ones: nothing collides
                Http.Response w = RemoteWriteBodies.post(second.url(), loadBatch(base, 40, 16, SAMPLES));
                assertEquals(204, w.status());
                assertEquals(16, Http.get(second.url(), "/api/v1/series", Http.params("match[]", "load_metric")).json().path("data").size());
                // the shard writers apply after the 204 (which waits only for the WAL): poll until the sketch has it
                long deadline = System.currentTimeMillis() + 30_000;
                while (!answered(second, "host-15", base + 3_000_000) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(1.0, nodeTotals(second.url(), "load_metric", base + 3_000_000).get("host-15")[0] / SAMPLES);
                second.kill();
            } finally {
                second.close();
            }
            // damaged: garbage where the Chronicle Map file was
            Path file = data.resolve("series").resolve("series.dat");
            assertTrue(Files.exists(file));
            Files.write(file, new byte[4096]);
            WeirProcess third = WeirProcess.start(data);
            try {
                assertEquals(16, Http.get(third.url(), "/api/v1/series", Http.params("match[]", "load_metric")).json().path("data").size(),
                        third.logTail(40));
                assertFalse(metrics(third).contains("weir_series_table_conflicts_total 1"));
                double[] t = nodeTotals(third.url(), "load_metric", base + 3_000_000).get("host-15");
                assertEquals(SAMPLES, t[0], third.logTail(40));
            } finally {
                third.close();
            }
        } finally {
            ExternalProcess.deleteRecursively(data);
        }
    }
}
