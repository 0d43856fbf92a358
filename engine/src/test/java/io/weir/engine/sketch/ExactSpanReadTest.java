package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A span (one decode of an exact block for all the steps of a range query, answered from prefix sums, sliding
 * extrema and sliding sorted windows) answers every window as a read that decodes the block for that window
 * alone: quantile and frequency answers bit for bit, aggregate ones to float rounding (the span sums by prefix
 * differences, the single read sample by sample). Windows sliding forward as a range query's steps do, and
 * windows in random order; in-order and out-of-order series; infinite samples.
 */
class ExactSpanReadTest {
    private static final int SERIES = 5;

    @Test
    void randomWindowsEqualSingleReads() {
        Random random = new Random(11);
        try (SketchShard shard = filledShard(random)) {
            int checked = 0;
            for (int id = 0; id < SERIES; id++) {
                long lo = 1_000_000;
                long hi = lo + 600 * 10_000L;
                for (int q = 0; q < 200; q++) {
                    long end = lo + 1 + (long) (random.nextDouble() * (hi - lo - 1));
                    long start = Math.max(lo, end - 1 - (long) (random.nextDouble() * 600_000));
                    compare(shard, id, lo, hi, new long[] {end}, end - start);
                    checked++;
                }
            }
            assertEquals(SERIES * 200, checked);
        }
    }

    @Test
    void slidingStepsEqualSingleReads() {
        Random random = new Random(12);
        try (SketchShard shard = filledShard(random)) {
            long lo = 1_000_000;
            long[][] shapes = {{60_000, 600_000}, {15_000, 3_600_000}, {300_000, 300_000}, {7_000, 1_000_000}, {1_000, 45_000}};
            for (int id = 0; id < SERIES; id++) {
                for (long[] shape : shapes) {
                    long step = shape[0];
                    long range = shape[1];
                    int steps = (int) ((600 * 10_000L - range) / step);
                    long[] ends = new long[steps];
                    for (int i = 0; i < steps; i++) {
                        ends[i] = lo + range + i * step;
                    }
                    compare(shard, id, lo, ends[steps - 1], ends, range);
                }
            }
        }
    }

    /**
     * A few steps of long windows over a dense series (the newest steps of a cached dashboard panel) are read window
     * by window from the chunks' moments, not from a span decoded once: a sample appended after the span was opened
     * is seen, as by single reads (a decoded span sees the block as it was). Many steps decode the span once.
     */
    @Test
    void aFewStepsOfLongWindowsAreReadByChunkMoments() {
        Random random = new Random(13);
        try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(3 * 3_600_000), 512 * 1024)) {
            long t0 = 1_000_000;
            long newest = t0;
            for (int i = 1; i <= 7_200; i++) {
                newest = t0 + i * 1000L;
                shard.update(0, newest, random.nextGaussian() * 100);
            }
            for (int steps : new int[] {3, 60}) {
                long[] ends = new long[steps];
                for (int i = 0; i < steps; i++) {
                    ends[i] = newest + 60_000 - (steps - 1 - i) * 60_000L;
                }
                AggregateResult a = new AggregateResult();
                double[] spanned = new double[steps];
                shard.beginSpan(0, ends[0] - 3_600_000, ends[steps - 1], SketchFunction.Family.AGGREGATE, steps, 3_600_000);
                try {
                    newest += 1000;
                    shard.update(0, newest, 1.0); // after the span opened, inside its last window
                    for (int i = 0; i < steps; i++) {
                        assertTrue(shard.readAggregate(0, ends[i] - 3_600_000, ends[i], a));
                        spanned[i] = a.count();
                    }
                } finally {
                    shard.endSpan();
                }
                assertTrue(shard.readAggregate(0, ends[steps - 1] - 3_600_000, ends[steps - 1], a));
                if (steps == 3) {
                    assertEquals(a.count(), spanned[steps - 1], "3 steps: read window by window, the new sample counted");
                } else {
                    assertEquals(a.count() - 1, spanned[steps - 1], "60 steps: the span decoded once, before the new sample");
                }
            }
        }
    }

    private static SketchShard filledShard(Random random) {
        SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(3_600_000), 512 * 1024);
        for (int id = 0; id < SERIES; id++) {
            long t = 1_000_000;
            for (int i = 0; i < 600; i++) {
                t += 1000 + random.nextInt(9000);
                // series 3 receives some samples out of order; series 4 some infinite ones
                long ts = id == 3 && i % 17 == 0 ? t - 30_000 : t;
                double v = switch (id) {
                    case 2 -> random.nextInt(5);
                    case 1 -> 1e9 + i * 1000 + random.nextInt(100); // a counter far from zero
                    case 4 -> i % 97 == 5 ? Double.POSITIVE_INFINITY : i % 89 == 7 ? Double.NEGATIVE_INFINITY : random.nextGaussian();
                    default -> random.nextGaussian() * 100;
                };
                shard.update(id, ts, v);
            }
        }
        assertEquals(SERIES, shard.exactSeries(), "every series still exact");
        return shard;
    }

    private static void compare(SketchShard shard, int id, long spanStart, long spanEnd, long[] ends, long range) {
        double[][][] reads = SpanReads.read(shard, id, Math.min(spanStart, ends[0] - range), spanEnd, ends, range, ExactSpanReadTest::answers);
        double[][] spanned = reads[0];
        for (int i = 0; i < ends.length; i++) {
            double[] single = reads[1][i];
            for (int k = 0; k < single.length; k++) {
                String where = "series " + id + " (" + (ends[i] - range) + ", " + ends[i] + "] answer " + k;
                if (k < AGGREGATE_ANSWERS || k == ENTROPY) {
                    // relative to the window's magnitude: variance of values near 1e9 loses a few digits either way
                    double scale = Math.max(Math.abs(single[k]), k == 5 ? single[6] * 1e-3 : 0);
                    if (Double.isFinite(single[k])) {
                        assertEquals(single[k], spanned[i][k], 1e-11 * scale + 1e-300, where);
                        continue;
                    }
                }
                assertEquals(single[k], spanned[i][k], where);
            }
        }
    }

    private static final int AGGREGATE_ANSWERS = 8;
    /** Entropy sums f log f per value in the order values are met: a hash table's order or the sorted order. */
    private static final int ENTROPY = 16;

    private static double[] answers(SketchShard shard, int id, long start, long end) {
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        assertTrue(shard.readAggregate(id, start, end, a));
        assertTrue(shard.readQuantile(id, start, end, q));
        assertTrue(shard.readFrequency(id, start, end, f));
        return new double[] {
            a.count(), a.sum(), a.mean(), a.sum2(), a.count() > 0 ? a.min() : 0, a.variance(),
            a.count() > 0 ? a.sum2() / a.count() : 0, a.count() > 0 ? a.max() : 0, a.exact() ? 1 : 0, a.covered() ? 1 : 0,
            q.isEmpty() ? -1 : q.quantile(0.5), q.isEmpty() ? -1 : q.quantile(0.99), q.isEmpty() ? -1 : q.quantile(0),
            f.l1(), f.distinct(), f.l2(), f.entropy()
        };
    }
}
