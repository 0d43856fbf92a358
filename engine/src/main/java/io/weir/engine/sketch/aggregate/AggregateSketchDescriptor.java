package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.ring.BucketRingDescriptor;

/**
 * Layout of an aggregate sketch block: the {@link BucketRingDescriptor ring of time buckets}, with no header fields
 * of its own (its per-sample parameters are unused) and 72-byte buckets.
 *
 * <pre>
 * Header (80 bytes): the ring header [BucketRingDescriptor]
 * Bucket i at 80 + i * 72 (72 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  | tag: low 32 bits of bucket k  | sample count n [ring]         |  0
 *  +-------------------------------+-------------------------------+
 *  | first sample ts - k*W, (0, W] | last sample ts - k*W, (0, W]  |  8
 *  +-------------------------------+-------------------------------+
 *  |   shift K: first value written to the bucket; NaN once a NaN  | 16
 *  |   sample is in it (its sums are NaN then, as Prometheus' are)  |
 *  +---------------------------------------------------------------+
 *  |   sum of (x - K)           |  its Neumaier compensation      | 24, 32
 *  +---------------------------------------------------------------+
 *  |   sum of (x - K)^2         |  its Neumaier compensation      | 40, 48
 *  +---------------------------------------------------------------+
 *  |   min                      |  max                            | 56, 64
 *  +---------------------------------------------------------------+
 * </pre>
 * The sum and the sum of squares are not stored: {@code sum = n*K + S1} and
 * {@code sum2 = n*K^2 + 2*K*S1 + S2} with {@code S1 = sum(x-K)}, {@code S2 = sum((x-K)^2)}; readers form
 * the products exactly (FMA) and add them compensated, so an aligned answer stays exact to float rounding.
 * K is a sample of the bucket, so {@code n*K^2 <= n*sum2}: even a bucket that starts just before a counter
 * reset loses no more than the rounding of its compensated S1 and S2. Variance uses the shifted sums
 * directly: with K near the data, {@code S2 - S1^2/n} does not cancel catastrophically, unlike the raw sum of
 * squares for values like 1e9 with small spread. Timestamps are offsets from the bucket start, which fit an
 * int because {@link AggregateSketchSpec} keeps W below 2^31 ms.
 */
public final class AggregateSketchDescriptor {
    /** Marks a slot or the coverage start as never written. */
    public static final long EMPTY = BucketRingDescriptor.EMPTY;
    public static final int HEADER_LENGTH = BucketRingDescriptor.HEADER_LENGTH;

    public static final int BUCKET_SAMPLE_COUNT_OFFSET = BucketRingDescriptor.BUCKET_SAMPLE_COUNT_OFFSET;
    public static final int BUCKET_FIRST_TS_OFFSET = BucketRingDescriptor.BUCKET_HEADER_LENGTH;
    public static final int BUCKET_LAST_TS_OFFSET = 12;
    public static final int BUCKET_SHIFT_OFFSET = 16;
    public static final int BUCKET_DEV_OFFSET = 24;
    public static final int BUCKET_DEV_COMP_OFFSET = 32;
    public static final int BUCKET_DEV2_OFFSET = 40;
    public static final int BUCKET_DEV2_COMP_OFFSET = 48;
    public static final int BUCKET_MIN_OFFSET = 56;
    public static final int BUCKET_MAX_OFFSET = 64;
    public static final int BUCKET_LENGTH = 72;

    private AggregateSketchDescriptor() {
    }

    /** Offset of ring slot {@code slot} from the start of the block. */
    public static long bucketOffset(int slot) {
        return BucketRingDescriptor.slotOffset(HEADER_LENGTH, BUCKET_LENGTH, slot);
    }

    /** Bytes of a block with {@code bucketCount} buckets. */
    public static int blockLength(int bucketCount) {
        return (int) BucketRingDescriptor.blockLength(HEADER_LENGTH, BUCKET_LENGTH, bucketCount);
    }
}
