package io.weir.engine.sketch.ring;

/**
 * The shape of a bucket ring for a window: its bucket width W and bucket count B, as each family's spec chooses it.
 *
 * @param bucketWidthMillis W, the width of one time bucket
 * @param bucketCount       B, enough buckets for the window plus one partial bucket
 */
public record BucketRingShape(long bucketWidthMillis, int bucketCount) {
    /**
     * The smallest width of {@code niceWidthsMillis} (ascending) with {@code ceil(window / W) <= maxBuckets}, keeping
     * {@code ceil(window / W) + 1} buckets so that an unaligned window (T-w, T] is still retained.
     *
     * @param bucketCountLimit the family's limit on B: {@code maxBuckets} must be below it
     */
    public static BucketRingShape forWindow(long windowMillis, int maxBuckets, int bucketCountLimit, long[] niceWidthsMillis) {
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("windowMillis must be > 0, was " + windowMillis);
        }
        if (maxBuckets < 1 || maxBuckets >= bucketCountLimit) {
            throw new IllegalArgumentException("maxBuckets must be in [1, " + (bucketCountLimit - 1) + "], was " + maxBuckets);
        }
        for (long w : niceWidthsMillis) {
            long buckets = (windowMillis + w - 1) / w;
            if (buckets <= maxBuckets) {
                return new BucketRingShape(w, (int) buckets + 1);
            }
        }
        throw new IllegalArgumentException("windowMillis " + windowMillis + " needs more than maxBuckets " + maxBuckets
            + " buckets even at " + niceWidthsMillis[niceWidthsMillis.length - 1] / 86_400_000 + "d width");
    }

    /** The longest window {@link #forWindow} lays out in {@code maxBuckets} buckets: that many of the widest width. */
    public static long longestWindowMillis(int maxBuckets, long[] niceWidthsMillis) {
        return maxBuckets * niceWidthsMillis[niceWidthsMillis.length - 1];
    }
}
