package io.weir.engine.sketch.aggregate;

import static io.weir.engine.sketch.aggregate.AggregateSketchDescriptor.*;

import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import io.weir.engine.sketch.slab.SeqLock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Typed access to an aggregate sketch block laid out by {@link AggregateSketchDescriptor}.
 *
 * <p>{@link #init} and {@link #update} are for the series' shard writer thread only; {@link #read}
 * and the header getters may run on any thread and never block the writer (seqlock). A flyweight
 * instance holds no state beyond (segment, offset), so each thread uses its own instance.
 *
 * <p>Update rules: the Prometheus stale marker is skipped and counted; any other NaN is a sample: it
 * counts, makes its bucket's shift (and so its sums) NaN, and leaves min and max alone;
 * samples in a bucket older than the ring are skipped and counted; out-of-order samples in a
 * retained bucket are added to it; a newer sample moves the ring forward. Expired slots are cleared
 * lazily: each slot records which bucket it holds (a 32-bit tag), and a slot holding another bucket
 * reads as empty, so moving the ring forward costs O(1); only when the newest bucket crosses a multiple
 * of 2^30 (decades at a 1 s width) does one O(bucketCount) sweep clear expired slots, which keeps the
 * tags unambiguous (see {@link AggregateSketchDescriptor}).
 */
public final class AggregateSketchFlyweight {
    public static final int APPLIED = 0;
    public static final int SKIPPED_STALE = 1;
    public static final int SKIPPED_TOO_OLD = 2;
    /** The sample's bucket already holds 2^31 - 1 samples (only reachable with many samples per millisecond). */
    public static final int SKIPPED_BUCKET_FULL = 3;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Opaque access for counters that change outside the seqlock. */
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT_COUNTER = ValueLayout.JAVA_INT.varHandle();

    private MemorySegment segment;
    private long offset;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. */
    public AggregateSketchFlyweight wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /** A heap-backed block (tests, merges, copies); the same layout as in a slab. */
    public static AggregateSketchFlyweight onHeap(int seriesId, AggregateSketchSpec spec) {
        MemorySegment heap = MemorySegment.ofArray(new long[(spec.blockLength() + 7) / 8]);
        AggregateSketchFlyweight f = new AggregateSketchFlyweight().wrap(heap, 0);
        f.init(seriesId, spec);
        return f;
    }

    public MemorySegment segment() { return segment; }

    public long offset() { return offset; }

    /** Writer only, before the block is published: lays out an empty sketch. */
    public void init(int seriesId, AggregateSketchSpec spec) {
        SeqLock.initialise(segment, offset + VERSION_OFFSET);
        segment.set(INT, offset + SERIES_ID_OFFSET, seriesId);
        segment.set(INT, offset + FAMILY_OFFSET, SketchBlockDescriptor.familyTag(SketchFunction.Family.AGGREGATE));
        segment.set(LONG, offset + BUCKET_WIDTH_OFFSET, spec.bucketWidthMillis());
        segment.set(INT, offset + BUCKET_COUNT_OFFSET, spec.bucketCount());
        segment.set(INT, offset + SKIPPED_FULL_OFFSET, 0);
        segment.set(LONG, offset + NEWEST_BUCKET_OFFSET, EMPTY);
        segment.set(LONG, offset + COVERAGE_START_OFFSET, EMPTY);
        segment.set(LONG, offset + SKIPPED_STALE_OFFSET, 0L);
        segment.set(LONG, offset + SKIPPED_TOO_OLD_OFFSET, 0L);
        for (int i = 0; i < spec.bucketCount(); i++) {
            segment.set(INT, offset + bucketOffset(i) + BUCKET_TAG_OFFSET, 0);
            segment.set(INT, offset + bucketOffset(i) + BUCKET_SAMPLE_COUNT_OFFSET, 0);
        }
    }

    // ---- header --------------------------------------------------------------------------------

    public long version() { return SeqLock.version(segment, offset + VERSION_OFFSET); }

    public int seriesId() { return segment.get(INT, offset + SERIES_ID_OFFSET); }

    public int familyTag() { return segment.get(INT, offset + FAMILY_OFFSET); }

    public long bucketWidthMillis() { return segment.get(LONG, offset + BUCKET_WIDTH_OFFSET); }

    public int bucketCount() { return segment.get(INT, offset + BUCKET_COUNT_OFFSET); }

    /** Writer's view (plain); readers get a consistent one through {@link #read}. */
    public long newestBucket() { return segment.get(LONG, offset + NEWEST_BUCKET_OFFSET); }

    /** Bucket of the first accepted sample, or {@link AggregateSketchDescriptor#EMPTY}. */
    public long coverageStartBucket() { return segment.get(LONG, offset + COVERAGE_START_OFFSET); }

    public long skippedStale() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_STALE_OFFSET); }

    public long skippedTooOld() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_TOO_OLD_OFFSET); }

    public int skippedBucketFull() { return (int) INT_COUNTER.getOpaque(segment, offset + SKIPPED_FULL_OFFSET); }

    // ---- buckets (by ring slot) -----------------------------------------------------------------

    /** Writer's view: the bucket k this slot holds, or {@link AggregateSketchDescriptor#EMPTY} when it holds none. */
    public long bucketIndex(int slot) {
        long b = offset + bucketOffset(slot);
        if (segment.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) <= 0) {
            return EMPTY;
        }
        long newest = newestBucket();
        return newest - ((int) newest - segment.get(INT, b + BUCKET_TAG_OFFSET));
    }

    public long bucketSampleCount(int slot) { return segment.get(INT, offset + bucketOffset(slot) + BUCKET_SAMPLE_COUNT_OFFSET); }

    /** n*K + sum(x-K), rounded once (readers keep it as an exact pair). */
    public double bucketSum(int slot) {
        long b = offset + bucketOffset(slot);
        AggregateResult r = new AggregateResult();
        r.mergeBucket(1.0, segment.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET), segment.get(DOUBLE, b + BUCKET_SHIFT_OFFSET),
            segment.get(DOUBLE, b + BUCKET_DEV_OFFSET), segment.get(DOUBLE, b + BUCKET_DEV_COMP_OFFSET),
            segment.get(DOUBLE, b + BUCKET_DEV2_OFFSET), segment.get(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET),
            segment.get(DOUBLE, b + BUCKET_MIN_OFFSET), segment.get(DOUBLE, b + BUCKET_MAX_OFFSET));
        r.finish();
        return r.sum();
    }

    public double bucketMin(int slot) { return segment.get(DOUBLE, offset + bucketOffset(slot) + BUCKET_MIN_OFFSET); }

    public double bucketMax(int slot) { return segment.get(DOUBLE, offset + bucketOffset(slot) + BUCKET_MAX_OFFSET); }

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
        final long k = Math.floorDiv(timestampMs - 1, width);
        final long newest = seg.get(LONG, base + NEWEST_BUCKET_OFFSET);
        final boolean first = seg.get(LONG, base + COVERAGE_START_OFFSET) == EMPTY;
        if (!first && k <= newest - buckets) {
            COUNTER.setOpaque(seg, base + SKIPPED_TOO_OLD_OFFSET, (long) COUNTER.get(seg, base + SKIPPED_TOO_OLD_OFFSET) + 1);
            return SKIPPED_TOO_OLD;
        }
        final long b = base + bucketOffset(Math.floorMod(k, buckets));
        final int n = seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
        // k <= newest first: before a sweep, a slot may still hold a bucket 2^32 older with the same tag
        final boolean same = k <= newest && n > 0 && seg.get(INT, b + BUCKET_TAG_OFFSET) == (int) k;
        if (same && n == Integer.MAX_VALUE) {
            INT_COUNTER.setOpaque(seg, base + SKIPPED_FULL_OFFSET, (int) INT_COUNTER.get(seg, base + SKIPPED_FULL_OFFSET) + 1);
            return SKIPPED_BUCKET_FULL;
        }
        final int tsOffset = (int) (timestampMs - k * width); // in [1, W]
        SeqLock.beginWrite(seg, base + VERSION_OFFSET);
        if (first) {
            seg.set(LONG, base + COVERAGE_START_OFFSET, k);
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        } else if (k > newest) {
            if (k >> TAG_EPOCH_SHIFT != newest >> TAG_EPOCH_SHIFT) {
                sweepExpired(seg, base, buckets, newest, k);
            }
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        }
        if (!same) {
            // the slot held an expired bucket (or none): start this one with the sample
            // NaN for ±Inf, so the variance of an infinite bucket is NaN; a NaN sample makes the shift NaN, the
            // bucket's mark that it holds one, and starts min and max empty (+Inf, -Inf) for the first number
            double d = value - value;
            boolean number = value == value;
            seg.set(INT, b + BUCKET_TAG_OFFSET, (int) k);
            seg.set(INT, b + BUCKET_SAMPLE_COUNT_OFFSET, 1);
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
            seg.set(INT, b + BUCKET_SAMPLE_COUNT_OFFSET, n + 1);
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
        SeqLock.endWrite(seg, base + VERSION_OFFSET);
        return APPLIED;
    }

    /**
     * Writer only, inside the write section, when the newest bucket moves from {@code newest} to {@code k} across
     * a multiple of 2^30: empties the slots whose bucket expires with the move. Live slots held buckets within
     * 2^30 + bucketCount of {@code newest}, so each tag names exactly one bucket.
     */
    private static void sweepExpired(MemorySegment seg, long base, int buckets, long newest, long k) {
        final int newestTag = (int) newest;
        for (int i = 0; i < buckets; i++) {
            long b = base + bucketOffset(i);
            if (seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) > 0) {
                long held = newest - (newestTag - seg.get(INT, b + BUCKET_TAG_OFFSET));
                if (held <= k - buckets) {
                    seg.set(INT, b + BUCKET_SAMPLE_COUNT_OFFSET, 0);
                }
            }
        }
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
    public void read(long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        final MemorySegment seg = segment;
        final long base = offset;
        // width and count never change while the block is published, so they can bound the loops
        final long width = seg.get(LONG, base + BUCKET_WIDTH_OFFSET);
        final int buckets = seg.get(INT, base + BUCKET_COUNT_OFFSET);
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
                    double firstShift = Double.NaN;
                    final int firstSlot = Math.floorMod(lo, buckets); // one division; the loops step the slot
                    int slot = firstSlot;
                    for (long k = lo; k <= hi; k++, slot = slot + 1 == buckets ? 0 : slot + 1) {
                        long b = base + bucketOffset(slot);
                        double w = weight(seg, b, k, width, startExclusiveMs, endInclusiveMs);
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
                        slot = firstSlot;
                        for (long k = lo; k <= hi; k++, slot = slot + 1 == buckets ? 0 : slot + 1) {
                            long b = base + bucketOffset(slot);
                            double w = weight(seg, b, k, width, startExclusiveMs, endInclusiveMs);
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
            if (SeqLock.readValidate(seg, base + VERSION_OFFSET, version)) {
                out.finish();
                return;
            }
        }
    }

    /**
     * The share of bucket {@code k}'s samples assumed inside the window: 1 when its sample span lies
     * inside, 0 when outside or when the slot holds another bucket, else the share of the
     * milliseconds between its first and last sample that the window covers.
     */
    private static double weight(MemorySegment seg, long b, long k, long width, long startExclusive, long endInclusive) {
        if (seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) <= 0 || seg.get(INT, b + BUCKET_TAG_OFFSET) != (int) k) {
            return 0;
        }
        long bucketStart = k * width;
        return weight(bucketStart + seg.get(INT, b + BUCKET_FIRST_TS_OFFSET),
            bucketStart + seg.get(INT, b + BUCKET_LAST_TS_OFFSET), startExclusive, endInclusive);
    }

    /** The share of a bucket whose samples span {@code [first, last]} assumed inside {@code (start, end]}. */
    static double weight(long first, long last, long startExclusive, long endInclusive) {
        if (first > startExclusive && last <= endInclusive) {
            return 1;
        }
        if (last <= startExclusive || first > endInclusive || last < first) {
            return 0;
        }
        // millisecond points of [first, last] inside (start, end]: at least one, since neither test above held
        double inside = (double) (Math.min(endInclusive, last) - Math.max(startExclusive, first - 1));
        double w = inside / ((double) (last - first) + 1.0);
        return w <= 0 ? 0 : Math.min(w, 1.0);
    }
}
