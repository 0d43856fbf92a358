package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.SketchBlockDescriptor;

/**
 * Layout of an aggregate sketch block: a header and a ring of {@code bucketCount} time buckets.
 * Bucket {@code k} holds the samples with timestamps in {@code (k*W, (k+1)*W]} ms (left-open,
 * right-closed like PromQL windows) and lives in ring slot {@code floorMod(k, bucketCount)}.
 *
 * <pre>
 * Header (64 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        version (seqlock)  [SketchBlockDescriptor]             |  0
 *  +-------------------------------+-------------------------------+
 *  |          series id            |   family tag (AGGREGATE)      |  8
 *  +-------------------------------+-------------------------------+
 *  |                    bucket width W (ms)                        | 16
 *  +-------------------------------+-------------------------------+
 *  |         bucket count          | samples skipped: bucket full  | 24
 *  +-------------------------------+-------------------------------+
 *  |             newest bucket index k (absolute)                  | 32
 *  +---------------------------------------------------------------+
 *  |  coverage start: bucket of the first accepted sample, or EMPTY| 40
 *  +---------------------------------------------------------------+
 *  |                 samples skipped: stale markers                | 48
 *  +---------------------------------------------------------------+
 *  |        samples skipped: older than the oldest bucket          | 56
 *  +---------------------------------------------------------------+
 * Bucket i at 64 + i * 72 (72 bytes)
 *  +-------------------------------+-------------------------------+
 *  | tag: low 32 bits of bucket k  | sample count n (int, 0 = none)|  0
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
 * squares for values like 1e9 with small spread.
 *
 * <p>A slot holds bucket k when its count is > 0 and its tag equals {@code (int) k}. Live slots (count > 0)
 * always hold buckets less than 2^31 apart from the newest one ({@code AggregateSketchFlyweight.update}
 * clears the expired ones in a sweep in the rare case the newest bucket crosses a multiple of 2^30), so the
 * 32-bit tag never confuses two buckets of the same slot. Timestamps are offsets from the bucket start,
 * which fit an int because {@link AggregateSketchSpec} keeps W below 2^31 ms.
 */
public final class AggregateSketchDescriptor {
    /** Marks a slot or the coverage start as never written. */
    public static final long EMPTY = Long.MIN_VALUE;

    public static final int VERSION_OFFSET = SketchBlockDescriptor.VERSION_OFFSET;
    public static final int SERIES_ID_OFFSET = SketchBlockDescriptor.SERIES_ID_OFFSET;
    public static final int FAMILY_OFFSET = SketchBlockDescriptor.FAMILY_OFFSET;
    public static final int BUCKET_WIDTH_OFFSET = SketchBlockDescriptor.HEADER_LENGTH;
    public static final int BUCKET_COUNT_OFFSET = BUCKET_WIDTH_OFFSET + 8;
    public static final int NEWEST_BUCKET_OFFSET = BUCKET_COUNT_OFFSET + 8;
    public static final int COVERAGE_START_OFFSET = NEWEST_BUCKET_OFFSET + 8;
    public static final int SKIPPED_STALE_OFFSET = COVERAGE_START_OFFSET + 8;
    public static final int SKIPPED_TOO_OLD_OFFSET = SKIPPED_STALE_OFFSET + 8;
    public static final int HEADER_LENGTH = SKIPPED_TOO_OLD_OFFSET + 8;

    public static final int SKIPPED_FULL_OFFSET = BUCKET_COUNT_OFFSET + 4;

    public static final int BUCKET_TAG_OFFSET = 0;
    public static final int BUCKET_SAMPLE_COUNT_OFFSET = 4;
    public static final int BUCKET_FIRST_TS_OFFSET = 8;
    public static final int BUCKET_LAST_TS_OFFSET = 12;
    public static final int BUCKET_SHIFT_OFFSET = 16;
    public static final int BUCKET_DEV_OFFSET = 24;
    public static final int BUCKET_DEV_COMP_OFFSET = 32;
    public static final int BUCKET_DEV2_OFFSET = 40;
    public static final int BUCKET_DEV2_COMP_OFFSET = 48;
    public static final int BUCKET_MIN_OFFSET = 56;
    public static final int BUCKET_MAX_OFFSET = 64;
    public static final int BUCKET_LENGTH = 72;
    /** The newest bucket crossing a multiple of 2^this sweeps expired slots, so tags stay unambiguous. */
    public static final int TAG_EPOCH_SHIFT = 30;

    public static final int ALIGNMENT = SketchBlockDescriptor.ALIGNMENT;

    private AggregateSketchDescriptor() {
    }

    /** Offset of ring slot {@code slot} from the start of the block. */
    public static long bucketOffset(int slot) {
        return HEADER_LENGTH + (long) slot * BUCKET_LENGTH;
    }

    /** Bytes of a block with {@code bucketCount} buckets. */
    public static int blockLength(int bucketCount) {
        return HEADER_LENGTH + bucketCount * BUCKET_LENGTH;
    }
}
