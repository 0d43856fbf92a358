package io.weir.engine.sketch.quantile;

import static io.weir.engine.sketch.quantile.QuantileSketchDescriptor.*;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.EMPTY;

import io.weir.engine.sketch.SketchBlockFlyweight;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Typed access to a quantile sketch block laid out by {@link QuantileSketchDescriptor}, on the shared
 * {@link BucketRingFlyweight ring} (its rules for stale, too-old and out-of-order samples apply).
 *
 * <p>{@link #init} and {@link #update} are for the series' shard writer thread only; {@link #read}
 * and the header getters may run on any thread and never block the writer (seqlock). Each thread uses its own
 * instance.
 *
 * <p>A NaN other than the stale marker is a sample, counted in its bucket's NaN counter (it takes no bin, and
 * leaves min and max alone).
 */
public final class QuantileSketchFlyweight extends BucketRingFlyweight implements SketchBlockFlyweight<QuantileSketchSpec, QuantileResult> {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    /** Sides of a bucket's histogram. */
    private static final boolean POS = true;
    private static final boolean NEG = false;

    /** M of the wrapped block. */
    private int counters;
    /** Writer only: the counters a bucket should have, when {@link #update} last answered {@link #NEEDS_ROOM}. */
    private int resizeTo;
    /** Writer only: the next update keeps the block's size (a smaller block was refused). */
    private boolean keepSize;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. */
    @Override
    public QuantileSketchFlyweight wrap(MemorySegment segment, long offset) {
        counters = segment.get(INT, offset + COUNTERS_PER_BUCKET_OFFSET);
        wrapRing(segment, offset, HEADER_LENGTH, bucketLength(counters));
        return this;
    }

    /** A heap-backed block (tests, merges, copies); the same layout as in a slab. */
    public static QuantileSketchFlyweight onHeap(int seriesId, QuantileSketchSpec spec) {
        MemorySegment heap = MemorySegment.ofArray(new long[(spec.blockLength() + 7) / 8]);
        QuantileSketchFlyweight f = new QuantileSketchFlyweight().wrap(heap, 0);
        f.init(seriesId, spec);
        return f;
    }

    /**
     * Writer only, before the block is published: lays out an empty sketch at its full size, never resized (heap
     * blocks, tests: {@link #update} never answers {@link #NEEDS_ROOM}).
     */
    public void init(int seriesId, QuantileSketchSpec spec) {
        init(seriesId, spec, spec.blockLength());
        segment().set(INT, offset() + MAX_COUNTERS_OFFSET, FIXED_SIZE);
    }

    /**
     * Writer only, before the block is published: lays out an empty sketch with as many counters a bucket as
     * {@code blockBytes} hold, at most the spec's; {@link #update} asks for a larger block while that is below the
     * spec's.
     */
    @Override
    public void init(int seriesId, QuantileSketchSpec spec, long blockBytes) {
        final MemorySegment segment = segment();
        final long offset = offset();
        int m = Math.min(spec.countersPerBucket(), countersFitting(spec.bucketCount(), blockBytes));
        if (m < QuantileSketchSpec.MIN_COUNTERS) {
            throw new IllegalArgumentException(blockBytes + " bytes cannot hold " + spec.bucketCount() + " buckets of "
                + QuantileSketchSpec.MIN_COUNTERS + " counters");
        }
        segment.set(INT, offset + COUNTERS_PER_BUCKET_OFFSET, m);
        segment.set(INT, offset + MAX_COUNTERS_OFFSET, spec.countersPerBucket());
        double lnGamma = Math.log1p(spec.relativeAccuracy());
        segment.set(DOUBLE, offset + LN_GAMMA_OFFSET, lnGamma);
        segment.set(DOUBLE, offset + INV_LN_GAMMA_OFFSET, 1.0 / lnGamma);
        wrap(segment, offset); // the bucket length follows M
        initRing(seriesId, SketchFunction.Family.QUANTILE, spec.bucketWidthMillis(), spec.bucketCount());
    }

