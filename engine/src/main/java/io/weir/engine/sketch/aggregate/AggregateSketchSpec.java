package io.weir.engine.sketch.aggregate;

/**
 * Shape of an aggregate sketch: bucket width and ring length. Validated at construction, trusted after.
 *
 * @param bucketWidthMillis W, the width of one time bucket
 * @param bucketCount       buckets kept in the ring: enough for the window plus one partial bucket
 */
public record AggregateSketchSpec(long bucketWidthMillis, int bucketCount) {
    /** The widths {@link #forWindow} chooses from: round numbers a dashboard step is likely to hit. */
    private static final long[] NICE_WIDTHS_MILLIS = {
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
        60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
        3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    };
    /** Keeps a block within one 1 MiB chunk-sized class at most (64 + 9000 * 112 bytes). */
    public static final int MAX_BUCKETS = 9_000;

    public AggregateSketchSpec {
        if (bucketWidthMillis <= 0) {
            throw new IllegalArgumentException("bucketWidthMillis must be > 0, was " + bucketWidthMillis);
        }
        if (bucketCount < 2 || bucketCount > MAX_BUCKETS) {
            throw new IllegalArgumentException("bucketCount must be in [2, " + MAX_BUCKETS + "], was " + bucketCount);
        }
    }

    /**
     * The smallest nice width W with {@code ceil(window / W) <= maxBuckets}, keeping
     * {@code ceil(window / W) + 1} buckets so that an unaligned window (T-w, T] is still retained.
     */
    public static AggregateSketchSpec forWindow(long windowMillis, int maxBuckets) {
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("windowMillis must be > 0, was " + windowMillis);
        }
        if (maxBuckets < 1 || maxBuckets >= MAX_BUCKETS) {
            throw new IllegalArgumentException("maxBuckets must be in [1, " + (MAX_BUCKETS - 1) + "], was " + maxBuckets);
        }
        for (long w : NICE_WIDTHS_MILLIS) {
            long buckets = (windowMillis + w - 1) / w;
            if (buckets <= maxBuckets) {
                return new AggregateSketchSpec(w, (int) buckets + 1);
            }
        }
        throw new IllegalArgumentException("windowMillis " + windowMillis + " needs more than maxBuckets "
            + maxBuckets + " buckets even at 1d width");
    }

    /** Bytes of the block this spec needs. */
    public int blockLength() {
        return AggregateSketchDescriptor.blockLength(bucketCount);
    }

    /** The longest window (T-w, T] this ring retains in full when T is the newest sample's time. */
    public long retainedWindowMillis() {
        return (bucketCount - 1) * bucketWidthMillis;
    }
}
