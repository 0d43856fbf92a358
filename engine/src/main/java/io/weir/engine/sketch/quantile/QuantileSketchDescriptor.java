package io.weir.engine.sketch.quantile;

import io.weir.engine.sketch.SketchBlockDescriptor;

/**
 * Layout of a quantile sketch block: a header and a ring of {@code bucketCount} time buckets, each a
 * relative-error log-bucket histogram. Time bucket {@code k} holds the samples with timestamps in
 * {@code (k*W, (k+1)*W]} ms (left-open, right-closed like PromQL windows) in ring slot
 * {@code floorMod(k, bucketCount)}, as in the aggregate family.
 *
 * <p>Values map to bins by magnitude: at collapse level {@code L} a positive value v lies in bin
 * {@code key = ceil(log_g(v) / 2^L)}, covering {@code (g^(2^L (key-1)), g^(2^L key)]}; a negative value
 * lies in the bin of |v| on the negative side; 0, +Inf and -Inf have their own counters. The M counters
 * of a time bucket are shared by both sides: the positive side uses counters {@code [0, posLen)} for
 * keys {@code posLo ..}, the negative side uses {@code [M - negLen, M)} for keys {@code negLo ..}. When the
 * two ranges need more than M counters the bucket collapses: pairs of adjacent bins merge
 * ({@code key -> ceil(key / 2)}), g becomes g^2, and the level goes up by one.
 *
 * <pre>
 * Header (72 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        version (seqlock)  [SketchBlockDescriptor]             |  0
 *  +-------------------------------+-------------------------------+
 *  |          series id            |   family tag (QUANTILE)       |  8
 *  +-------------------------------+-------------------------------+
 *  |                    bucket width W (ms)                        | 16
 *  +-------------------------------+-------------------------------+
 *  |         bucket count          |   counters per bucket M       | 24
 *  +-------------------------------+-------------------------------+
 *  |                  ln g (double), g = 1 + accuracy              | 32
 *  +---------------------------------------------------------------+
 *  |                  1 / ln g (double)                            | 40
 *  +---------------------------------------------------------------+
 *  |             newest bucket index k (absolute)                  | 48
 *  +---------------------------------------------------------------+
 *  |  coverage start: bucket of the first accepted sample, or EMPTY| 56
 *  +---------------------------------------------------------------+
 *  |        samples skipped: older than the oldest bucket          | 64
 *  +---------------------------------------------------------------+
 * Bucket i at 72 + i * (88 + 2M) (M is a multiple of 4, so buckets stay 8-aligned)
 *  +---------------------------------------------------------------+
 *  | bucket index k held by this slot, EMPTY when never written    |  0
 *  +---------------------------------------------------------------+
 *  |          sample count (every accepted sample, long)           |  8
 *  +---------------------------------------------------------------+
 *  |        first (smallest) sample timestamp in the bucket        | 16
 *  +---------------------------------------------------------------+
 *  |        last (largest) sample timestamp in the bucket          | 24
 *  +---------------------------------------------------------------+
 *  |   min (double)             |  max (double)                   | 32, 40
 *  +-------------------------------+-------------------------------+
 *  |   count of zeros              |   count of +Inf               | 48
 *  +-------------------------------+-------------------------------+
 *  |   count of -Inf               |   collapse level L            | 56
 *  +-------------------------------+-------------------------------+
 *  |   posLo: key of counter 0     |   posLen                      | 64
 *  +-------------------------------+-------------------------------+
 *  |   negLo: key of counter M-negLen | negLen                     | 72
 *  +-------------------------------+-------------------------------+
 *  |   dropped: samples a saturated|   count of NaN samples (sorted| 80
 *  |   counter could not take      |   first, as Prometheus sorts) |
 *  +-------------------------------+-------------------------------+
 *  |   M unsigned 16-bit counters: positive side from the left,    | 88
 *  |   negative side from the right, free space between            |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class QuantileSketchDescriptor {
    /** Marks a slot or the coverage start as never written. */
    public static final long EMPTY = Long.MIN_VALUE;
    /** A 16-bit counter never exceeds this; samples beyond it in one bin count as dropped. */
    public static final int COUNTER_MAX = 0xFFFF;
    /** Levels beyond this would shift keys by 32 or more; g^(2^30) covers every double anyway. */
    public static final int MAX_LEVEL = 30;

    public static final int VERSION_OFFSET = SketchBlockDescriptor.VERSION_OFFSET;
    public static final int SERIES_ID_OFFSET = SketchBlockDescriptor.SERIES_ID_OFFSET;
    public static final int FAMILY_OFFSET = SketchBlockDescriptor.FAMILY_OFFSET;
    public static final int BUCKET_WIDTH_OFFSET = SketchBlockDescriptor.HEADER_LENGTH;
    public static final int BUCKET_COUNT_OFFSET = BUCKET_WIDTH_OFFSET + 8;
    public static final int COUNTERS_PER_BUCKET_OFFSET = BUCKET_COUNT_OFFSET + 4;
    public static final int LN_GAMMA_OFFSET = COUNTERS_PER_BUCKET_OFFSET + 4;
    public static final int INV_LN_GAMMA_OFFSET = LN_GAMMA_OFFSET + 8;
    public static final int NEWEST_BUCKET_OFFSET = INV_LN_GAMMA_OFFSET + 8;
    public static final int COVERAGE_START_OFFSET = NEWEST_BUCKET_OFFSET + 8;
    public static final int SKIPPED_TOO_OLD_OFFSET = COVERAGE_START_OFFSET + 8;
    public static final int HEADER_LENGTH = SKIPPED_TOO_OLD_OFFSET + 8;

    public static final int BUCKET_INDEX_OFFSET = 0;
    public static final int BUCKET_SAMPLE_COUNT_OFFSET = 8;
    public static final int BUCKET_FIRST_TS_OFFSET = 16;
    public static final int BUCKET_LAST_TS_OFFSET = 24;
    public static final int BUCKET_MIN_OFFSET = 32;
    public static final int BUCKET_MAX_OFFSET = 40;
    public static final int BUCKET_ZERO_OFFSET = 48;
    public static final int BUCKET_POS_INF_OFFSET = 52;
    public static final int BUCKET_NEG_INF_OFFSET = 56;
    public static final int BUCKET_LEVEL_OFFSET = 60;
    public static final int BUCKET_POS_LO_OFFSET = 64;
    public static final int BUCKET_POS_LEN_OFFSET = 68;
    public static final int BUCKET_NEG_LO_OFFSET = 72;
    public static final int BUCKET_NEG_LEN_OFFSET = 76;
    public static final int BUCKET_DROPPED_OFFSET = 80;
    public static final int BUCKET_NAN_OFFSET = 84;
    public static final int BUCKET_COUNTERS_OFFSET = 88;
    public static final int COUNTER_LENGTH = 2;

    public static final int ALIGNMENT = SketchBlockDescriptor.ALIGNMENT;

    private QuantileSketchDescriptor() {
    }

    /** Bytes of one time bucket with {@code counters} counters. */
    public static int bucketLength(int counters) {
        return BUCKET_COUNTERS_OFFSET + counters * COUNTER_LENGTH;
    }

    /** Offset of ring slot {@code slot} from the start of the block. */
    public static long bucketOffset(int slot, int counters) {
        return HEADER_LENGTH + (long) slot * bucketLength(counters);
    }

    /** Offset of counter {@code i} from the start of its bucket. */
    public static long counterOffset(int i) {
        return BUCKET_COUNTERS_OFFSET + (long) i * COUNTER_LENGTH;
    }

    /** Bytes of a block with {@code bucketCount} buckets of {@code counters} counters. */
    public static int blockLength(int bucketCount, int counters) {
        return HEADER_LENGTH + bucketCount * bucketLength(counters);
    }
}