    // ---- header --------------------------------------------------------------------------------

    public int countersPerBucket() { return counters; }

    /** The most counters a bucket of this series may grow to (the spec's M); {@link #FIXED_SIZE} for a block never resized. */
    public int maxCountersPerBucket() { return segment().get(INT, offset() + MAX_COUNTERS_OFFSET); }

    /** The bin growth factor g at level 0. */
    public double gamma() { return Math.exp(segment().get(DOUBLE, offset() + LN_GAMMA_OFFSET)); }

    /** Writer's view: the collapse level of ring slot {@code slot}. */
    public int bucketLevel(int slot) {
        return segment().get(INT, slotAddress(slot) + BUCKET_LEVEL_OFFSET);
    }

    // ---- writer ---------------------------------------------------------------------------------

    @Override
    public int update(MemorySegment segment, long offset, long timestampMs, double value) {
        return wrap(segment, offset).update(timestampMs, value);
    }

    /**
     * Writer only. Adds one sample.
     *
     * @return {@link #APPLIED}, {@link #SKIPPED_TOO_OLD}, {@link #SKIPPED_BUCKET_FULL}, {@link #SKIPPED_STALE} for a
     *         stale marker the caller let through, or {@link #NEEDS_ROOM} when the sample's bucket needs more counters
     *         than the block has and the block may grow (nothing written: {@link #resizedLength}, {@link #resizeInto},
     *         then the sample again on the grown block)
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
        final int m = counters;
        // computed before the write section so the seqlock stays odd for as short as possible
        final int key0 = value > 0 || value < 0 ? key0(Math.abs(value), seg.get(DOUBLE, offset() + INV_LN_GAMMA_OFFSET)) : 0;
        final long b = placedSlot();
        if (keepSize) {
            keepSize = false;
        } else {
            int resize = resizeFor(seg, b, m, value, key0);
            if (resize != 0) {
                resizeTo = resize;
                return NEEDS_ROOM;
            }
        }
        beginWrite();
        place();
        if (startsBucket()) {
            // the slot held an expired bucket (or none): start this one empty; counters are zeroed as ranges grow
            seg.set(LONG, b + BUCKET_FIRST_TS_OFFSET, timestampMs);
            seg.set(LONG, b + BUCKET_LAST_TS_OFFSET, timestampMs);
            // a bucket started by a NaN starts min and max empty (+Inf, -Inf) for the first number
            boolean number = value == value;
            seg.set(DOUBLE, b + BUCKET_MIN_OFFSET, number ? value : Double.POSITIVE_INFINITY);
            seg.set(DOUBLE, b + BUCKET_MAX_OFFSET, number ? value : Double.NEGATIVE_INFINITY);
            seg.set(INT, b + BUCKET_ZERO_OFFSET, 0);
            seg.set(INT, b + BUCKET_POS_INF_OFFSET, 0);
            seg.set(INT, b + BUCKET_NEG_INF_OFFSET, 0);
            seg.set(INT, b + BUCKET_LEVEL_OFFSET, 0);
            seg.set(INT, b + BUCKET_POS_LEN_OFFSET, 0);
            seg.set(INT, b + BUCKET_NEG_LEN_OFFSET, 0);
            seg.set(INT, b + BUCKET_DROPPED_OFFSET, 0);
            seg.set(INT, b + BUCKET_NAN_OFFSET, 0);
        } else {
            if (timestampMs < seg.get(LONG, b + BUCKET_FIRST_TS_OFFSET)) {
                seg.set(LONG, b + BUCKET_FIRST_TS_OFFSET, timestampMs);
            }
            if (timestampMs > seg.get(LONG, b + BUCKET_LAST_TS_OFFSET)) {
                seg.set(LONG, b + BUCKET_LAST_TS_OFFSET, timestampMs);
            }
            if (value < seg.get(DOUBLE, b + BUCKET_MIN_OFFSET)) {
                seg.set(DOUBLE, b + BUCKET_MIN_OFFSET, value);
            }
            if (value > seg.get(DOUBLE, b + BUCKET_MAX_OFFSET)) {
                seg.set(DOUBLE, b + BUCKET_MAX_OFFSET, value);
            }
        }
        if (value > 0) {
            if (value == Double.POSITIVE_INFINITY) {
                seg.set(INT, b + BUCKET_POS_INF_OFFSET, seg.get(INT, b + BUCKET_POS_INF_OFFSET) + 1);
            } else {
                addKey(seg, b, m, POS, key0);
            }
        } else if (value < 0) {
            if (value == Double.NEGATIVE_INFINITY) {
                seg.set(INT, b + BUCKET_NEG_INF_OFFSET, seg.get(INT, b + BUCKET_NEG_INF_OFFSET) + 1);
            } else {
                addKey(seg, b, m, NEG, key0);
            }
        } else if (value == 0) {
            seg.set(INT, b + BUCKET_ZERO_OFFSET, seg.get(INT, b + BUCKET_ZERO_OFFSET) + 1);
        } else {
            seg.set(INT, b + BUCKET_NAN_OFFSET, seg.get(INT, b + BUCKET_NAN_OFFSET) + 1);
        }
        endWrite();
        return APPLIED;
    }

    /**
     * Writer only, before the write section: the counters a bucket should have before the sample, or 0 to add it as
     * the block is. A bucket that would collapse with this block's M grows the block first while M is below the
     * spec's, so a bucket collapses only where one of the full size would. When a sample starts a bucket and the
     * widest buckets have left the ring, the block shrinks to what the others need (a counter restarting from 0 needs
     * ~1,000 bins for a while, then a few); looked at once a ring (when the bucket starting is a multiple of the
     * ring's length), as the look reads every bucket's header: at 10,000 series of 15 s samples (a bucket of a 1 h
     * window every fourth sample) a look on every quarter ring cost ~80 % of an update (SketchUpdateBenchmark, the
     * headers out of cache). A shrink comes at most a window after the widest bucket left. Out of {@link #update} so
     * that stays small.
     */
    private int resizeFor(MemorySegment seg, long b, int m, double value, int key0) {
        if (startsBucket()) {
            if (m > QuantileSketchSpec.MIN_COUNTERS && shrinkLookDue() && maxCountersPerBucket() != FIXED_SIZE) {
                int widest = widestLiveBucket(seg);
                int target = Math.max(QuantileSketchSpec.MIN_COUNTERS, (widest + (widest >> 1) + 3) & ~3);
                if (shrinkPays(widest, m, blockLength(bucketCount(), target), blockLength(bucketCount(), m))) {
                    return target;
                }
            }
            return 0;
        }
        if ((value > 0 || value < 0) && !Double.isInfinite(value)) {
            int need = countersNeeded(seg, b, value > 0, key0);
            if (need > m && m < maxCountersPerBucket()) {
                return Math.min(maxCountersPerBucket(), (Math.max(need, m + (m >> 1)) + 3) & ~3);
            }
        }
        return 0;
    }

