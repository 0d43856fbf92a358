package io.weir.engine.sketch.frequency;

import io.weir.engine.sketch.ring.BucketRingShape;

/**
 * Shape of a frequency sketch: bucket width, ring length and value-table capacity per bucket. A block starts with
 * {@link #MIN_TABLE_CAPACITY} slots a bucket and grows (a new block) while a bucket would otherwise start sampling, up
 * to {@code tableCapacity}; only there do buckets sample. So a block is sized by the distinct values its buckets hold,
 * and answers as one laid out at the full size from the start, but for buckets filled in order (counters), which
 * sample at the size they have: their runs answer for them. Validated at construction, trusted after.
 *
 * @param bucketWidthMillis W, the width of one time bucket
 * @param bucketCount       buckets kept in the ring: enough for the window plus one partial bucket
 * @param tableCapacity     the most value-table slots per bucket
 */
public record FrequencySketchSpec(long bucketWidthMillis, int bucketCount, int tableCapacity) implements io.weir.engine.sketch.SketchSpec {
    /** The widths {@link #forWindow} chooses from: round numbers a dashboard step is likely to hit. */
    private static final long[] NICE_WIDTHS_MILLIS = {
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
        60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
        3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
        172_800_000, 604_800_000,
    };
    public static final int MAX_BUCKETS = 4_096;
    public static final int MIN_TABLE_CAPACITY = 16;
    /** 2^20 slots per bucket is far beyond any budget. */
    public static final int MAX_TABLE_CAPACITY = 1 << 20;
    /** The largest slab block (a 1 GiB chunk). */
    public static final long MAX_BLOCK_BYTES = 1L << 30;
    /**
     * Default bucket budget: at most 36 buckets (18-37 after rounding W to a nice width). Fewer, larger
     * tables sample less, the per-value time quanta and run statistics keep window edges accurate, but
     * low-cardinality gauges need time resolution for narrow windows (docs/sketches.md).
     */
    public static final int DEFAULT_MAX_BUCKETS = 36;
    /** Default block budget: the 128 KiB slab size class, leaving room for the other families in 256 KB. */
    public static final int DEFAULT_MAX_BLOCK_BYTES = 128 * 1024;
    /**
     * The largest {@code maxBuckets} {@link #forWindow} takes within the default block budget: one bucket more (the
     * partial one) still leaves every bucket {@value #MIN_TABLE_CAPACITY} slots.
     */
    public static final int MAX_WINDOW_BUCKETS = (int) Math.min(MAX_BUCKETS,
            (DEFAULT_MAX_BLOCK_BYTES - FrequencySketchDescriptor.HEADER_LENGTH) / FrequencySketchDescriptor.bucketLength(MIN_TABLE_CAPACITY)) - 1;

    public FrequencySketchSpec {
        if (bucketWidthMillis <= 0) {
            throw new IllegalArgumentException("bucketWidthMillis must be > 0, was " + bucketWidthMillis);
        }
        if (bucketCount < 2 || bucketCount > MAX_BUCKETS) {
            throw new IllegalArgumentException("bucketCount must be in [2, " + MAX_BUCKETS + "], was " + bucketCount);
        }
        if (tableCapacity < MIN_TABLE_CAPACITY || tableCapacity > MAX_TABLE_CAPACITY) {
            throw new IllegalArgumentException("tableCapacity must be in [" + MIN_TABLE_CAPACITY + ", "
                + MAX_TABLE_CAPACITY + "], was " + tableCapacity);
        }
        if (FrequencySketchDescriptor.blockLength(bucketCount, tableCapacity) > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("bucketCount " + bucketCount + " x tableCapacity " + tableCapacity
                + " exceeds " + MAX_BLOCK_BYTES + " bytes");
        }
    }

    /** {@link #forWindow(long, int, int)} with the default bucket and byte budgets. */
    public static FrequencySketchSpec forWindow(long windowMillis) {
        return forWindow(windowMillis, DEFAULT_MAX_BUCKETS, DEFAULT_MAX_BLOCK_BYTES);
    }

    /**
     * The smallest nice width W with {@code ceil(window / W) <= maxBuckets}, keeping
     * {@code ceil(window / W) + 1} buckets so that an unaligned window (T-w, T] is still retained, and
     * the largest table capacity that keeps the block within {@code maxBlockBytes}.
     */
    public static FrequencySketchSpec forWindow(long windowMillis, int maxBuckets, int maxBlockBytes) {
        BucketRingShape ring = BucketRingShape.forWindow(windowMillis, maxBuckets, MAX_BUCKETS, NICE_WIDTHS_MILLIS);
        int count = ring.bucketCount();
        long perBucket = (maxBlockBytes - FrequencySketchDescriptor.HEADER_LENGTH) / count;
        long slots = (perBucket - FrequencySketchDescriptor.BUCKET_HEADER_LENGTH) / FrequencySketchDescriptor.SLOT_LENGTH;
        int capacity = (int) Math.min(MAX_TABLE_CAPACITY, slots);
        if (capacity < MIN_TABLE_CAPACITY) {
            throw new IllegalArgumentException("maxBlockBytes " + maxBlockBytes + " cannot hold " + count
                + " buckets of " + MIN_TABLE_CAPACITY + " slots");
        }
        return new FrequencySketchSpec(ring.bucketWidthMillis(), count, capacity);
    }

    /** The longest window {@link #forWindow} takes with {@code maxBuckets}. */
    public static long longestWindowMillis(int maxBuckets) {
        return BucketRingShape.longestWindowMillis(maxBuckets, NICE_WIDTHS_MILLIS);
    }

    /** Bytes of the block at its largest, {@code tableCapacity} slots a bucket. */
    @Override
    public int blockLength() {
        return (int) FrequencySketchDescriptor.blockLength(bucketCount, tableCapacity);
    }

    /** Bytes of the block a series starts with: {@link #MIN_TABLE_CAPACITY} slots a bucket. */
    @Override
    public int initialBlockLength() {
        return (int) FrequencySketchDescriptor.blockLength(bucketCount, Math.min(tableCapacity, MIN_TABLE_CAPACITY));
    }
}
