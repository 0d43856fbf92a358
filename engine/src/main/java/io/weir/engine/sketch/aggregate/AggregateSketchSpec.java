package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.ring.BucketRingShape;

/**
 * Shape of an aggregate sketch: bucket width and ring length. Validated at construction, trusted after.
 *
 * @param bucketWidthMillis W, the width of one time bucket
 * @param bucketCount       buckets kept in the ring: enough for the window plus one partial bucket
 */
public record AggregateSketchSpec(long bucketWidthMillis, int bucketCount) implements io.weir.engine.sketch.SketchSpec {
    /**
     * The widths {@link #forWindow} chooses from: round numbers a dashboard step is likely to hit. 20 s, 3 min,
     * 4 min, 7.5 min and 20 min fill the gaps where one step doubled the bytes (7.5 min divides 15 min, 30 min
     * and 1 h, and gives 224 buckets, <= 16 KiB, at a 1e5 s window).
     */
    private static final long[] NICE_WIDTHS_MILLIS = {
        1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000,
        60_000, 120_000, 180_000, 240_000, 300_000, 450_000, 600_000, 900_000, 1_200_000, 1_800_000,
        3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    };
    /** Keeps a block within one 1 MiB chunk-sized class at most (80 + 9000 * 72 bytes). */
    public static final int MAX_BUCKETS = 9_000;
    /**
     * Buckets per window by default ({@code sketch.aggregate_buckets}): at most 226 buckets of 72 bytes, so every
     * block fits the 16 KiB slab class (64 + 226 * 72 = 16336 bytes). 1e5 s (27.8 h) -> 450 s buckets (16192 B),
     * 1h -> 20 s (13096 B), 5m -> 2 s.
     */
    public static final int DEFAULT_MAX_BUCKETS = 225;
    /** The largest {@code maxBuckets} {@link #forWindow} takes: one bucket more is kept for the partial one. */
    public static final int MAX_WINDOW_BUCKETS = MAX_BUCKETS - 1;

    public AggregateSketchSpec {
        if (bucketWidthMillis <= 0 || bucketWidthMillis > Integer.MAX_VALUE) {
            // buckets store their first/last timestamps as int offsets in (0, W]
            throw new IllegalArgumentException("bucketWidthMillis must be in [1, " + Integer.MAX_VALUE + "], was " + bucketWidthMillis);
        }
        if (bucketCount < 2 || bucketCount > MAX_BUCKETS) {
            throw new IllegalArgumentException("bucketCount must be in [2, " + MAX_BUCKETS + "], was " + bucketCount);
        }
    }

    /** The smallest nice width W for the window (see {@link BucketRingShape#forWindow}). */
    public static AggregateSketchSpec forWindow(long windowMillis, int maxBuckets) {
        BucketRingShape ring = BucketRingShape.forWindow(windowMillis, maxBuckets, MAX_BUCKETS, NICE_WIDTHS_MILLIS);
        return new AggregateSketchSpec(ring.bucketWidthMillis(), ring.bucketCount());
    }

    /** The longest window {@link #forWindow} takes with {@code maxBuckets}. */
    public static long longestWindowMillis(int maxBuckets) {
        return BucketRingShape.longestWindowMillis(maxBuckets, NICE_WIDTHS_MILLIS);
    }

    /** Bytes of the block this spec needs. */
    public int blockLength() {
        return AggregateSketchDescriptor.blockLength(bucketCount);
    }
}
