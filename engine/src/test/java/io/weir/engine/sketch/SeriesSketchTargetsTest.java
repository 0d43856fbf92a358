package io.weir.engine.sketch;

import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bucket budgets ({@code sketch.*_buckets}) reach each family's spec, and their limits are the layouts' own. */
class SeriesSketchTargetsTest {
    private static final long HOUR = 3_600_000;
    private static final long DAY = 86_400_000;

    private static SketchTarget target(long windowMillis, EnumSet<SketchFunction> functions) {
        return new SketchTarget("{__name__=\"up\"}", List.of(LabelMatcher.of(LabelMatcher.Type.EQ, "__name__", "up")),
                windowMillis, functions);
    }

    private static SeriesSketchTargets assigned(SketchTarget target, int aggregate, int quantile, int frequency) {
        SeriesSketchTargets targets = new SeriesSketchTargets(List.of(target), aggregate, quantile, frequency);
        targets.assign(0, SeriesLabels.of(CanonicalLabels.of("__name__", "up")));
        return targets;
    }

    @Test
    void eachFamilyCutsTheWindowIntoItsOwnBudget() {
        SeriesSketchTargets targets = assigned(target(HOUR, EnumSet.allOf(SketchFunction.class)), 100, 30, 20);
        // the smallest width of each family's list that needs at most the budget, plus the partial bucket
        assertEquals(new AggregateSketchSpec(60_000, 61), targets.aggregate(0), "60 s: 30 s would need 120 > 100");
        assertEquals(120_000, targets.quantile(0).bucketWidthMillis(), "120 s: 60 s would need 60 > 30");
        assertEquals(31, targets.quantile(0).bucketCount());
        assertEquals(300_000, targets.frequency(0).bucketWidthMillis(), "300 s: 120 s would need 30 > 20");
        assertEquals(13, targets.frequency(0).bucketCount());
        assertEquals(Math.max(targets.aggregate(0).blockLength(), Math.max(targets.quantile(0).blockLength(),
                targets.frequency(0).blockLength())), targets.largestBlockBytes());

        SeriesSketchTargets defaults = assigned(target(HOUR, EnumSet.allOf(SketchFunction.class)),
                AggregateSketchSpec.DEFAULT_MAX_BUCKETS, QuantileSketchSpec.DEFAULT_MAX_BUCKETS, FrequencySketchSpec.DEFAULT_MAX_BUCKETS);
        assertEquals(new AggregateSketchSpec(20_000, 181), defaults.aggregate(0));
        assertEquals(QuantileSketchSpec.forWindow(HOUR), defaults.quantile(0));
        assertEquals(FrequencySketchSpec.forWindow(HOUR), defaults.frequency(0));
    }

    @Test
    void onlyTheFamiliesATargetAsksForAreLaidOut() {
        SeriesSketchTargets targets = assigned(target(HOUR, EnumSet.of(SketchFunction.AVG_OVER_TIME)), 100, 30, 20);
        assertNull(targets.quantile(0));
        assertNull(targets.frequency(0));
        assertEquals(targets.aggregate(0).blockLength(), targets.largestBlockBytes());
        assertEquals(0, new SeriesSketchTargets(List.of(), 100, 30, 20).largestBlockBytes());
    }

    @Test
    void aggregateLimitsAreExact() {
        int max = AggregateSketchSpec.MAX_WINDOW_BUCKETS;
        long longest = AggregateSketchSpec.longestWindowMillis(max);
        assertEquals(max * DAY, longest);
        assertEquals(max + 1, AggregateSketchSpec.forWindow(longest, max).bucketCount());
        assertThrows(IllegalArgumentException.class, () -> AggregateSketchSpec.forWindow(longest + 1, max));
        assertThrows(IllegalArgumentException.class, () -> AggregateSketchSpec.forWindow(HOUR, max + 1));
    }

    @Test
    void quantileLimitsAreExact() {
        int max = QuantileSketchSpec.MAX_WINDOW_BUCKETS;
        long longest = QuantileSketchSpec.longestWindowMillis(max);
        assertEquals(max * DAY, longest);
        QuantileSketchSpec widest = quantile(longest, max);
        assertEquals(max + 1, widest.bucketCount());
        assertEquals(QuantileSketchSpec.MIN_COUNTERS, widest.countersPerBucket(), "the budget's last bucket leaves the fewest counters");
        assertThrows(IllegalArgumentException.class, () -> quantile(longest + 1, max));
        // one bucket more per window leaves a bucket fewer than MIN_COUNTERS counters in the default block
        assertDoesNotThrow(() -> quantile(max * 1_000L, max + 1));
        assertThrows(IllegalArgumentException.class, () -> quantile((max + 1) * 1_000L, max + 1));
    }

    @Test
    void frequencyLimitsAreExact() {
        int max = FrequencySketchSpec.MAX_WINDOW_BUCKETS;
        long longest = FrequencySketchSpec.longestWindowMillis(max);
        assertEquals(max * 7 * DAY, longest);
        FrequencySketchSpec widest = frequency(longest, max);
        assertEquals(max + 1, widest.bucketCount());
        assertEquals(FrequencySketchSpec.MIN_TABLE_CAPACITY, widest.tableCapacity(), "the budget's last bucket leaves the fewest slots");
        assertThrows(IllegalArgumentException.class, () -> frequency(longest + 1, max));
        assertDoesNotThrow(() -> frequency(max * 1_000L, max + 1));
        assertThrows(IllegalArgumentException.class, () -> frequency((max + 1) * 1_000L, max + 1));
    }

    private static QuantileSketchSpec quantile(long windowMillis, int maxBuckets) {
        return QuantileSketchSpec.forWindow(windowMillis, maxBuckets, QuantileSketchSpec.DEFAULT_MAX_BLOCK_BYTES,
                QuantileSketchSpec.DEFAULT_RELATIVE_ACCURACY);
    }

    private static FrequencySketchSpec frequency(long windowMillis, int maxBuckets) {
        return FrequencySketchSpec.forWindow(windowMillis, maxBuckets, FrequencySketchSpec.DEFAULT_MAX_BLOCK_BYTES);
    }
}
