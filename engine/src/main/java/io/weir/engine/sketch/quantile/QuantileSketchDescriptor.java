package io.weir.engine.sketch.quantile;

import io.weir.engine.sketch.ring.BucketRingDescriptor;

/**
 * Layout of a quantile sketch block: the {@link BucketRingDescriptor ring of time buckets}, each time bucket a
 * relative-error log-bucket histogram.
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
 * Header (88 bytes): the ring header [BucketRingDescriptor] with
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |         1 / ln g (double), g = 1 + accuracy                   | 48  per-sample parameters
 *  +-------------------------------+-------------------------------+
 *  |   counters per bucket M       |   most counters M may grow to | 56
 *  +-------------------------------+-------------------------------+
 * then, after the ring header,
 *  +---------------------------------------------------------------+
 *  |                  ln g (double)                                | 80
 *  +---------------------------------------------------------------+
 * Bucket i at 88 + i * (80 + 2M) (M is a multiple of 4, so buckets stay 8-aligned)
 *  +-------------------------------+-------------------------------+
 *  | tag: bucket k [ring]          | sample count [ring] (every    |  0
 *  |                               | accepted sample, NaNs too)    |
 *  +-------------------------------+-------------------------------+
 *  |        first (smallest) sample timestamp in the bucket        |  8
 *  +---------------------------------------------------------------+
 *  |        last (largest) sample timestamp in the bucket          | 16
 *  +---------------------------------------------------------------+
 *  |   min (double)             |  max (double)                   | 24, 32
 *  +-------------------------------+-------------------------------+
 *  |   count of zeros              |   count of +Inf               | 40
 *  +-------------------------------+-------------------------------+
 *  |   count of -Inf               |   collapse level L            | 48
 *  +-------------------------------+-------------------------------+
 *  |   posLo: key of counter 0     |   posLen                      | 56
 *  +-------------------------------+-------------------------------+
 *  |   negLo: key of counter M-negLen | negLen                     | 64
 *  +-------------------------------+-------------------------------+
 *  |   dropped: samples a saturated|   count of NaN samples (sorted| 72
 *  |   counter could not take      |   first, as Prometheus sorts) |
 *  +-------------------------------+-------------------------------+
 *  |   M unsigned 16-bit counters: positive side from the left,    | 80
 *  |   negative side from the right, free space between            |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class QuantileSketchDescriptor {
    /** A 16-bit counter never exceeds this; samples beyond it in one bin count as dropped. */
    public static final int COUNTER_MAX = 0xFFFF;
    /** Levels beyond this would shift keys by 32 or more; g^(2^30) covers every double anyway. */
    public static final int MAX_LEVEL = 30;

    public static final int INV_LN_GAMMA_OFFSET = BucketRingDescriptor.FAMILY_PARAMETERS_OFFSET;
    public static final int COUNTERS_PER_BUCKET_OFFSET = INV_LN_GAMMA_OFFSET + 8;
    public static final int MAX_COUNTERS_OFFSET = COUNTERS_PER_BUCKET_OFFSET + 4;
    public static final int LN_GAMMA_OFFSET = BucketRingDescriptor.HEADER_LENGTH;
    public static final int HEADER_LENGTH = LN_GAMMA_OFFSET + 8;

    public static final int BUCKET_FIRST_TS_OFFSET = BucketRingDescriptor.BUCKET_HEADER_LENGTH;
    public static final int BUCKET_LAST_TS_OFFSET = BUCKET_FIRST_TS_OFFSET + 8;
    public static final int BUCKET_MIN_OFFSET = BUCKET_LAST_TS_OFFSET + 8;
    public static final int BUCKET_MAX_OFFSET = BUCKET_MIN_OFFSET + 8;
    public static final int BUCKET_ZERO_OFFSET = BUCKET_MAX_OFFSET + 8;
    public static final int BUCKET_POS_INF_OFFSET = BUCKET_ZERO_OFFSET + 4;
    public static final int BUCKET_NEG_INF_OFFSET = BUCKET_POS_INF_OFFSET + 4;
    public static final int BUCKET_LEVEL_OFFSET = BUCKET_NEG_INF_OFFSET + 4;
    public static final int BUCKET_POS_LO_OFFSET = BUCKET_LEVEL_OFFSET + 4;
    public static final int BUCKET_POS_LEN_OFFSET = BUCKET_POS_LO_OFFSET + 4;
    public static final int BUCKET_NEG_LO_OFFSET = BUCKET_POS_LEN_OFFSET + 4;
    public static final int BUCKET_NEG_LEN_OFFSET = BUCKET_NEG_LO_OFFSET + 4;
    public static final int BUCKET_DROPPED_OFFSET = BUCKET_NEG_LEN_OFFSET + 4;
    public static final int BUCKET_NAN_OFFSET = BUCKET_DROPPED_OFFSET + 4;
    public static final int BUCKET_COUNTERS_OFFSET = BUCKET_NAN_OFFSET + 4;
    public static final int COUNTER_LENGTH = 2;

    private QuantileSketchDescriptor() {
    }

    /** Bytes of one time bucket with {@code counters} counters. */
    public static int bucketLength(int counters) {
        return BUCKET_COUNTERS_OFFSET + counters * COUNTER_LENGTH;
    }

    /** Offset of counter {@code i} from the start of its bucket. */
    public static long counterOffset(int i) {
        return BUCKET_COUNTERS_OFFSET + (long) i * COUNTER_LENGTH;
    }

    /**
     * The most counters per bucket (a multiple of 4) a block of {@code blockBytes} bytes with {@code bucketCount}
     * buckets holds; may be below {@link QuantileSketchSpec#MIN_COUNTERS} for a block too small.
     */
    public static int countersFitting(int bucketCount, long blockBytes) {
        long perBucket = (blockBytes - HEADER_LENGTH) / bucketCount;
        return (int) Math.min(Integer.MAX_VALUE, (perBucket - BUCKET_COUNTERS_OFFSET) / COUNTER_LENGTH / 4 * 4);
    }

    /** Bytes of a block with {@code bucketCount} buckets of {@code counters} counters. */
    public static int blockLength(int bucketCount, int counters) {
        return (int) BucketRingDescriptor.blockLength(HEADER_LENGTH, bucketLength(counters), bucketCount);
    }
}
