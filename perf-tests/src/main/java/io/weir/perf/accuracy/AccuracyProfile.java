package io.weir.perf.accuracy;

import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How big a run is. {@code quick} is CI-sized (seconds); {@code full} adds the 1e6-sample window, more query
 * times and every hundredth, and takes minutes.
 *
 * @param windows          window lengths in samples
 * @param queryTimes       query times T per (distribution, window), evenly spread after the first full window
 * @param hundredthStride  ask every stride-th hundredth (1 = all 100)
 * @param maxBucketsSweep  aggregate family parameter points; {@link #defaultMaxBuckets} is the headline one
 * @param intervalMillis   sample interval
 * @param jitterMillis     timestamp jitter (uniform, +-)
 * @param seed             base seed of every generator
 */
public record AccuracyProfile(String name, int[] windows, int queryTimes, int hundredthStride, int[] maxBucketsSweep,
                              int defaultMaxBuckets, long intervalMillis, long jitterMillis, long seed) {

    /**
     * Error vs bytes of the aggregate family: at a 1e5-sample window (1e5 s) these give 1800, 900, 450 (the default
     * 225, <= 16 KiB), 300, 240 and 120 s buckets.
     */
    public static final int[] SWEEP = {60, 120, AggregateSketchSpec.DEFAULT_MAX_BUCKETS, 340, 480, 960};

    public static AccuracyProfile quick() {
        return new AccuracyProfile("quick", new int[] {10_000, 100_000}, 20, 10, SWEEP,
            AggregateSketchSpec.DEFAULT_MAX_BUCKETS, 1_000, 100, 42);
    }

    public static AccuracyProfile full() {
        return new AccuracyProfile("full", new int[] {10_000, 100_000, 1_000_000}, 50, 1, SWEEP,
            AggregateSketchSpec.DEFAULT_MAX_BUCKETS, 1_000, 100, 42);
    }

    public static AccuracyProfile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "quick" -> quick();
            case "full" -> full();
            default -> throw new IllegalArgumentException("--profile must be quick or full, was " + name);
        };
    }

    public List<ValueDistribution> distributions() { return List.of(ValueDistribution.values()); }

    @Override
    public String toString() {
        return name + ": windows " + Arrays.toString(windows) + " samples, " + queryTimes + " query times, hundredth stride "
            + hundredthStride + ", interval " + intervalMillis + " ms +-" + jitterMillis + " ms jitter, seed " + seed
            + ", maxBuckets sweep " + Arrays.toString(maxBucketsSweep);
    }
}