    /** Counters bucket {@code b} needs to take {@code key0} on its side at its level: 0 when the key is in range. */
    private static int countersNeeded(MemorySegment seg, long b, boolean side, int key0) {
        int key = keyAt(key0, seg.get(INT, b + BUCKET_LEVEL_OFFSET));
        int lo = seg.get(INT, b + (side ? BUCKET_POS_LO_OFFSET : BUCKET_NEG_LO_OFFSET));
        int len = seg.get(INT, b + (side ? BUCKET_POS_LEN_OFFSET : BUCKET_NEG_LEN_OFFSET));
        if (len > 0 && key >= lo && key - lo < len) {
            return 0;
        }
        long newLen = len == 0 ? 1 : (long) Math.max(lo + len - 1, key) - Math.min(lo, key) + 1;
        return (int) Math.min(Integer.MAX_VALUE, newLen + seg.get(INT, b + (side ? BUCKET_NEG_LEN_OFFSET : BUCKET_POS_LEN_OFFSET)));
    }

    /** Counters the widest live bucket needs ({@link #maxOverLiveBuckets}). */
    private int widestLiveBucket(MemorySegment seg) {
        return maxOverLiveBuckets(s -> seg.get(INT, s + BUCKET_POS_LEN_OFFSET) + seg.get(INT, s + BUCKET_NEG_LEN_OFFSET));
    }

