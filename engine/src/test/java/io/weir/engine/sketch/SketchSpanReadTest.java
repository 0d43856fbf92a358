package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A range query over aggregate sketches (no exact tier) reads each series' buckets once for all its steps: every
 * step's answer equals a read of that window alone (to float rounding for the values; exactly for the exactness
 * flag, coverage and the error bounds), for windows sliding as a range query's steps and in random order, on
 * bucket edges and between them, dense and sparse series, and series with infinite samples.
 */
class SketchSpanReadTest {
    private static final long WINDOW = 3_600_000;

    @Test
    void spanAnswersEqualSingleReads() {
        Random random = new Random(21);
        try (SketchShard shard = new SketchShard(1, new SlabArena(256L << 20, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW), 0)) {
            long t0 = 1_000_000_000L;
            long[] intervals = {1_000, 15_000, 60_000, 7_000};
            for (int id = 0; id < 5; id++) {
                long t = t0;
                while (t < t0 + 2 * WINDOW) {
                    t += intervals[id % intervals.length] / 2 + random.nextInt((int) intervals[id % intervals.length]);
                    double v = switch (id) {
                        case 1 -> 1e9 + t / 1000.0;
                        case 4 -> random.nextInt(200) == 0 ? Double.POSITIVE_INFINITY : random.nextGaussian();
                        default -> random.nextGaussian() * 100 + 50;
                    };
                    shard.update(id, t, v);
                }
            }
            assertEquals(0, shard.exactSeries(), "sketches only");
            long end = t0 + 2 * WINDOW;
            int checked = 0;
            long[][] shapes = {{60_000, 600_000}, {15_000, 300_000}, {30_000, 3_000_000}, {7_000, 20_000}, {1_000, 45_000}};
            for (int id = 0; id < 5; id++) {
                for (long[] shape : shapes) {
                    long step = shape[0];
                    long range = shape[1];
                    int steps = (int) ((WINDOW - range) / step);
                    long[] ends = new long[steps];
                    for (int i = 0; i < steps; i++) {
                        ends[i] = end - WINDOW + range + i * step + (shape[0] == 7_000 ? 333 : 0);
                    }
                    checked += compare(shard, id, ends, range);
                }
                long[] ends = new long[100];
                for (int i = 0; i < ends.length; i++) {
                    ends[i] = end - random.nextInt((int) (WINDOW / 2));
                }
                checked += compare(shard, id, ends, 600_000);
            }
            assertTrue(checked > 3_000, "windows checked: " + checked);
        }
    }

    private static int compare(SketchShard shard, int id, long[] ends, long range) {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (long e : ends) {
            lo = Math.min(lo, e - range);
            hi = Math.max(hi, e);
        }
        double[][][] reads = SpanReads.read(shard, id, lo, hi, ends, range, SketchSpanReadTest::answers);
        double[][] spanned = reads[0];
        for (int i = 0; i < ends.length; i++) {
            double[] single = reads[1][i];
            for (int k = 0; k < single.length; k++) {
                String where = "series " + id + " (" + (ends[i] - range) + ", " + ends[i] + "] answer " + k;
                if (Double.isFinite(single[k])) {
                    double scale = Math.max(Math.abs(single[k]), k == 5 ? Math.abs(single[3]) / Math.max(1, single[0]) * 1e-3 : 0);
                    assertEquals(single[k], spanned[i][k], 1e-10 * scale + 1e-300, where);
                } else {
                    assertEquals(single[k], spanned[i][k], where);
                }
            }
        }
        return ends.length;
    }

    private static double[] answers(SketchShard shard, int id, long start, long end) {
        AggregateResult a = new AggregateResult();
        assertTrue(shard.readAggregate(id, start, end, a));
        return new double[] {
            a.count(), a.sum(), a.mean(), a.sum2(), a.count() > 0 ? a.min() : 0, a.variance(),
            a.count() > 0 ? a.max() : 0, a.exact() ? 1 : 0, a.covered() ? 1 : 0, a.countErrorBound(),
            a.sumErrorBound(), a.sum2ErrorBound()
        };
    }
}
