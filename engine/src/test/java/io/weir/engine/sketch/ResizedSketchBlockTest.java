package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchFlyweight;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchFlyweight;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Quantile and frequency blocks start with small tables and are copied into larger or smaller ones as their buckets
 * need: a series' answers must be those of a block laid out at its spec's full size from the start,
 * fed the same samples (the oracle here: that block, on the heap), at random windows while the blocks resize.
 */
class ResizedSketchBlockTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long WINDOW = 3_600_000;
    private static final double[] PHIS = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 1};

    @Test
    void counterFromZeroGrowsThenShrinks() {
        double[] counter = {0};
        SplittableRandom rnd = new SplittableRandom(3);
        SketchShard shard = compare(1_000, 3 * 3600, i -> counter[0] += rnd.nextInt(0, 100), true);
        // the first hour's buckets span ~1,000 bins: the block grows to its largest, then shrinks once they leave
        assertTrue(shard.resizedBlocks() >= 2, "resized " + shard.resizedBlocks());
        long q = shard.block(0, SketchFunction.Family.QUANTILE);
        int counters = new QuantileSketchFlyweight().wrap(shard.arena().segment(q), SlabArena.offset(q)).countersPerBucket();
        assertTrue(counters < SketchTargets.everyFunction(WINDOW).quantile(0).countersPerBucket(), "shrunk to " + counters);
        shard.close();
    }

    @Test
    void wideRangeOfBothSignsGrows() {
        SplittableRandom rnd = new SplittableRandom(5);
        // magnitudes over 8 decades, both signs, zeros and infinities now and then: both sides of every bucket grow
        SketchShard shard = compare(5_000, 2 * 720, i -> {
            int r = rnd.nextInt(100);
            if (r == 0) {
                return 0.0;
            }
            if (r == 1) {
                return Double.POSITIVE_INFINITY;
            }
            double v = Math.pow(10, rnd.nextDouble(-4, 4));
            return r < 40 ? -v : v;
        }, true);
        assertTrue(shard.resizedBlocks() >= 2, "resized " + shard.resizedBlocks());
        shard.close();
    }

    @Test
    void gaugeOfAFewHundredValuesGrowsItsFrequencyTables() {
        SplittableRandom rnd = new SplittableRandom(7);
        SketchShard shard = compare(1_000, 2 * 3600, i -> rnd.nextInt(0, 300) * 0.5, false);
        long f = shard.block(0, SketchFunction.Family.FREQUENCY);
        int capacity = new FrequencySketchFlyweight().wrap(shard.arena().segment(f), SlabArena.offset(f)).tableCapacity();
        assertTrue(capacity > 16, "grown to " + capacity);
        shard.close();
    }

    @Test
    void gaugeWhoseValuesGrowFewerShrinksItsFrequencyTablesAgain() {
        SplittableRandom rnd = new SplittableRandom(11);
        // an hour of ~300 values (the tables grow), then two hours of 4 (the tables shrink once the wide buckets leave)
        SketchShard shard = compare(1_000, 3 * 3600, i -> i <= 3600 ? rnd.nextInt(0, 300) * 0.5 : rnd.nextInt(0, 4), false);
        long f = shard.block(0, SketchFunction.Family.FREQUENCY);
        int capacity = new FrequencySketchFlyweight().wrap(shard.arena().segment(f), SlabArena.offset(f)).tableCapacity();
        // 4 values need the smallest table: 16 slots, or the few more its slab size class holds
        assertTrue(capacity < 32, "shrunk to " + capacity);
        assertTrue(shard.resizedBlocks() >= 3, "resized " + shard.resizedBlocks());
        shard.close();
    }

    /**
     * Feeds {@code n} samples {@code intervalMs} apart to a shard with the exact tier off (sketches from the first
     * sample) and to full-size heap blocks, and compares reads of random windows every so often.
     */
    private static SketchShard compare(long intervalMs, int n, LongToDoubleFunction values, boolean quantilesOnly) {
        SketchTargets targets = SketchTargets.everyFunction(WINDOW);
        SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), targets, 0);
        QuantileSketchFlyweight fullQ = QuantileSketchFlyweight.onHeap(0, targets.quantile(0));
        FrequencySketchFlyweight fullF = FrequencySketchFlyweight.onHeap(0, targets.frequency(0));
        QuantileResult got = new QuantileResult();
        QuantileResult want = new QuantileResult();
        FrequencyResult gotF = new FrequencyResult();
        FrequencyResult wantF = new FrequencyResult();
        SplittableRandom windows = new SplittableRandom(1);
        for (int i = 1; i <= n; i++) {
            long ts = T0 + i * intervalMs;
            double v = values.applyAsDouble(i);
            shard.update(0, ts, v);
            fullQ.update(ts, v);
            fullF.update(ts, v);
            if (i % 97 == 0) {
                shard.reclaim();
                long end = ts - windows.nextLong(0, WINDOW / 4);
                long start = end - windows.nextLong(1, WINDOW);
                assertTrue(shard.readQuantile(0, start, end, got));
                fullQ.read(start, end, want);
                for (double phi : PHIS) {
                    assertEquals(want.quantile(phi), got.quantile(phi), "quantile " + phi + " of (" + start + ", " + end + "] at " + i);
                }
                if (!quantilesOnly) {
                    assertTrue(shard.readFrequency(0, start, end, gotF));
                    fullF.read(start, end, wantF);
                    assertEquals(wantF.distinct(), gotF.distinct(), 1e-9 * Math.max(1, wantF.distinct()), "distinct at " + i);
                    assertEquals(wantF.l1(), gotF.l1(), 1e-9 * Math.max(1, wantF.l1()), "l1 at " + i);
                    assertEquals(wantF.l2(), gotF.l2(), 1e-9 * Math.max(1, wantF.l2()), "l2 at " + i);
                    assertEquals(wantF.entropy(), gotF.entropy(), 1e-9, "entropy at " + i);
                }
            }
        }
        shard.reclaim();
        assertEquals(shard.publishedBytes(), shard.bytesInUse(), "the memory metric is what the blocks hold");
        return shard;
    }
}
