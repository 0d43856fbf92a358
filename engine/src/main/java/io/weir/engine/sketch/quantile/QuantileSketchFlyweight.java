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

    /** Writer only, before the block is published: lays out an empty sketch. */
    @Override
    public void init(int seriesId, QuantileSketchSpec spec) {
        final MemorySegment segment = segment();
        final long offset = offset();
        segment.set(INT, offset + COUNTERS_PER_BUCKET_OFFSET, spec.countersPerBucket());
        double lnGamma = Math.log1p(spec.relativeAccuracy());
        segment.set(DOUBLE, offset + LN_GAMMA_OFFSET, lnGamma);
        segment.set(DOUBLE, offset + INV_LN_GAMMA_OFFSET, 1.0 / lnGamma);
        wrap(segment, offset); // the bucket length follows M
        initRing(seriesId, SketchFunction.Family.QUANTILE, spec.bucketWidthMillis(), spec.bucketCount());
    }

    // ---- header --------------------------------------------------------------------------------

    public int countersPerBucket() { return counters; }

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
     * @return {@link #APPLIED}, {@link #SKIPPED_TOO_OLD}, {@link #SKIPPED_BUCKET_FULL}, or {@link #SKIPPED_STALE} for a
     *         stale marker the caller let through
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
