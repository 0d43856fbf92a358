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
 *  |         bucket count          |            unused             | 24
 *  +-------------------------------+-------------------------------+
 *  |             newest bucket index k (absolute)                  | 32
 *  +---------------------------------------------------------------+
 *  |  coverage start: bucket of the first accepted sample, or EMPTY| 40
 *  +---------------------------------------------------------------+
 *  |                 samples skipped: NaN / stale                  | 48
 *  +---------------------------------------------------------------+
 *  |        samples skipped: older than the oldest bucket          | 56
 *  +---------------------------------------------------------------+
 * Bucket i at 64 + i * 112 (112 bytes)
 *  +---------------------------------------------------------------+
 *  | bucket index k held by this slot, EMPTY when never written;   |  0
 *  | a slot whose k is not the one asked for counts as empty       |
 *  +---------------------------------------------------------------+
 *  |                     sample count (long)                       |  8
 *  +---------------------------------------------------------------+
 *  |        first (smallest) sample timestamp in the bucket        | 16
 *  +---------------------------------------------------------------+
 *  |        last (largest) sample timestamp in the bucket          | 24
 *  +---------------------------------------------------------------+
 *  |   sum of values (double)   |  its Neumaier compensation      | 32, 40
 *  +---------------------------------------------------------------+
 *  |   sum of squares           |  its Neumaier compensation      | 48, 56
 *  +---------------------------------------------------------------+
 *  |   shift K: first value written to the bucket                  | 64
 *  +---------------------------------------------------------------+
 *  |   sum of (x - K)           |  its Neumaier compensation      | 72, 80
 *  +---------------------------------------------------------------+
 *  |   sum of (x - K)^2                                            | 88
 *  +---------------------------------------------------------------+
 *  |   min                      |  max                            | 96, 104
 *  +---------------------------------------------------------------+
 * </pre>
 * Variance uses the shifted sums: with K near the data, {@code sum((x-K)^2) - sum(x-K)^2/n} does not
 * cancel catastrophically, unlike the raw sum of squares for values like 1e9 with small spread.
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
    public static final int SKIPPED_NAN_OFFSET = COVERAGE_START_OFFSET + 8;
    public static final int SKIPPED_TOO_OLD_OFFSET = SKIPPED_NAN_OFFSET + 8;
    public static final int HEADER_LENGTH = SKIPPED_TOO_OLD_OFFSET + 8;

    public static final int BUCKET_INDEX_OFFSET = 0;
    public static final int BUCKET_SAMPLE_COUNT_OFFSET = 8;
    public static final int BUCKET_FIRST_TS_OFFSET = 16;
    public static final int BUCKET_LAST_TS_OFFSET = 24;
    public static final int BUCKET_SUM_OFFSET = 32;
    public static final int BUCKET_SUM_COMP_OFFSET = 40;
    public static final int BUCKET_SUM2_OFFSET = 48;
    public static final int BUCKET_SUM2_COMP_OFFSET = 56;
    public static final int BUCKET_SHIFT_OFFSET = 64;
    public static final int BUCKET_DEV_OFFSET = 72;
    public static final int BUCKET_DEV_COMP_OFFSET = 80;
    public static final int BUCKET_DEV2_OFFSET = 88;
    public static final int BUCKET_MIN_OFFSET = 96;
    public static final int BUCKET_MAX_OFFSET = 104;
    public static final int BUCKET_LENGTH = 112;

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