    /**
     * Writer only, after {@link #update} answered {@link #NEEDS_ROOM}: bytes of the block to move into. Growing: room
     * for what the bucket needed and at least half as many counters again (so a bucket widening bin by bin costs a
     * logarithmic number of copies), at most the spec's M. Shrinking: half as many again as the widest bucket left.
     */
    @Override
    public long resizedLength() {
        return QuantileSketchDescriptor.blockLength(bucketCount(), resizeTo);
    }

    @Override
    public void keepSizeOnce() {
        keepSize = true;
    }

    /** Writer only: M stays as it is (the memory limit refused a larger block); buckets collapse from now on. */
    @Override
    public void capGrowth() {
        segment().set(INT, offset() + MAX_COUNTERS_OFFSET, counters);
    }

    /**
     * Writer only, no write in progress: copies this block into {@code dst} (not yet published) with as many counters
     * a bucket as {@code dstBytes} hold, at most the spec's and at least what every bucket in the ring needs: the same
     * buckets, bins and counts, the negative side moved to the new end; expired slots are left empty. The copy
     * answers every read as this block does.
     */
    @Override
    public void resizeInto(MemorySegment dst, long dstOffset, long dstBytes) {
        final MemorySegment seg = segment();
        final int m = counters;
        final int sized = Math.min(maxCountersPerBucket(), countersFitting(bucketCount(), dstBytes));
        copyRingInto(dst, dstOffset, HEADER_LENGTH, BUCKET_COUNTERS_OFFSET, bucketLength(sized), (slot, s, d, to) -> {
            int posLen = Math.clamp(seg.get(INT, s + BUCKET_POS_LEN_OFFSET), 0, m);
            int negLen = Math.clamp(seg.get(INT, s + BUCKET_NEG_LEN_OFFSET), 0, m - posLen);
            if (posLen + negLen > sized) {
                throw new IllegalArgumentException(dstBytes + " bytes hold fewer counters than bucket " + slot + " needs");
            }
            MemorySegment.copy(seg, s + counterOffset(0), d, to + counterOffset(0), (long) posLen * COUNTER_LENGTH);
            MemorySegment.copy(seg, s + counterOffset(m - negLen), d, to + counterOffset(sized - negLen),
                (long) negLen * COUNTER_LENGTH);
        });
        dst.set(INT, dstOffset + COUNTERS_PER_BUCKET_OFFSET, sized);
    }

    /** Level-0 bin key of a finite magnitude > 0: {@code ceil(log_g(v))}. */
    static int key0(double magnitude, double invLnGamma) {
        return (int) Math.ceil(Math.log(magnitude) * invLnGamma);
    }

    /** The key at {@code level} of a level-0 key: {@code ceil(key0 / 2^level)}. */
    static int keyAt(int key0, int level) {
        return -((-key0) >> level);
    }

    private static int regionStart(boolean side, int len, int m) {
        return side ? 0 : m - len;
    }

