package io.weir.engine.sketch.frequency;

import io.weir.engine.sketch.ring.BucketRingDescriptor;

/**
 * Layout of a frequency sketch block: the {@link BucketRingDescriptor ring of time buckets}, each time bucket a
 * fixed bucket header followed by an open-addressing value table of {@code tableCapacity} 8-byte slots.
 *
 * <pre>
 * Header (80 bytes): the ring header [BucketRingDescriptor] with
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |   table capacity C (slots)    |   most slots C may grow to    | 48  per-sample parameters
 *  +-------------------------------+-------------------------------+
 *  |   unused (8 bytes)                                            | 56
 *  +-------------------------------+-------------------------------+
 * Bucket i at 80 + i * (80 + 8 * C)
 *  +-------------------------------+-------------------------------+
 *  | tag: bucket k [ring]          | sample count n [ring]         |  0
 *  +-------------------------------+-------------------------------+
 *  |        first (smallest) sample timestamp in the bucket        |  8
 *  +---------------------------------------------------------------+
 *  |        last (largest) sample timestamp in the bucket          | 16
 *  +-------------------------------+-------------------------------+
 *  |  sampling level l (int)       |  occupied table slots (int)   | 24
 *  +-------------------------------+-------------------------------+
 *  |  in order: 1 while samples    |  run count (int)              | 32
 *  |  came in time order with      |                               |
 *  |  non-decreasing values        |                               |
 *  +-------------------------------+-------------------------------+
 *  |  first run length (int)       |  last run length (int)        | 40
 *  +-------------------------------+-------------------------------+
 *  |              first value (canonical bits)                     | 48
 *  +---------------------------------------------------------------+
 *  |              last value (canonical bits)                      | 56
 *  +---------------------------------------------------------------+
 *  |              sum of run length^2 (double)                     | 64
 *  +---------------------------------------------------------------+
 *  |              sum of run length * log2(run length) (double)    | 72
 *  +---------------------------------------------------------------+
 *  |  table slot 0 .. C-1 (8 bytes each), 0 = empty:               | 80
 *  |  +------------------+-----+-------------+-------+-------+      |
 *  |  | value hash (28)  | pin | count (17)  | first | last  |      |
 *  |  +------------------+-----+-------------+-------+-------+      |
 *  |   63             36 35  31 30         14 13    7 6     0       |
 *  |  pin: 0, or 1 + the level the bucket had when it pinned the     |
 *  |  value (a heavy value then stays counted whatever the level);   |
 *  |  first / last: the 1/128ths of the bucket's width in which the  |
 *  |  value was first and last seen (sub-bucket time resolution)     |
 *  +---------------------------------------------------------------+
 * </pre>
 * A value's sampling level is the number of leading zeros of its hash; a bucket at level l tracks
 * every value of level >= l plus its pinned values. A value pinned at level p was tracked since the
 * bucket started because its level is >= p, so the bucket tracks it exactly when its level is >= p:
 * that is what lets buckets at different levels merge without bias (see FrequencyResult). The run fields describe the bucket as runs of equal values while its samples
 * arrive in time order with non-decreasing values (counters, constant gauges): then distinct, l2 and
 * entropy of a chain of such buckets are exact whatever the table holds.
 */
public final class FrequencySketchDescriptor {
    public static final int TABLE_CAPACITY_OFFSET = BucketRingDescriptor.FAMILY_PARAMETERS_OFFSET;
    public static final int MAX_TABLE_CAPACITY_OFFSET = TABLE_CAPACITY_OFFSET + 4;
    public static final int HEADER_LENGTH = BucketRingDescriptor.HEADER_LENGTH;

