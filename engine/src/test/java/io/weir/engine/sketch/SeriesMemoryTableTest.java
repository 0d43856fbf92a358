package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bytes one series with every function holds, per scrape cadence, window and kind of values, after two windows of
 * samples (steady state); printed as the table in docs/sketches.md and held to the goals where they are met.
 */
class SeriesMemoryTableTest {
    private static final long T0 = 1_700_000_000_000L;

    static long bytesPerSeries(long intervalMs, long windowMs, int kind, SketchShard[] out) {
        SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(windowMs), 256 * 1024);
        SplittableRandom rnd = new SplittableRandom(11);
        long samples = 2 * windowMs / intervalMs;
        double counter = 0;
        for (long i = 1; i <= samples; i++) {
            double v = switch (kind) {
                case 0 -> counter += rnd.nextInt(0, 100);                   // counter (requests_total)
                // gauge in hundredths as a text exposition writes it ("0.47": the double nearest 47/100)
                case 1 -> Math.round(50 + 10 * Math.sin(i / 100.0) + rnd.nextGaussian()) / 100.0;
                // the same computed as k * 0.01 by a client: 1 value in 10 is not the double nearest its decimal
                case 2 -> Math.round(50 + 10 * Math.sin(i / 100.0) + rnd.nextGaussian()) * 0.01;
                default -> 50 + rnd.nextGaussian();                          // gauge, every mantissa bit random
            };
            shard.update(0, T0 + i * intervalMs, v);
            if ((i & 1023) == 0) {
                shard.reclaim();
            }
        }
        shard.reclaim();
        out[0] = shard;
        return shard.publishedBytes();
    }

    @Test
    void printTableAndHoldTheGoalsThatAreMet() {
        long[][] cases = {{15_000, 3_600_000}, {15_000, 21_600_000}, {1_000, 3_600_000}, {1_000, 21_600_000}, {1_000, 100_000_000}};
        String[] kinds = {"counter", "gauge 0.01", "gauge k * 0.01", "gauge random"};
        StringBuilder table = new StringBuilder(
            "| cadence / window | samples | counter | gauge 0.01 | gauge k * 0.01 | gauge random |\n|---|---|---|---|---|---|\n");
        long[][] bytes = new long[cases.length][kinds.length];
        for (int c = 0; c < cases.length; c++) {
            long interval = cases[c][0];
            long window = cases[c][1];
            table.append("| ").append(interval / 1000).append(" s / ").append(window / 3_600_000.0).append(" h | ")
                .append(window / interval).append(" |");
            for (int k = 0; k < kinds.length; k++) {
                SketchShard[] shard = new SketchShard[1];
                bytes[c][k] = bytesPerSeries(interval, window, k, shard);
                table.append(' ').append(String.format("%.1f KiB", bytes[c][k] / 1024.0))
                    .append(shard[0].exactSeries() == 1 ? " exact" : " sketch").append(" |");
                assertTrue(shard[0].bytesInUse() == bytes[c][k], "the memory metric is what the blocks hold");
                shard[0].close();
            }
            table.append('\n');
        }
        System.out.println(table);
        // the goal for 15 s / 1 h (<= 1 KiB) holds for counters and decimal gauges (step codes); gauges
        // with random mantissas take ~2.5 KiB
        assertTrue(bytes[0][0] <= 1024, "15 s / 1 h counter <= 1 KiB: " + bytes[0][0]);
        assertTrue(bytes[0][1] <= 1024, "15 s / 1 h decimal gauge <= 1 KiB: " + bytes[0][1]);
        assertTrue(bytes[0][3] <= 3 * 1024, "15 s / 1 h random gauge: " + bytes[0][3]);
        // the goal for 1 s / 6 h (<= 48 KiB) holds for counters and decimal gauges; random gauges stay above it
        assertTrue(bytes[3][0] <= 48 * 1024, "1 s / 6 h counter <= 48 KiB: " + bytes[3][0]);
        assertTrue(bytes[3][1] <= 48 * 1024, "1 s / 6 h decimal gauge <= 48 KiB: " + bytes[3][1]);
        // the goal for 1e5 samples a window (<= 128 KiB) holds for counters and decimal gauges: their sketches' tables
        // are sized by what their buckets hold (a random gauge's frequency tables fill up: ~190 KiB)
        for (int k = 0; k < 3; k++) {
            assertTrue(bytes[4][k] <= 128 * 1024, kinds[k] + " at 1e5 samples <= 128 KiB: " + bytes[4][k]);
        }
        // never more than the sketches at their largest (192 KiB) and the tail they may keep (a quarter of them)
        for (long[] row : bytes) {
            for (long b : row) {
                assertTrue(b <= 192 * 1024 * 5 / 4, b + " > 240 KiB");
            }
        }
    }
}