    private static void addKey(MemorySegment seg, long b, int m, boolean side, int key0) {
        final long loOff = b + (side ? BUCKET_POS_LO_OFFSET : BUCKET_NEG_LO_OFFSET);
        final long lenOff = b + (side ? BUCKET_POS_LEN_OFFSET : BUCKET_NEG_LEN_OFFSET);
        int key = keyAt(key0, seg.get(INT, b + BUCKET_LEVEL_OFFSET));
        int lo = seg.get(INT, loOff);
        int len = seg.get(INT, lenOff);
        int idx = key - lo;
        if (len == 0 || idx < 0 || idx >= len) {
            grow(seg, b, m, side, key0);
            key = keyAt(key0, seg.get(INT, b + BUCKET_LEVEL_OFFSET));
            lo = seg.get(INT, loOff);
            len = seg.get(INT, lenOff);
            idx = key - lo;
        }
        long c = b + counterOffset(regionStart(side, len, m) + idx);
        int v = Short.toUnsignedInt(seg.get(SHORT, c));
        if (v < COUNTER_MAX) {
            seg.set(SHORT, c, (short) (v + 1));
        } else {
            seg.set(INT, b + BUCKET_DROPPED_OFFSET, seg.get(INT, b + BUCKET_DROPPED_OFFSET) + 1);
        }
    }

    /** Widens one side's key range to take {@code key0}, collapsing the bucket while both sides do not fit. */
    private static void grow(MemorySegment seg, long b, int m, boolean side, int key0) {
        final long loOff = b + (side ? BUCKET_POS_LO_OFFSET : BUCKET_NEG_LO_OFFSET);
        final long lenOff = b + (side ? BUCKET_POS_LEN_OFFSET : BUCKET_NEG_LEN_OFFSET);
        final long otherLenOff = b + (side ? BUCKET_NEG_LEN_OFFSET : BUCKET_POS_LEN_OFFSET);
        for (;;) {
            int level = seg.get(INT, b + BUCKET_LEVEL_OFFSET);
            int key = keyAt(key0, level);
            int lo = seg.get(INT, loOff);
            int len = seg.get(INT, lenOff);
            int newLo = len == 0 ? key : Math.min(lo, key);
            int newHi = len == 0 ? key : Math.max(lo + len - 1, key);
            long newLen = (long) newHi - newLo + 1;
            if (newLen + seg.get(INT, otherLenOff) <= m || level >= MAX_LEVEL) {
                int start = regionStart(side, len, m);
                int newStart = regionStart(side, (int) newLen, m);
                if (len > 0) {
                    int dst = newStart + (lo - newLo);
                    MemorySegment.copy(seg, b + counterOffset(start), seg, b + counterOffset(dst), (long) len * COUNTER_LENGTH);
                    zero(seg, b, newStart, dst);
                    zero(seg, b, dst + len, newStart + (int) newLen);
                } else {
                    zero(seg, b, newStart, newStart + (int) newLen);
                }
                seg.set(INT, loOff, newLo);
                seg.set(INT, lenOff, (int) newLen);
                return;
            }
            collapse(seg, b, m);
        }
    }

    private static void zero(MemorySegment seg, long b, int from, int to) {
        for (int i = from; i < to; i++) {
            seg.set(SHORT, b + counterOffset(i), (short) 0);
        }
    }

    /** Merges adjacent bins pairwise on both sides: key -> ceil(key / 2), g -> g^2. */
    private static void collapse(MemorySegment seg, long b, int m) {
        collapseSide(seg, b, m, POS);
        collapseSide(seg, b, m, NEG);
        seg.set(INT, b + BUCKET_LEVEL_OFFSET, seg.get(INT, b + BUCKET_LEVEL_OFFSET) + 1);
    }

