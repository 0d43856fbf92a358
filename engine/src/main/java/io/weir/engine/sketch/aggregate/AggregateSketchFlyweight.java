package io.weir.engine.sketch.aggregate;

import static io.weir.engine.sketch.aggregate.AggregateSketchDescriptor.*;

import io.weir.engine.sketch.SketchBlockFlyweight;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Typed access to an aggregate sketch block laid out by {@link AggregateSketchDescriptor}, on the shared
 * {@link BucketRingFlyweight ring} (its rules for stale, too-old and out-of-order samples apply).
 *
 * <p>{@link #init} and {@link #update} are for the series' shard writer thread only; {@link #read}
 * and the header getters may run on any thread and never block the writer (seqlock). Each thread uses its own
 * instance.
 *
 * <p>A NaN other than the stale marker is a sample: it counts, makes its bucket's shift (and so its sums) NaN, and
 * leaves min and max alone.
 */
public final class AggregateSketchFlyweight extends BucketRingFlyweight implements SketchBlockFlyweight<AggregateSketchSpec, AggregateResult> {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. */
    @Override
    public AggregateSketchFlyweight wrap(MemorySegment segment, long offset) {
        wrapRing(segment, offset, HEADER_LENGTH, BUCKET_LENGTH);
        return this;
    }

    /** A heap-backed block (tests, merges, copies); the same layout as in a slab. */
    public static AggregateSketchFlyweight onHeap(int seriesId, AggregateSketchSpec spec) {
        MemorySegment heap = MemorySegment.ofArray(new long[(spec.blockLength() + 7) / 8]);
        AggregateSketchFlyweight f = new AggregateSketchFlyweight().wrap(heap, 0);
        f.init(seriesId, spec);
        return f;
    }

    /** Writer only, before the block is published: lays out an empty sketch. */
    public void init(int seriesId, AggregateSketchSpec spec) {
        initRing(seriesId, SketchFunction.Family.AGGREGATE, spec.bucketWidthMillis(), spec.bucketCount());
    }

    /** Writer only, before the block is published: lays out an empty sketch (its buckets are fixed: one size). */
    @Override
    public void init(int seriesId, AggregateSketchSpec spec, long blockBytes) {
        init(seriesId, spec);
    }

    // ---- buckets (by ring slot) -----------------------------------------------------------------

    /** n*K + sum(x-K), rounded once (readers keep it as an exact pair). */
    public double bucketSum(int slot) {
        final MemorySegment segment = segment();
        long b = slotAddress(slot);
        AggregateResult r = new AggregateResult();
        r.mergeBucket(1.0, segment.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET), segment.get(DOUBLE, b + BUCKET_SHIFT_OFFSET),
            segment.get(DOUBLE, b + BUCKET_DEV_OFFSET), segment.get(DOUBLE, b + BUCKET_DEV_COMP_OFFSET),
            segment.get(DOUBLE, b + BUCKET_DEV2_OFFSET), segment.get(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET),
            segment.get(DOUBLE, b + BUCKET_MIN_OFFSET), segment.get(DOUBLE, b + BUCKET_MAX_OFFSET));
        r.finish();
        return r.sum();
    }

    public double bucketMin(int slot) { return segment().get(DOUBLE, slotAddress(slot) + BUCKET_MIN_OFFSET); }

    public double bucketMax(int slot) { return segment().get(DOUBLE, slotAddress(slot) + BUCKET_MAX_OFFSET); }

    // ---- writer ---------------------------------------------------------------------------------

    @Override
    public int update(MemorySegment segment, long offset, long timestampMs, double value) {
        return wrap(segment, offset).update(timestampMs, value);
    }

    /**
     * Writer only. Adds one sample.
     *
     * @return {@link #APPLIED}, {@link #SKIPPED_STALE}, {@link #SKIPPED_TOO_OLD} or {@link #SKIPPED_BUCKET_FULL}
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
        final long b = placedSlot();
        final int tsOffset = (int) (timestampMs - placedBucket() * bucketWidthMillis()); // in [1, W]
        beginWrite();
        place();
        if (startsBucket()) {
            // NaN for ±Inf, so the variance of an infinite bucket is NaN; a NaN sample makes the shift NaN, the
            // bucket's mark that it holds one, and starts min and max empty (+Inf, -Inf) for the first number
            double d = value - value;
            boolean number = value == value;
            seg.set(INT, b + BUCKET_FIRST_TS_OFFSET, tsOffset);
            seg.set(INT, b + BUCKET_LAST_TS_OFFSET, tsOffset);
            seg.set(DOUBLE, b + BUCKET_SHIFT_OFFSET, value);
            seg.set(DOUBLE, b + BUCKET_DEV_OFFSET, d);
            seg.set(DOUBLE, b + BUCKET_DEV_COMP_OFFSET, 0.0);
            seg.set(DOUBLE, b + BUCKET_DEV2_OFFSET, d * d);
            seg.set(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET, 0.0);
            seg.set(DOUBLE, b + BUCKET_MIN_OFFSET, number ? value : Double.POSITIVE_INFINITY);
            seg.set(DOUBLE, b + BUCKET_MAX_OFFSET, number ? value : Double.NEGATIVE_INFINITY);
        } else {
            if (tsOffset < seg.get(INT, b + BUCKET_FIRST_TS_OFFSET)) {
                seg.set(INT, b + BUCKET_FIRST_TS_OFFSET, tsOffset);
            }
            if (tsOffset > seg.get(INT, b + BUCKET_LAST_TS_OFFSET)) {
                seg.set(INT, b + BUCKET_LAST_TS_OFFSET, tsOffset);
            }
            if (value != value) {
                // the bucket's mark that it holds a NaN: readers take its sums as NaN and ignore S1 and S2
                seg.set(DOUBLE, b + BUCKET_SHIFT_OFFSET, value);
            } else {
                double shift = seg.get(DOUBLE, b + BUCKET_SHIFT_OFFSET);
                double d = value - shift;
                // what value - K rounded away (exact, by TwoSum) joins S1's compensation, so a bucket's sum keeps
                // small values next to huge ones as Prometheus 3's compensated sum over the raw values does
                double back = d - value;
                addCompensated(seg, b + BUCKET_DEV_OFFSET, b + BUCKET_DEV_COMP_OFFSET, d, (value - (d - back)) + (-shift - back));
                addCompensated(seg, b + BUCKET_DEV2_OFFSET, b + BUCKET_DEV2_COMP_OFFSET, d * d, 0.0);
                if (value < seg.get(DOUBLE, b + BUCKET_MIN_OFFSET)) {
                    seg.set(DOUBLE, b + BUCKET_MIN_OFFSET, value);
                }
                if (value > seg.get(DOUBLE, b + BUCKET_MAX_OFFSET)) {
                    seg.set(DOUBLE, b + BUCKET_MAX_OFFSET, value);
                }
            }
        }
        endWrite();
        return APPLIED;
    }

    /** Adds {@code x} to a compensated pair, and {@code error} (what forming x rounded away) to its compensation. */
    private static void addCompensated(MemorySegment seg, long hiOffset, long loOffset, double x, double error) {
        double hi = seg.get(DOUBLE, hiOffset);
        double t = hi + x;
        seg.set(DOUBLE, loOffset, CompensatedSum.compensation(hi, x, t, seg.get(DOUBLE, loOffset)) + error);
        seg.set(DOUBLE, hiOffset, t);
    }

    // ---- reader ---------------------------------------------------------------------------------

    /**
     * Any thread. Merges the buckets that hold samples of {@code (startExclusiveMs, endInclusiveMs]}
     * into {@code out}, retrying until it has read a consistent state. Allocation-free.
     */
    @Override
    public void read(long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        final MemorySegment seg = segment();
        // width never changes while the block is published
        final long width = bucketWidthMillis();
        for (;;) {
            final long version = readBegin();
            out.begin(startExclusiveMs, endInclusiveMs);
            final long coverage = coverageStartBucket();
            final long newest = newestBucket();
            if (coverage != EMPTY) {
                retained(coverage, newest, out);
                if (endInclusiveMs > startExclusiveMs) {
                    double firstShift = Double.NaN;
                    openWindow(startExclusiveMs, endInclusiveMs, newest);
                    while (nextBucket()) {
                        long b = windowSlot();
                        double w = weight(seg, b, windowBucket(), width, startExclusiveMs, endInclusiveMs);
                        if (w > 0) {
                            if (firstShift != firstShift) {
                                firstShift = seg.get(DOUBLE, b + BUCKET_SHIFT_OFFSET);
                            }
                            out.mergeBucket(w, seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET),
                                seg.get(DOUBLE, b + BUCKET_SHIFT_OFFSET),
                                seg.get(DOUBLE, b + BUCKET_DEV_OFFSET), seg.get(DOUBLE, b + BUCKET_DEV_COMP_OFFSET),
                                seg.get(DOUBLE, b + BUCKET_DEV2_OFFSET), seg.get(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET),
                                seg.get(DOUBLE, b + BUCKET_MIN_OFFSET), seg.get(DOUBLE, b + BUCKET_MAX_OFFSET));
                        }
                    }
                    if (out.count() > 0) {
                        out.beginSpread(firstShift);
                        openWindow(startExclusiveMs, endInclusiveMs, newest);
                        while (nextBucket()) {
                            long b = windowSlot();
                            double w = weight(seg, b, windowBucket(), width, startExclusiveMs, endInclusiveMs);
                            if (w > 0) {
                                out.mergeSpread(w, seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET),
                                    seg.get(DOUBLE, b + BUCKET_SHIFT_OFFSET), seg.get(DOUBLE, b + BUCKET_DEV_OFFSET),
                                    seg.get(DOUBLE, b + BUCKET_DEV_COMP_OFFSET), seg.get(DOUBLE, b + BUCKET_DEV2_OFFSET),
                                    seg.get(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET));
                            }
                        }
                    }
                }
            }
            if (readValidate(version)) {
                out.finish();
                return;
            }
        }
    }

    /** The share of bucket {@code k}'s samples (held in the slot at {@code b}) assumed inside the window. */
    private static double weight(MemorySegment seg, long b, long k, long width, long startExclusive, long endInclusive) {
        long bucketStart = k * width;
        return share(bucketStart + seg.get(INT, b + BUCKET_FIRST_TS_OFFSET),
            bucketStart + seg.get(INT, b + BUCKET_LAST_TS_OFFSET), startExclusive, endInclusive);
    }
}
