package io.weir.engine.sketch.frequency;

import static io.weir.engine.sketch.frequency.FrequencySketchDescriptor.*;

import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import io.weir.engine.sketch.slab.SeqLock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Typed access to a frequency sketch block laid out by {@link FrequencySketchDescriptor}.
 *
 * <p>{@link #init} and {@link #update} are for the series' shard writer thread only; {@link #read}
 * and the header getters may run on any thread and never block the writer (seqlock). A flyweight
 * instance holds no state beyond (segment, offset), so each thread uses its own instance.
 *
 * <p>Value identity is the IEEE-754 bit pattern with -0.0 folded into 0.0: 1.0 and 1.0000000000000002
 * are distinct values, every NaN is one more value (one, whatever its payload), and the Prometheus stale
 * marker, which is no sample, is skipped and counted.
 *
 * <p>Update rules (as the aggregate family): samples in a bucket older than the ring are skipped and
 * counted; out-of-order samples in a retained bucket are added to it; a newer sample moves the ring
 * forward, and a slot holding another bucket reads as empty, so expiry costs O(1). Within a bucket
 * the value table counts every value exactly until it is 3/4 full; then the bucket raises its
 * sampling level (keeps only values whose hash has at least {@code level} leading zeros, p = 2^-level)
 * and pins its heavy values (count >= 4n/C, at most C/4 of them), which stay counted exactly.
 */
public final class FrequencySketchFlyweight {
    public static final int APPLIED = 0;
    public static final int SKIPPED_STALE = 1;
    public static final int SKIPPED_TOO_OLD = 2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Opaque access for counters that change outside the seqlock. */
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG.varHandle();
    private static final double LN2 = Math.log(2.0);

    private MemorySegment segment;
    private long offset;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. */
    public FrequencySketchFlyweight wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /** A heap-backed block (tests, merges, copies); the same layout as in a slab. */
    public static FrequencySketchFlyweight onHeap(int seriesId, FrequencySketchSpec spec) {
        MemorySegment heap = MemorySegment.ofArray(new long[(spec.blockLength() + 7) / 8]);
        FrequencySketchFlyweight f = new FrequencySketchFlyweight().wrap(heap, 0);
        f.init(seriesId, spec);
        return f;
    }

    public MemorySegment segment() { return segment; }

    public long offset() { return offset; }

    /** Writer only, before the block is published: lays out an empty sketch. */
    public void init(int seriesId, FrequencySketchSpec spec) {
        SeqLock.initialise(segment, offset + VERSION_OFFSET);
        segment.set(INT, offset + SERIES_ID_OFFSET, seriesId);
        segment.set(INT, offset + FAMILY_OFFSET, SketchBlockDescriptor.familyTag(SketchFunction.Family.FREQUENCY));
        segment.set(LONG, offset + BUCKET_WIDTH_OFFSET, spec.bucketWidthMillis());
        segment.set(INT, offset + BUCKET_COUNT_OFFSET, spec.bucketCount());
        segment.set(INT, offset + TABLE_CAPACITY_OFFSET, spec.tableCapacity());
        segment.set(LONG, offset + NEWEST_BUCKET_OFFSET, EMPTY);
        segment.set(LONG, offset + COVERAGE_START_OFFSET, EMPTY);
        segment.set(LONG, offset + SKIPPED_STALE_OFFSET, 0L);
        segment.set(LONG, offset + SKIPPED_TOO_OLD_OFFSET, 0L);
        for (int i = 0; i < spec.bucketCount(); i++) {
            segment.set(LONG, offset + bucketOffset(i, spec.tableCapacity()) + BUCKET_INDEX_OFFSET, EMPTY);
        }
    }

    // ---- header --------------------------------------------------------------------------------

    public long version() { return SeqLock.version(segment, offset + VERSION_OFFSET); }

    public int seriesId() { return segment.get(INT, offset + SERIES_ID_OFFSET); }

    public int familyTag() { return segment.get(INT, offset + FAMILY_OFFSET); }

    public long bucketWidthMillis() { return segment.get(LONG, offset + BUCKET_WIDTH_OFFSET); }

    public int bucketCount() { return segment.get(INT, offset + BUCKET_COUNT_OFFSET); }

    public int tableCapacity() { return segment.get(INT, offset + TABLE_CAPACITY_OFFSET); }

    /** Writer's view (plain); readers get a consistent one through {@link #read}. */
    public long newestBucket() { return segment.get(LONG, offset + NEWEST_BUCKET_OFFSET); }

    /** Bucket of the first accepted sample, or {@link FrequencySketchDescriptor#EMPTY}. */
    public long coverageStartBucket() { return segment.get(LONG, offset + COVERAGE_START_OFFSET); }

    public long skippedStale() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_STALE_OFFSET); }

    public long skippedTooOld() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_TOO_OLD_OFFSET); }

    /** Writer's view of ring slot {@code slot}'s sampling level (diagnostics, tests). */
    public int bucketLevel(int slot) {
        return segment.get(INT, offset + bucketOffset(slot, tableCapacity()) + BUCKET_LEVEL_OFFSET);
    }

    // ---- value identity ---------------------------------------------------------------------------

    /** The canonical bits of every NaN. */
    private static final long NAN_BITS = Double.doubleToLongBits(Double.NaN);

    /** The bits that identify a value: its IEEE-754 pattern, with -0.0 folded into 0.0 and every NaN into one. */
    public static long canonicalBits(double value) {
        return value == 0.0 ? 0L : Double.doubleToLongBits(value);
    }

    /** The table key of a value: the 28 high bits of a 64-bit mix of its bits, never 0. */
    static long key(long canonicalBits) {
        long z = canonicalBits + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        long k = z & HASH_MASK;
        return k == 0 ? 1L << HASH_SHIFT : k;
    }

    // ---- writer ---------------------------------------------------------------------------------

    /**
     * Writer only. Adds one sample.
     *
     * @return {@link #APPLIED}, {@link #SKIPPED_STALE} or {@link #SKIPPED_TOO_OLD}
     */
    public int update(long timestampMs, double value) {
        final MemorySegment seg = segment;
        final long base = offset;
        if (StaleMarker.is(value)) {
            COUNTER.setOpaque(seg, base + SKIPPED_STALE_OFFSET, (long) COUNTER.get(seg, base + SKIPPED_STALE_OFFSET) + 1);
            return SKIPPED_STALE;
        }
        final long width = seg.get(LONG, base + BUCKET_WIDTH_OFFSET);
        final int buckets = seg.get(INT, base + BUCKET_COUNT_OFFSET);
        final int capacity = seg.get(INT, base + TABLE_CAPACITY_OFFSET);
        final long k = Math.floorDiv(timestampMs - 1, width);
        final long newest = seg.get(LONG, base + NEWEST_BUCKET_OFFSET);
        final boolean first = seg.get(LONG, base + COVERAGE_START_OFFSET) == EMPTY;
        if (!first && k <= newest - buckets) {
            COUNTER.setOpaque(seg, base + SKIPPED_TOO_OLD_OFFSET, (long) COUNTER.get(seg, base + SKIPPED_TOO_OLD_OFFSET) + 1);
            return SKIPPED_TOO_OLD;
        }
        final long bits = canonicalBits(value);
        final long key = key(bits);
        final long b = base + bucketOffset(Math.floorMod(k, buckets), capacity);
        SeqLock.beginWrite(seg, base + VERSION_OFFSET);
        if (first) {
            seg.set(LONG, base + COVERAGE_START_OFFSET, k);
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        } else if (k > newest) {
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        }
        if (seg.get(LONG, b + BUCKET_INDEX_OFFSET) != k) {
            startBucket(seg, b, k, capacity, timestampMs, bits);
        } else {
            long n = seg.get(LONG, b + BUCKET_SAMPLE_COUNT_OFFSET);
            seg.set(LONG, b + BUCKET_SAMPLE_COUNT_OFFSET, n + 1);
            long lastTs = seg.get(LONG, b + BUCKET_LAST_TS_OFFSET);
            if (timestampMs < seg.get(LONG, b + BUCKET_FIRST_TS_OFFSET)) {
                seg.set(LONG, b + BUCKET_FIRST_TS_OFFSET, timestampMs);
            }
            if (timestampMs > lastTs) {
                seg.set(LONG, b + BUCKET_LAST_TS_OFFSET, timestampMs);
            }
            if (seg.get(INT, b + BUCKET_IN_ORDER_OFFSET) != 0) {
                extendRuns(seg, b, timestampMs, lastTs, value, bits);
            }
        }
        long quantum = (timestampMs - 1 - k * width) * QUANTA / width;
        count(seg, b, capacity, key, quantum);
        SeqLock.endWrite(seg, base + VERSION_OFFSET);
        return APPLIED;
    }

    private static void startBucket(MemorySegment seg, long b, long k, int capacity, long timestampMs, long bits) {
        seg.set(LONG, b + BUCKET_INDEX_OFFSET, k);
        seg.set(LONG, b + BUCKET_SAMPLE_COUNT_OFFSET, 1L);
        seg.set(LONG, b + BUCKET_FIRST_TS_OFFSET, timestampMs);
        seg.set(LONG, b + BUCKET_LAST_TS_OFFSET, timestampMs);
        seg.set(INT, b + BUCKET_LEVEL_OFFSET, 0);
        seg.set(INT, b + BUCKET_OCCUPIED_OFFSET, 0);
        // NaN orders with nothing, so a bucket holding one has no runs in value order
        seg.set(INT, b + BUCKET_IN_ORDER_OFFSET, bits == NAN_BITS ? 0 : 1);
        seg.set(INT, b + BUCKET_RUN_COUNT_OFFSET, 1);
        seg.set(INT, b + BUCKET_FIRST_RUN_OFFSET, 1);
        seg.set(INT, b + BUCKET_LAST_RUN_OFFSET, 1);
        seg.set(LONG, b + BUCKET_FIRST_VALUE_OFFSET, bits);
        seg.set(LONG, b + BUCKET_LAST_VALUE_OFFSET, bits);
        seg.set(DOUBLE, b + BUCKET_RUN_SQUARES_OFFSET, 0.0);
        seg.set(DOUBLE, b + BUCKET_RUN_ENTROPY_OFFSET, 0.0);
        long t = b + BUCKET_TABLE_OFFSET;
        for (int i = 0; i < capacity; i++) {
            seg.set(LONG, t + (long) i * SLOT_LENGTH, 0L);
        }
    }

    /** Run bookkeeping while the bucket is in order; the sums hold every run but the open last one. */
    private static void extendRuns(MemorySegment seg, long b, long timestampMs, long lastTs, double value, long bits) {
        long lastBits = seg.get(LONG, b + BUCKET_LAST_VALUE_OFFSET);
        int lastRun = seg.get(INT, b + BUCKET_LAST_RUN_OFFSET);
        int runs = seg.get(INT, b + BUCKET_RUN_COUNT_OFFSET);
        if (timestampMs < lastTs || value < Double.longBitsToDouble(lastBits) || value != value || lastRun == Integer.MAX_VALUE
            || runs == Integer.MAX_VALUE) {
            seg.set(INT, b + BUCKET_IN_ORDER_OFFSET, 0);
        } else if (bits == lastBits) {
            seg.set(INT, b + BUCKET_LAST_RUN_OFFSET, lastRun + 1);
            if (runs == 1) {
                seg.set(INT, b + BUCKET_FIRST_RUN_OFFSET, lastRun + 1);
            }
        } else {
            double r = lastRun;
            seg.set(DOUBLE, b + BUCKET_RUN_SQUARES_OFFSET, seg.get(DOUBLE, b + BUCKET_RUN_SQUARES_OFFSET) + r * r);
            seg.set(DOUBLE, b + BUCKET_RUN_ENTROPY_OFFSET, seg.get(DOUBLE, b + BUCKET_RUN_ENTROPY_OFFSET) + xLog2x(r));
            seg.set(INT, b + BUCKET_RUN_COUNT_OFFSET, runs + 1);
            seg.set(INT, b + BUCKET_LAST_RUN_OFFSET, 1);
            seg.set(LONG, b + BUCKET_LAST_VALUE_OFFSET, bits);
        }
    }

    static double xLog2x(double x) {
        return x <= 0 ? 0 : x * Math.log(x) / LN2;
    }

    /** Counts {@code key} in the bucket's table if tracked; may raise the sampling level. */
    private static void count(MemorySegment seg, long b, int capacity, long key, long quantum) {
        final long t = b + BUCKET_TABLE_OFFSET;
        int i = home(key, capacity);
        for (;;) {
            long addr = t + (long) i * SLOT_LENGTH;
            long e = seg.get(LONG, addr);
            if (e == 0) {
                if (FrequencySketchDescriptor.level(key) >= seg.get(INT, b + BUCKET_LEVEL_OFFSET)) {
                    seg.set(LONG, addr, key | COUNT_ONE | quantum << FIRST_QUANTUM_SHIFT | quantum);
                    int occupied = seg.get(INT, b + BUCKET_OCCUPIED_OFFSET) + 1;
                    seg.set(INT, b + BUCKET_OCCUPIED_OFFSET, occupied);
                    if (occupied > fillLimit(capacity)) {
                        raiseLevel(seg, b, capacity);
                    }
                }
                return;
            }
            if ((e & HASH_MASK) == key) {
                long u = (e & COUNT_MASK) == COUNT_MASK ? e : e + COUNT_ONE; // saturates at 2^17 - 1
                long q = quantum;
                if (q > (u & QUANTUM_MASK)) {
                    u = (u & ~QUANTUM_MASK) | q;
                } else if (q < FrequencySketchDescriptor.firstQuantum(u)) {
                    u = (u & ~(QUANTUM_MASK << FIRST_QUANTUM_SHIFT)) | q << FIRST_QUANTUM_SHIFT;
                }
                seg.set(LONG, addr, u);
                return;
            }
            if (++i == capacity) {
                i = 0;
            }
        }
    }

    /** The home slot of a key: a 32-bit spread of it scaled to [0, capacity) (no power of two needed). */
    static int home(long key, int capacity) {
        return (int) (FrequencySketchDescriptor.spread(key) * capacity >>> 32);
    }

    static int fillLimit(int capacity) {
        return capacity - (capacity >>> 2);
    }

    /**
     * Raises the level until the table is within its fill limit: values below the new level leave,
     * except heavy ones (count >= 4n/C, a rule on counts alone, never on hashes), which are pinned
     * with the level they were tracked under and stay counted exactly. At most C/4 values are pinned,
     * so sampling keeps at least half of the table.
     */
    private static void raiseLevel(MemorySegment seg, long b, int capacity) {
        final long t = b + BUCKET_TABLE_OFFSET;
        final long n = seg.get(LONG, b + BUCKET_SAMPLE_COUNT_OFFSET);
        final long heavy = Math.max(2L, (4L * n + capacity - 1) / capacity);
        int level = seg.get(INT, b + BUCKET_LEVEL_OFFSET);
        int occupied = seg.get(INT, b + BUCKET_OCCUPIED_OFFSET);
        int pinned = 0;
        for (int i = 0; i < capacity; i++) {
            if (FrequencySketchDescriptor.pinned(seg.get(LONG, t + (long) i * SLOT_LENGTH))) {
                pinned++;
            }
        }
        while (occupied > fillLimit(capacity) && level < MAX_LEVEL) {
            for (int i = 0; i < capacity; i++) {
                long addr = t + (long) i * SLOT_LENGTH;
                long e = seg.get(LONG, addr);
                if (e == 0 || FrequencySketchDescriptor.pinned(e)) {
                    continue;
                }
                if (FrequencySketchDescriptor.count(e) >= heavy && pinned < capacity >>> 2) {
                    seg.set(LONG, addr, FrequencySketchDescriptor.pin(e, level));
                    pinned++;
                } else if (FrequencySketchDescriptor.level(e) < level + 1) {
                    seg.set(LONG, addr, 0L);
                    occupied--;
                }
            }
            level++;
        }
        seg.set(INT, b + BUCKET_LEVEL_OFFSET, level);
        seg.set(INT, b + BUCKET_OCCUPIED_OFFSET, occupied);
        rehashInPlace(seg, t, capacity);
    }

    /**
     * Restores linear-probing order after removals: starting after an empty slot, every entry is
     * taken out and put back at the first free slot from its home, which is never past where it was.
     */
    private static void rehashInPlace(MemorySegment seg, long t, int capacity) {
        int start = 0;
        while (seg.get(LONG, t + (long) start * SLOT_LENGTH) != 0) {
            start++; // the fill limit leaves at least C/4 empty slots
        }
        for (int s = 1; s < capacity; s++) {
            int j = start + s;
            if (j >= capacity) {
                j -= capacity;
            }
            long addr = t + (long) j * SLOT_LENGTH;
            long e = seg.get(LONG, addr);
            if (e == 0) {
                continue;
            }
            seg.set(LONG, addr, 0L);
            int i = home(e & HASH_MASK, capacity);
            while (seg.get(LONG, t + (long) i * SLOT_LENGTH) != 0) {
                if (++i == capacity) {
                    i = 0;
                }
            }
            seg.set(LONG, t + (long) i * SLOT_LENGTH, e);
        }
    }

    // ---- reader ---------------------------------------------------------------------------------

    /**
     * Any thread. Copies the buckets that hold samples of {@code (startExclusiveMs, endInclusiveMs]}
     * into {@code out}'s scratch, retrying until the copy is consistent, then computes the answer from
     * the copy. Allocation-free once {@code out} has seen a block of this shape.
     */
    public void read(long startExclusiveMs, long endInclusiveMs, FrequencyResult out) {
        final MemorySegment seg = segment;
        final long base = offset;
        // width, count and capacity never change while the block is published, so they bound the loops
        final long width = seg.get(LONG, base + BUCKET_WIDTH_OFFSET);
        final int buckets = seg.get(INT, base + BUCKET_COUNT_OFFSET);
        final int capacity = seg.get(INT, base + TABLE_CAPACITY_OFFSET);
        out.ensureCapacity(buckets, capacity);
        for (;;) {
            final long version = SeqLock.readBegin(seg, base + VERSION_OFFSET);
            out.begin(startExclusiveMs, endInclusiveMs);
            final long coverage = seg.get(LONG, base + COVERAGE_START_OFFSET);
            final long newest = seg.get(LONG, base + NEWEST_BUCKET_OFFSET);
            if (coverage != EMPTY) {
                long oldest = Math.max(coverage, newest - buckets + 1);
                out.range(coverage * width, oldest * width, (newest + 1) * width);
                if (endInclusiveMs > startExclusiveMs) {
                    // hi - lo < buckets, so a torn newest cannot make this loop long
                    long lo = Math.max(Math.floorDiv(startExclusiveMs, width), newest - buckets + 1);
                    long hi = Math.min(Math.floorDiv(endInclusiveMs - 1, width), newest);
                    for (long k = lo; k <= hi; k++) {
                        long b = base + bucketOffset(Math.floorMod(k, buckets), capacity);
                        double w = weight(seg, b, k, startExclusiveMs, endInclusiveMs);
                        if (w > 0) {
                            out.copyBucket(seg, b, k, width, w, capacity);
                        }
                    }
                }
            }
            if (SeqLock.readValidate(seg, base + VERSION_OFFSET, version)) {
                out.finish(capacity);
                return;
            }
        }
    }

    /**
     * The share of bucket {@code k}'s samples assumed inside the window: 1 when its sample span lies
     * inside, 0 when outside or when the slot holds another bucket, else the share of the
     * milliseconds between its first and last sample that the window covers.
     */
    private static double weight(MemorySegment seg, long b, long k, long startExclusive, long endInclusive) {
        if (seg.get(LONG, b + BUCKET_INDEX_OFFSET) != k || seg.get(LONG, b + BUCKET_SAMPLE_COUNT_OFFSET) <= 0) {
            return 0;
        }
        long first = seg.get(LONG, b + BUCKET_FIRST_TS_OFFSET);
        long last = seg.get(LONG, b + BUCKET_LAST_TS_OFFSET);
        if (first > startExclusive && last <= endInclusive) {
            return 1;
        }
        if (last <= startExclusive || first > endInclusive || last < first) {
            return 0;
        }
        double inside = (double) (Math.min(endInclusive, last) - Math.max(startExclusive, first - 1));
        double w = inside / ((double) (last - first) + 1.0);
        return w <= 0 ? 0 : Math.min(w, 1.0);
    }
}