    private static void collapseSide(MemorySegment seg, long b, int m, boolean side) {
        final long loOff = b + (side ? BUCKET_POS_LO_OFFSET : BUCKET_NEG_LO_OFFSET);
        final long lenOff = b + (side ? BUCKET_POS_LEN_OFFSET : BUCKET_NEG_LEN_OFFSET);
        int lo = seg.get(INT, loOff);
        int len = seg.get(INT, lenOff);
        if (len == 0) {
            return;
        }
        int newLo = keyAt(lo, 1);
        int newLen = keyAt(lo + len - 1, 1) - newLo + 1;
        int start = regionStart(side, len, m);
        int dropped = 0;
        // target index <= source index, and every target slot was read before it is written
        for (int i = 0; i < len; i++) {
            long src = b + counterOffset(start + i);
            int c = Short.toUnsignedInt(seg.get(SHORT, src));
            seg.set(SHORT, src, (short) 0);
            if (c != 0) {
                long dst = b + counterOffset(start + keyAt(lo + i, 1) - newLo);
                int sum = Short.toUnsignedInt(seg.get(SHORT, dst)) + c;
                if (sum > COUNTER_MAX) {
                    dropped += sum - COUNTER_MAX;
                    sum = COUNTER_MAX;
                }
                seg.set(SHORT, dst, (short) sum);
            }
        }
        int newStart = regionStart(side, newLen, m);
        if (newStart != start) {
            // the negative side is right-aligned: move the collapsed counters to the end
            MemorySegment.copy(seg, b + counterOffset(start), seg, b + counterOffset(newStart), (long) newLen * COUNTER_LENGTH);
            zero(seg, b, start, newStart);
        }
        seg.set(INT, loOff, newLo);
        seg.set(INT, lenOff, newLen);
        if (dropped != 0) {
            seg.set(INT, b + BUCKET_DROPPED_OFFSET, seg.get(INT, b + BUCKET_DROPPED_OFFSET) + dropped);
        }
    }

    // ---- reader ---------------------------------------------------------------------------------

    /**
     * Any thread. Copies the buckets that hold samples of {@code (startExclusiveMs, endInclusiveMs]} into
     * {@code out}'s scratch, retrying until the copy is consistent, then merges them there. Allocation-free
     * once {@code out} has seen a block of this size.
     */
    @Override
    public void read(long startExclusiveMs, long endInclusiveMs, QuantileResult out) {
        final MemorySegment seg = segment();
        // these never change while the block is published, so they can bound the loops
        final int m = counters;
        final double lnGamma = seg.get(DOUBLE, offset() + LN_GAMMA_OFFSET);
        final int bucketLength = bucketLength(m);
        final MemorySegment scratch = out.scratch(bucketCount(), bucketLength);
        for (;;) {
            final long version = readBegin();
            final long coverage = coverageStartBucket();
            final long newest = newestBucket();
            int copied = 0;
            if (coverage != EMPTY && endInclusiveMs > startExclusiveMs) {
                openWindow(startExclusiveMs, endInclusiveMs, newest);
                while (nextBucket()) {
                    long b = windowSlot();
                    long dst = (long) copied * bucketLength;
                    MemorySegment.copy(seg, b, scratch, dst, BUCKET_COUNTERS_OFFSET);
                    // lengths may be torn: clamp so the copy stays inside the bucket; validation rejects it later
                    int posLen = Math.clamp(scratch.get(INT, dst + BUCKET_POS_LEN_OFFSET), 0, m);
                    int negLen = Math.clamp(scratch.get(INT, dst + BUCKET_NEG_LEN_OFFSET), 0, m);
                    MemorySegment.copy(seg, b + counterOffset(0), scratch, dst + counterOffset(0), (long) posLen * COUNTER_LENGTH);
                    MemorySegment.copy(seg, b + counterOffset(m - negLen), scratch, dst + counterOffset(m - negLen),
                        (long) negLen * COUNTER_LENGTH);
                    copied++;
                }
            }
            if (readValidate(version)) {
                out.begin(startExclusiveMs, endInclusiveMs);
                if (coverage != EMPTY) {
                    retained(coverage, newest, out);
                }
                out.merge(copied, bucketLength, m, lnGamma);
                return;
            }
        }
    }
}