    public static final int BUCKET_FIRST_TS_OFFSET = BucketRingDescriptor.BUCKET_HEADER_LENGTH;
    public static final int BUCKET_LAST_TS_OFFSET = BUCKET_FIRST_TS_OFFSET + 8;
    public static final int BUCKET_LEVEL_OFFSET = BUCKET_LAST_TS_OFFSET + 8;
    public static final int BUCKET_OCCUPIED_OFFSET = BUCKET_LEVEL_OFFSET + 4;
    public static final int BUCKET_IN_ORDER_OFFSET = BUCKET_OCCUPIED_OFFSET + 4;
    public static final int BUCKET_RUN_COUNT_OFFSET = BUCKET_IN_ORDER_OFFSET + 4;
    public static final int BUCKET_FIRST_RUN_OFFSET = BUCKET_RUN_COUNT_OFFSET + 4;
    public static final int BUCKET_LAST_RUN_OFFSET = BUCKET_FIRST_RUN_OFFSET + 4;
    public static final int BUCKET_FIRST_VALUE_OFFSET = BUCKET_LAST_RUN_OFFSET + 4;
    public static final int BUCKET_LAST_VALUE_OFFSET = BUCKET_FIRST_VALUE_OFFSET + 8;
    public static final int BUCKET_RUN_SQUARES_OFFSET = BUCKET_LAST_VALUE_OFFSET + 8;
    public static final int BUCKET_RUN_ENTROPY_OFFSET = BUCKET_RUN_SQUARES_OFFSET + 8;
    public static final int BUCKET_TABLE_OFFSET = BUCKET_RUN_ENTROPY_OFFSET + 8;
    public static final int BUCKET_HEADER_LENGTH = BUCKET_TABLE_OFFSET;
    public static final int SLOT_LENGTH = 8;

    /** Table slot bits: 28 hash bits, the pin level, a saturating 17-bit count, two time quanta. */
    public static final int HASH_SHIFT = 36;
    public static final long HASH_MASK = -1L << HASH_SHIFT;
    public static final int PIN_SHIFT = 31;
    public static final long PIN_MASK = 0x1FL << PIN_SHIFT;
    public static final int COUNT_SHIFT = 14;
    public static final long COUNT_ONE = 1L << COUNT_SHIFT;
    public static final long COUNT_MAX = (1L << 17) - 1;
    public static final long COUNT_MASK = COUNT_MAX << COUNT_SHIFT;
    public static final int FIRST_QUANTUM_SHIFT = 7;
    public static final long QUANTUM_MASK = 0x7F;
    /** Quanta per bucket width for the first / last seen fields. */
    public static final int QUANTA = 128;
    /** Levels stop here: the stored hash has 28 bits. */
    public static final int MAX_LEVEL = 27;

    private FrequencySketchDescriptor() {
    }

    /** Bytes of one bucket: its header and its table. */
    public static long bucketLength(int tableCapacity) {
        return BUCKET_HEADER_LENGTH + (long) tableCapacity * SLOT_LENGTH;
    }

    /** The most slots a bucket of a block of {@code blockBytes} bytes with {@code bucketCount} buckets holds. */
    public static int capacityFitting(int bucketCount, long blockBytes) {
        long perBucket = (blockBytes - HEADER_LENGTH) / bucketCount;
        return (int) Math.min(Integer.MAX_VALUE, (perBucket - BUCKET_HEADER_LENGTH) / SLOT_LENGTH);
    }

    /** Bytes of a block with {@code bucketCount} buckets of {@code tableCapacity} slots. */
    public static long blockLength(int bucketCount, int tableCapacity) {
        return BucketRingDescriptor.blockLength(HEADER_LENGTH, bucketLength(tableCapacity), bucketCount);
    }

    /** The sampling level of a stored slot (from its hash bits). */
    public static int level(long slot) {
        return Math.min(Long.numberOfLeadingZeros(slot & HASH_MASK), MAX_LEVEL);
    }

    /** True when the slot's value is pinned. */
    public static boolean pinned(long slot) {
        return (slot & PIN_MASK) != 0;
    }

    /** The level the bucket had when it pinned the slot's value (meaningful only when pinned). */
    public static int pinLevel(long slot) {
        return (int) ((slot & PIN_MASK) >>> PIN_SHIFT) - 1;
    }

    /** The slot with its value pinned at bucket level {@code level}. */
    public static long pin(long slot, int level) {
        return (slot & ~PIN_MASK) | (long) (level + 1) << PIN_SHIFT;
    }

    /** The count of a stored slot. */
    public static long count(long slot) {
        return (slot & COUNT_MASK) >>> COUNT_SHIFT;
    }

    /** The quantum in which the slot's value was first seen. */
    public static int firstQuantum(long slot) {
        return (int) ((slot >>> FIRST_QUANTUM_SHIFT) & QUANTUM_MASK);
    }

    /** The quantum in which the slot's value was last seen. */
    public static int lastQuantum(long slot) {
        return (int) (slot & QUANTUM_MASK);
    }

    /** A well-spread 32-bit mix of a key, independent of its leading zeros (which set the level). */
    public static long spread(long key) {
        return (key * 0x9E3779B97F4A7C15L) >>> 32;
    }
}
