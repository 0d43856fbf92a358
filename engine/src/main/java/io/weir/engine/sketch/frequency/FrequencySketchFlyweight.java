package io.weir.engine.sketch.frequency;

import static io.weir.engine.sketch.frequency.FrequencySketchDescriptor.*;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.BUCKET_SAMPLE_COUNT_OFFSET;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.EMPTY;

import io.weir.engine.sketch.SketchBlockFlyweight;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Typed access to a frequency sketch block laid out by {@link FrequencySketchDescriptor}, on the shared
 * {@link BucketRingFlyweight ring} (its rules for stale, too-old and out-of-order samples apply).
 *
 * <p>{@link #init} and {@link #update} are for the series' shard writer thread only; {@link #read}
 * and the header getters may run on any thread and never block the writer (seqlock). Each thread uses its own
 * instance.
 *
 * <p>Value identity is the IEEE-754 bit pattern with -0.0 folded into 0.0: 1.0 and 1.0000000000000002
 * are distinct values, every NaN is one more value (one, whatever its payload), and the Prometheus stale
 * marker, which is no sample, is skipped and counted.
 *
 * <p>Within a bucket the value table counts every value exactly until it is 3/4 full; then the bucket raises its
 * sampling level (keeps only values whose hash has at least {@code level} leading zeros, p = 2^-level)
 * and pins its heavy values (count >= 4n/C, at most C/4 of them), which stay counted exactly.
 */
public final class FrequencySketchFlyweight extends BucketRingFlyweight implements SketchBlockFlyweight<FrequencySketchSpec, FrequencyResult> {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final double LN2 = Math.log(2.0);

    /** C of the wrapped block. */
    private int capacity;
    /** Writer only: the slots a bucket should have, when {@link #update} last answered {@link #NEEDS_ROOM}. */
    private int resizeTo;
    /** Writer only: the next {@link #update} keeps the block's size (the memory limit refused a smaller block). */
    private boolean keepSize;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. */
    @Override
    public FrequencySketchFlyweight wrap(MemorySegment segment, long offset) {
        capacity = segment.get(INT, offset + TABLE_CAPACITY_OFFSET);
        wrapRing(segment, offset, HEADER_LENGTH, bucketLength(capacity));
        return this;
    }

    /** A heap-backed block (tests, merges, copies); the same layout as in a slab. */
    public static FrequencySketchFlyweight onHeap(int seriesId, FrequencySketchSpec spec) {
        MemorySegment heap = MemorySegment.ofArray(new long[(spec.blockLength() + 7) / 8]);
        FrequencySketchFlyweight f = new FrequencySketchFlyweight().wrap(heap, 0);
        f.init(seriesId, spec);
        return f;
    }

    /**
     * Writer only, before the block is published: lays out an empty sketch at its full size, never resized (heap
     * blocks, tests: {@link #update} never answers {@link #NEEDS_ROOM}).
     */
    public void init(int seriesId, FrequencySketchSpec spec) {
        init(seriesId, spec, spec.blockLength());
        segment().set(INT, offset() + MAX_TABLE_CAPACITY_OFFSET, FIXED_SIZE);
    }

    /**
     * Writer only, before the block is published: lays out an empty sketch with as many slots a bucket as
     * {@code blockBytes} hold, at most the spec's; {@link #update} asks for a larger block while that is below the
     * spec's.
     */
    @Override
    public void init(int seriesId, FrequencySketchSpec spec, long blockBytes) {
        int c = Math.min(spec.tableCapacity(), capacityFitting(spec.bucketCount(), blockBytes));
        if (c < FrequencySketchSpec.MIN_TABLE_CAPACITY) {
            throw new IllegalArgumentException(blockBytes + " bytes cannot hold " + spec.bucketCount() + " buckets of "
                + FrequencySketchSpec.MIN_TABLE_CAPACITY + " slots");
        }
        segment().set(INT, offset() + TABLE_CAPACITY_OFFSET, c);
        segment().set(INT, offset() + MAX_TABLE_CAPACITY_OFFSET, spec.tableCapacity());
        wrap(segment(), offset()); // the bucket length follows C
        initRing(seriesId, SketchFunction.Family.FREQUENCY, spec.bucketWidthMillis(), spec.bucketCount());
    }

    // ---- header --------------------------------------------------------------------------------

    public int tableCapacity() { return capacity; }

    /** The most slots a bucket of this series may grow to (the spec's C). */
    public int maxTableCapacity() { return segment().get(INT, offset() + MAX_TABLE_CAPACITY_OFFSET); }

    /** Writer's view of ring slot {@code slot}'s sampling level (diagnostics, tests). */
    public int bucketLevel(int slot) {
        return segment().get(INT, slotAddress(slot) + BUCKET_LEVEL_OFFSET);
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

    @Override
    public int update(MemorySegment segment, long offset, long timestampMs, double value) {
        return wrap(segment, offset).update(timestampMs, value);
    }

    /**
     * Writer only. Adds one sample.
     *
     * @return {@link #APPLIED}, {@link #SKIPPED_STALE}, {@link #SKIPPED_TOO_OLD}, {@link #SKIPPED_BUCKET_FULL}, or
     *         {@link #NEEDS_ROOM} when the sample's bucket would start sampling with this block's table and the block may
     *         grow (nothing written: {@link #resizedLength}, {@link #resizeInto}, then the sample again on the grown block)
     */
    public int update(long timestampMs, double value) {
        if (StaleMarker.is(value)) {
            return countStale();
        }
        final int located = locate(timestampMs);
        if (located != APPLIED) {
            return located;
        }
        final MemorySegment seg = segment();
        final int capacity = this.capacity;
        final long bits = canonicalBits(value);
        final long key = key(bits);
        final long b = placedSlot();
        final long width = bucketWidthMillis();
        final long quantum = (timestampMs - 1 - placedBucket() * width) * QUANTA / width;
        if (keepSize) {
            keepSize = false;
        } else if (startsBucket() ? asksToShrink(seg, capacity) : asksForRoom(seg, b, capacity, key)) {
            return NEEDS_ROOM;
        }
        beginWrite();
        place();
        if (startsBucket()) {
            startBucket(seg, b, capacity, timestampMs, bits);
        } else {
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
        count(seg, b, capacity, key, quantum);
        endWrite();
        return APPLIED;
    }

    /** A bucket's payload as its first sample leaves it (the ring has tagged and counted the slot). */
    private static void startBucket(MemorySegment seg, long b, int capacity, long timestampMs, long bits) {
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

    /**
     * Whether bucket {@code b} would raise its sampling level to take {@code key} while the block may grow: then the
     * block grows first, so a bucket samples only where one of the full size would. An in-order bucket (a counter's)
     * samples at the size it has instead: its runs answer distinct, l2 and entropy exactly, and its table is read only
     * by windows that also hold an out-of-order bucket (a reset), as a sampled table. Out of {@link #update} so that
     * stays small enough to be inlined.
     */
    private boolean asksForRoom(MemorySegment seg, long b, int capacity, long key) {
        if (seg.get(INT, b + BUCKET_IN_ORDER_OFFSET) != 0) {
            return false;
        }
        int occupied = seg.get(INT, b + BUCKET_OCCUPIED_OFFSET);
        if (occupied >= fillLimit(capacity) && capacity < maxTableCapacity() && !tracks(seg, b, capacity, key)) {
            // half as many slots again (a bucket filling value by value costs a logarithmic number of copies)
            resizeTo = Math.min(maxTableCapacity(), Math.max(capacity + (capacity >> 1), roomFor(occupied)));
            return true;
        }
        return false;
    }

    /**
     * Whether the block should move into a smaller one as a sample starts a bucket: once the buckets that needed large
     * tables have left the ring (a gauge whose values grew fewer, a job that stopped reporting per-request values),
     * the tables shrink to what the widest live bucket holds, so memory follows the data down as well as up
     * ({@link #shrinkLookDue}, {@link #shrinkPays}); only a block that may grow again (not a fixed-size one) shrinks,
     * so a bucket still never samples where a full-size table would not.
     */
    private boolean asksToShrink(MemorySegment seg, int capacity) {
        if (capacity <= FrequencySketchSpec.MIN_TABLE_CAPACITY || maxTableCapacity() == FIXED_SIZE || !shrinkLookDue()) {
            return false;
        }
        final int buckets = bucketCount();
        int widest = maxOverLiveBuckets(s -> seg.get(INT, s + BUCKET_OCCUPIED_OFFSET));
        int target = Math.max(FrequencySketchSpec.MIN_TABLE_CAPACITY, roomFor(widest));
        if (shrinkPays(widest, capacity, FrequencySketchDescriptor.blockLength(buckets, target),
            FrequencySketchDescriptor.blockLength(buckets, capacity))) {
            resizeTo = target;
            return true;
        }
        return false;
    }

    /** Slots that hold {@code occupied} values below the fill limit with room for half as many again. */
    private static int roomFor(int occupied) {
        return occupied + (occupied >> 1) + 2;
    }

    /** Whether bucket {@code b}'s table holds {@code key}, or would not take it at the bucket's level. */
    private static boolean tracks(MemorySegment seg, long b, int capacity, long key) {
        if (FrequencySketchDescriptor.level(key) < seg.get(INT, b + BUCKET_LEVEL_OFFSET)) {
            return true;
        }
        final long t = b + BUCKET_TABLE_OFFSET;
        int i = home(key, capacity);
        for (;;) {
            long e = seg.get(LONG, t + (long) i * SLOT_LENGTH);
            if (e == 0) {
                return false;
            }
            if ((e & HASH_MASK) == key) {
                return true;
            }
            if (++i == capacity) {
                i = 0;
            }
        }
    }

    /**
     * Writer only, after {@link #update} answered {@link #NEEDS_ROOM}: bytes of the block to move into. Growing: half as
     * many slots again, at most the spec's C; shrinking: half as many again as the widest live bucket holds.
     */
    @Override
    public long resizedLength() {
        return FrequencySketchDescriptor.blockLength(bucketCount(), resizeTo);
    }

    @Override
    public void keepSizeOnce() {
        keepSize = true;
    }

    /** Writer only: C stays as it is (the memory limit refused a larger block); buckets sample from now on. */
    @Override
    public void capGrowth() {
        segment().set(INT, offset() + MAX_TABLE_CAPACITY_OFFSET, capacity);
    }

    /**
     * Writer only, no write in progress: copies this block into {@code dst} (not yet published) with as many slots a
     * bucket as {@code dstBytes} hold, at most the spec's and at least what every live bucket holds below the fill
     * limit: the same buckets, their values rehashed into the new tables; expired slots are left empty. The copy
     * answers every read as this block does (to the order of floating-point sums over slots).
     */
    @Override
    public void resizeInto(MemorySegment dst, long dstOffset, long dstBytes) {
        final MemorySegment seg = segment();
        final int c = capacity;
        final int grown = Math.min(maxTableCapacity(), capacityFitting(bucketCount(), dstBytes));
        copyRingInto(dst, dstOffset, HEADER_LENGTH, BUCKET_TABLE_OFFSET, bucketLength(grown), (slot, s, d, to) -> {
            if (grown < c && seg.get(INT, s + BUCKET_OCCUPIED_OFFSET) > fillLimit(grown)) {
                throw new IllegalArgumentException(dstBytes + " bytes hold fewer slots than bucket " + slot + " needs");
            }
            long dt = to + BUCKET_TABLE_OFFSET;
            for (int j = 0; j < grown; j++) {
                d.set(LONG, dt + (long) j * SLOT_LENGTH, 0L);
            }
            long st = s + BUCKET_TABLE_OFFSET;
            for (int j = 0; j < c; j++) {
                long e = seg.get(LONG, st + (long) j * SLOT_LENGTH);
                if (e != 0) {
                    int h = home(e & HASH_MASK, grown);
                    while (d.get(LONG, dt + (long) h * SLOT_LENGTH) != 0) {
                        if (++h == grown) {
                            h = 0;
                        }
                    }
                    d.set(LONG, dt + (long) h * SLOT_LENGTH, e);
                }
            }
        });
        dst.set(INT, dstOffset + TABLE_CAPACITY_OFFSET, grown);
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
        final long n = seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
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
    @Override
    public void read(long startExclusiveMs, long endInclusiveMs, FrequencyResult out) {
        final MemorySegment seg = segment();
        // width, count and capacity never change while the block is published, so they bound the loops
        final long width = bucketWidthMillis();
        final int capacity = this.capacity;
        out.ensureCapacity(bucketCount(), capacity);
        for (;;) {
            final long version = readBegin();
            out.begin(startExclusiveMs, endInclusiveMs);
            final long coverage = coverageStartBucket();
            final long newest = newestBucket();
            if (coverage != EMPTY) {
                retained(coverage, newest, out);
                if (endInclusiveMs > startExclusiveMs) {
                    openWindow(startExclusiveMs, endInclusiveMs, newest);
                    while (nextBucket()) {
                        long b = windowSlot();
                        double w = share(seg.get(LONG, b + BUCKET_FIRST_TS_OFFSET), seg.get(LONG, b + BUCKET_LAST_TS_OFFSET),
                            startExclusiveMs, endInclusiveMs);
                        if (w > 0) {
                            out.copyBucket(seg, b, windowBucket(), width, w, capacity);
                        }
                    }
                }
            }
            if (readValidate(version)) {
                out.finish(capacity);
                return;
            }
        }
    }
}
