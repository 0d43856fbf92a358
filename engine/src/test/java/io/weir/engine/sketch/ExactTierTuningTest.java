package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.exact.ExactSamplesFlyweight;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The exact tier's tunables take effect: {@code storage.exact_growth} sizes every rebuilt block,
 * {@code storage.exact_tail_share} and {@code storage.exact_tail_budget} decide how much of a promoted series' recent
 * past stays exact.
 */
class ExactTierTuningTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void growthSizesEveryRebuiltBlock() {
        for (Share growth : new Share[] {SketchShard.DEFAULT_EXACT_GROWTH, new Share(1, 1), new Share(3, 10)}) {
            long window = 3_600_000;
            try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(window), 256 * 1024)
                    .exactGrowth(growth)) {
                SplittableRandom rnd = new SplittableRandom(3);
                ExactSamplesFlyweight x = new ExactSamplesFlyweight();
                long block = 0;
                long oldest = 0;
                int rebuilds = 0;
                for (int i = 1; i <= 4 * 240; i++) { // four windows of a 15 s random gauge: it stays exact
                    shard.update(0, T0 + i * 15_000L, 50 + rnd.nextGaussian());
                    long now = shard.exactBlock(0);
                    x.wrap(shard.arena().segment(now), SlabArena.offset(now));
                    if (now != block && block != 0 && x.oldestMs() > oldest) {
                        // rebuilt without the samples that left the window: room to grow is the share of its used bytes
                        long used = x.usedBytes();
                        long room = used + growth.of(used) + ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8;
                        int sized = SlabArena.classBytes(shard.arena().sizeClassOf((int) room));
                        assertEquals(sized, SlabArena.blockBytes(now), "rebuild " + rebuilds + " with growth " + growth);
                        rebuilds++;
                    }
                    block = now;
                    oldest = x.oldestMs();
                    shard.reclaim();
                }
                assertEquals(1, shard.exactSeries());
                assertTrue(rebuilds >= 3, "rebuilds with growth " + growth + ": " + rebuilds);
            }
        }
    }

    @Test
    void tailShareAndBudgetDecideHowMuchOfTheRecentPastStaysExact() {
        long window = 6 * 3_600_000L;
        long fiftyMinutes = 50 * 60_000L;
        // 1/6 of 6 h is an hour of raw samples: its ~60 KiB fit in half the sketches' 192 KiB...
        AggregateResult wide = lastWindowAfterPromotion(window, fiftyMinutes,
            s -> s.exactTailShare(new Share(1, 6)).exactTailBudget(new Share(1, 2)));
        assertTrue(wide.exact(), "50 minutes inside a 1 h tail are exact");
        // ... not in the default 1/4 (48 KiB): the span is halved until it fits, under 50 minutes
        AggregateResult budgeted = lastWindowAfterPromotion(window, fiftyMinutes, s -> s.exactTailShare(new Share(1, 6)));
        assertFalse(budgeted.exact(), "the default budget holds less than 50 minutes");
        assertEquals(wide.count(), budgeted.count(), budgeted.countErrorBound() + 1e-9);
        // the default share of 6 h is 15 minutes
        AggregateResult defaults = lastWindowAfterPromotion(window, fiftyMinutes, UnaryOperator.identity());
        assertFalse(defaults.exact());

        try (SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(window), 256 * 1024)) {
            assertEquals(900_000, shard.tailSpanMillis(window));
            assertEquals(3_600_000, shard.exactTailShare(new Share(1, 6)).tailSpanMillis(window));
            assertEquals(window / 2, shard.exactTailShare(new Share(1, 2)).tailSpanMillis(window));
            assertThrows(IllegalArgumentException.class, () -> shard.exactTailShare(new Share(3, 5)));
        }
    }

    /** Streams two windows of an incompressible 2 Hz gauge (promoted early) and reads its last {@code lastMs}. */
    private static AggregateResult lastWindowAfterPromotion(long window, long lastMs, UnaryOperator<SketchShard> tune) {
        try (SketchShard shard = tune.apply(
                new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(window), 256 * 1024))) {
            SplittableRandom rnd = new SplittableRandom(21);
            long t = T0;
            for (int i = 0; i < 2 * window / 500; i++) {
                t = T0 + i * 500L;
                shard.update(0, t, 1000 + rnd.nextGaussian() * 100);
                if ((i & 1023) == 0) {
                    shard.reclaim();
                }
            }
            assertEquals(1, shard.promotedSeries());
            AggregateResult a = new AggregateResult();
            assertTrue(shard.readAggregate(0, t - lastMs, t, a));
            if (a.exact()) {
                assertEquals(lastMs / 500, a.count());
            }
            return a;
        }
    }
}
