package io.weir.engine.sketch.quantile;

import io.weir.engine.sketch.ring.BucketRingShape;

/**
 * Shape of a quantile sketch: a ring of time buckets, each holding a log-bucket histogram of 16-bit counters. A block
 * starts with {@link #MIN_COUNTERS} counters per bucket and grows (a new block) while a bucket needs more, up to
 * {@code countersPerBucket}; only there do buckets collapse. So a block is sized by the value range it holds, and its
 * answers are those of a block laid out at the full size from the start. Validated at construction, trusted after.
 *
 * @param bucketWidthMillis W, the width of one time bucket
 * @param bucketCount       buckets kept in the ring: enough for the window plus one partial bucket
 * @param countersPerBucket M, the most histogram counters per time bucket, shared by positive and negative values
 * @param relativeAccuracy  a, the relative value error at full resolution: histogram bins are
 *                          {@code (g^(i-1), g^i]} with {@code g = 1 + a}; each collapse squares g
 */
public record QuantileSketchSpec(long bucketWidthMillis, int bucketCount, int countersPerBucket, double relativeAccuracy)
        implements io.weir.engine.sketch.SketchSpec {
    /** The widths {@link #forWindow} chooses from (same list as the aggregate family). */
    private static final long[] NICE_WIDTHS_MILLIS = {
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
        60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
        3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    };
    public static final int MAX_BUCKETS = 4_096;
    public static final int MIN_COUNTERS = 16;
    /** Keeps the counter arithmetic in int and a block within a 1 MiB size class. */
    public static final int MAX_COUNTERS = 16_384;
    /** 60 time buckets: the default time resolution (1/60 of the window). */
    public static final int DEFAULT_MAX_BUCKETS = 60;
    /** 48 KiB: the quantile family's share of the 64 KiB per series at a 1e5-sample window. */
    public static final int DEFAULT_MAX_BLOCK_BYTES = 48 * 1024;
    /**
     * The largest {@code maxBuckets} {@link #forWindow} takes within the default block budget: one bucket more (the
     * partial one) still leaves every bucket {@value #MIN_COUNTERS} counters.
     */
    public static final int MAX_WINDOW_BUCKETS = Math.min(MAX_BUCKETS,
            (DEFAULT_MAX_BLOCK_BYTES - QuantileSketchDescriptor.HEADER_LENGTH) / QuantileSketchDescriptor.bucketLength(MIN_COUNTERS)) - 1;
    /** 1%: relative value error of an answer while no bucket has collapsed. */
    public static final double DEFAULT_RELATIVE_ACCURACY = 0.01;

    public QuantileSketchSpec {
        if (bucketWidthMillis <= 0) {
            throw new IllegalArgumentException("bucketWidthMillis must be > 0, was " + bucketWidthMillis);
        }
        if (bucketCount < 2 || bucketCount > MAX_BUCKETS) {
            throw new IllegalArgumentException("bucketCount must be in [2, " + MAX_BUCKETS + "], was " + bucketCount);
        }
        if (countersPerBucket < MIN_COUNTERS || countersPerBucket > MAX_COUNTERS || countersPerBucket % 4 != 0) {
            throw new IllegalArgumentException("countersPerBucket must be a multiple of 4 in [" + MIN_COUNTERS + ", "
                + MAX_COUNTERS + "], was " + countersPerBucket);
        }
        if (!(relativeAccuracy >= 1e-4 && relativeAccuracy <= 0.5)) {
            throw new IllegalArgumentException("relativeAccuracy must be in [1e-4, 0.5], was " + relativeAccuracy);
        }
    }

    /** {@link #forWindow(long, int, int, double)} with the defaults: 60 buckets, 48 KiB, 1%. */
    public static QuantileSketchSpec forWindow(long windowMillis) {
        return forWindow(windowMillis, DEFAULT_MAX_BUCKETS, DEFAULT_MAX_BLOCK_BYTES, DEFAULT_RELATIVE_ACCURACY);
    }

    /**
     * The smallest nice width W with {@code ceil(window / W) <= maxBuckets}, keeping {@code ceil(window / W) + 1}
     * buckets so an unaligned window (T-w, T] is still retained, and as many counters per bucket as fit
     * {@code maxBlockBytes}. The block size does not depend on the sample rate: a faster series fills the
     * same counters with larger counts (a bin saturates at 65535 per time bucket, see the descriptor).
     */
    public static QuantileSketchSpec forWindow(long windowMillis, int maxBuckets, int maxBlockBytes, double relativeAccuracy) {
        BucketRingShape ring = BucketRingShape.forWindow(windowMillis, maxBuckets, MAX_BUCKETS, NICE_WIDTHS_MILLIS);
        int count = ring.bucketCount();
        long perBucket = (maxBlockBytes - (long) QuantileSketchDescriptor.HEADER_LENGTH) / count;
        long counters = Math.min(MAX_COUNTERS, (perBucket - QuantileSketchDescriptor.BUCKET_COUNTERS_OFFSET) / 2 / 4 * 4);
        if (counters < MIN_COUNTERS) {
            throw new IllegalArgumentException("maxBlockBytes " + maxBlockBytes + " leaves fewer than "
                + MIN_COUNTERS + " counters per bucket for " + count + " buckets");
        }
        return new QuantileSketchSpec(ring.bucketWidthMillis(), count, (int) counters, relativeAccuracy);
    }

    /** The longest window {@link #forWindow} takes with {@code maxBuckets}. */
    public static long longestWindowMillis(int maxBuckets) {
        return BucketRingShape.longestWindowMillis(maxBuckets, NICE_WIDTHS_MILLIS);
    }

    /** Bytes of the block at its largest, {@code countersPerBucket} counters a bucket. */
    @Override
    public int blockLength() {
        return QuantileSketchDescriptor.blockLength(bucketCount, countersPerBucket);
    }

    /** Bytes of the block a series starts with: {@link #MIN_COUNTERS} counters a bucket. */
    @Override
    public int initialBlockLength() {
        return QuantileSketchDescriptor.blockLength(bucketCount, Math.min(countersPerBucket, MIN_COUNTERS));
    }
}
