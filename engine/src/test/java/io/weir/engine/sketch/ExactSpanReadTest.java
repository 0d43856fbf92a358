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
 * A span (one decode of an exact block for all the steps of a range query) answers every window exactly as a
 * read that decodes the block for that window alone, in order and out of order.
 */
class ExactSpanReadTest {
    @Test
    void spanReadsEqualSingleReads() {
        long window = 3_600_000;
        Random random = new Random(11);
        try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(window), 512 * 1024)) {
            for (int id = 0; id < 4; id++) {
                long t = 1_000_000;
                for (int i = 0; i < 600; i++) {
                    t += 1000 + random.nextInt(9000);
                    // series 3 receives some samples out of order
                    long ts = id == 3 && i % 17 == 0 ? t - 30_000 : t;
                    shard.update(id, ts, id == 2 ? random.nextInt(5) : random.nextGaussian() * 100);
                }
            }
            assertTrue(shard.exactSeries() == 4, "every series still exact: " + shard.exactSeries());
            int checked = 0;
            for (int id = 0; id < 4; id++) {
                long lo = 1_000_000;
                long hi = lo + 600 * 10_000L;
                shard.beginSpan(id, lo, hi);
                try {
                    for (int q = 0; q < 200; q++) {
                        long end = lo + 1 + (long) (random.nextDouble() * (hi - lo - 1));
                        long start = Math.max(lo, end - 1 - (long) (random.nextDouble() * 600_000));
                        String spanned = answers(shard, id, start, end);
                        shard.endSpan();
                        String single = answers(shard, id, start, end);
                        shard.beginSpan(id, lo, hi);
                        assertEquals(single, spanned, "series " + id + " (" + start + ", " + end + "]");
                        checked++;
                    }
                } finally {
                    shard.endSpan();
                }
            }
            assertEquals(800, checked);
        }
    }

    private static String answers(SketchShard shard, int id, long start, long end) {
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        assertTrue(shard.readAggregate(id, start, end, a));
        assertTrue(shard.readQuantile(id, start, end, q));
        assertTrue(shard.readFrequency(id, start, end, f));
        return a.count() + " " + a.sum() + " " + a.min() + " " + a.max() + " " + a.sum2() + " " + a.exact() + " "
                + a.covered() + " | " + (q.isEmpty() ? "-" : q.quantile(0.5) + " " + q.quantile(0.99)) + " | "
                + f.l1() + " " + f.distinct() + " " + f.l2() + " " + f.entropy();
    }
}
