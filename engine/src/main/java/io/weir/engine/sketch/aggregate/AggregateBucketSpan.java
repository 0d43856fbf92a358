package io.weir.engine.sketch.aggregate;

import static io.weir.engine.sketch.aggregate.AggregateSketchDescriptor.*;

import io.weir.engine.sketch.ring.BucketRingFlyweight;
import io.weir.engine.sketch.span.Ascending;
import io.weir.engine.sketch.span.PrefixSums;
import io.weir.engine.sketch.span.SlidingExtrema;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An aggregate sketch's buckets copied once (one consistent seqlock read) for all the steps of a range query, with
 * prefix sums over them in one common shift and sliding extrema, so that each step costs its two edge buckets and
 * O(1) for the whole buckets between, instead of a merge of every bucket in its window: a range query walks the
 * buckets once (buckets + steps, not steps x buckets per window). Answers equal {@link AggregateSketchFlyweight#read}
 * for the same window up to float rounding (the whole buckets are summed by prefix difference). Owned by one
 * reader thread; allocates only to grow.
 */
final class AggregateBucketSpan {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;

    private int n;
    private long[] first = new long[0];
    private long[] last = new long[0];
    private int[] count = new int[0];
    private double[] shift = new double[0];
    private double[] dev = new double[0];
    private double[] devComp = new double[0];
    private double[] dev2 = new double[0];
    private double[] dev2Comp = new double[0];
    private double[] min = new double[0];
    private double[] max = new double[0];
    private int[] nonFinite = new int[1];
    private long[] samples = new long[1];
    private boolean empty;
    private long coverageMs;
    private long oldestMs;
    private long endMs;

    private double commonShift;
    private final PrefixSums s1 = new PrefixSums();
    private final PrefixSums s2 = new PrefixSums();
    private final SlidingExtrema extrema = new SlidingExtrema();
    private final double[] sums = new double[4];
    /** Walks the block's ring while loading. */
    private final AggregateSketchFlyweight block = new AggregateSketchFlyweight();

    /** Copies the buckets of the block at {@code seg}/{@code base} that a window inside the span can touch. */
    void load(MemorySegment seg, long base, long spanStartExclusive, long spanEndInclusive) {
        final AggregateSketchFlyweight block = this.block.wrap(seg, base);
        final long width = block.bucketWidthMillis();
        grow(block.bucketCount());
        for (;;) {
            long version = block.readBegin();
            long coverage = block.coverageStartBucket();
            long newest = block.newestBucket();
            n = 0;
            empty = coverage == EMPTY;
            if (!empty) {
                coverageMs = coverage * width;
                oldestMs = block.oldestBucket(coverage, newest) * width;
                endMs = (newest + 1) * width;
                block.openWindow(spanStartExclusive, spanEndInclusive, newest);
                while (block.nextBucket()) {
                    long b = block.windowSlot();
                    long start = block.windowBucket() * width;
                    count[n] = seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
                    first[n] = start + seg.get(INT, b + BUCKET_FIRST_TS_OFFSET);
                    last[n] = start + seg.get(INT, b + BUCKET_LAST_TS_OFFSET);
                    shift[n] = seg.get(DOUBLE, b + BUCKET_SHIFT_OFFSET);
                    dev[n] = seg.get(DOUBLE, b + BUCKET_DEV_OFFSET);
                    devComp[n] = seg.get(DOUBLE, b + BUCKET_DEV_COMP_OFFSET);
                    dev2[n] = seg.get(DOUBLE, b + BUCKET_DEV2_OFFSET);
                    dev2Comp[n] = seg.get(DOUBLE, b + BUCKET_DEV2_COMP_OFFSET);
                    min[n] = seg.get(DOUBLE, b + BUCKET_MIN_OFFSET);
                    max[n] = seg.get(DOUBLE, b + BUCKET_MAX_OFFSET);
                    n++;
                }
            }
            if (block.readValidate(version)) {
                break;
            }
        }
        buildPrefixes();
    }

    private void grow(int buckets) {
        if (first.length >= buckets) {
            return;
        }
        first = new long[buckets];
        last = new long[buckets];
        count = new int[buckets];
        shift = new double[buckets];
        dev = new double[buckets];
        devComp = new double[buckets];
        dev2 = new double[buckets];
        dev2Comp = new double[buckets];
        min = new double[buckets];
        max = new double[buckets];
        nonFinite = new int[buckets + 1];
        samples = new long[buckets + 1];
    }

    /**
     * Each bucket's shifted sums re-centred on one common shift K0 (its first bucket's): with d = K_b - K0,
     * sum(x - K0) = S1_b + n d and sum((x - K0)^2) = S2_b + 2 d S1_b + n d^2, products split by FMA.
     */
    private void buildPrefixes() {
        extrema.reset();
        s1.clear(3 * n);
        s2.clear(3 * n);
        commonShift = n > 0 ? shift[0] : 0;
        int bad = 0;
        double maxAbs = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            nonFinite[i] = bad;
            double lowAbs = Math.min(Math.abs(min[i]), Math.abs(max[i]));
            maxAbs = Math.max(maxAbs, Math.max(Math.abs(min[i]), Math.abs(max[i])));
            if (lowAbs > 0) {
                minAbs = Math.min(minAbs, lowAbs);
            }
            samples[i + 1] = samples[i] + count[i];
            if (!Double.isFinite(shift[i]) || !Double.isFinite(min[i]) || !Double.isFinite(max[i]) || !Double.isFinite(dev[i])) {
                // infinite samples, or a NaN (which marks its bucket with a NaN shift): merged bucket by bucket
                bad++;
                s1.add(0, 0);
                s2.add(0, 0);
                continue;
            }
            double d = shift[i] - commonShift;
            double c = count[i];
            double nd = c * d;
            s1.add(dev[i], devComp[i]);
            s1.add(0, 0); // keeps one prefix entry per bucket aligned: see index()
            s1.add(nd, Math.fma(c, d, -nd));
            double twoD = 2 * d;
            double cross = twoD * dev[i];
            double ndd = nd * d;
            s2.add(dev2[i], dev2Comp[i] + twoD * devComp[i]);
            s2.add(cross, Math.fma(twoD, dev[i], -cross));
            s2.add(ndd, Math.fma(nd, d, -ndd));
        }
        nonFinite[n] = bad;
        // as ExactSpan.momentsTame: values over many orders of magnitude are merged bucket by bucket
        tame = maxAbs <= 0x1p400 && (maxAbs == 0 || maxAbs <= minAbs * 0x1p40);
    }

    private boolean tame;

    /** Prefix entry at bucket {@code i}: three terms per finite bucket, one per non-finite bucket. */
    private int index(int i) {
        return 3 * i - 2 * nonFinite[i];
    }

    /** The answer over {@code (start, end]}, as {@link AggregateSketchFlyweight#read} gives it. */
    void read(long start, long end, AggregateResult out) {
        out.begin(start, end);
        if (empty) {
            out.finish();
            return;
        }
        out.range(coverageMs, oldestMs, endMs);
        if (end <= start || n == 0) {
            out.finish();
            return;
        }
        int a = Ascending.firstAfter(first, 0, n, start); // first bucket wholly after start
        int b = Ascending.firstAfter(last, 0, n, end); // first bucket reaching past end
        int lower = a - 1;
        int upper = b < n && b != lower ? b : -1;
        double wLower = lower >= 0 ? weight(lower, start, end) : 0;
        double wUpper = upper >= 0 ? weight(upper, start, end) : 0;
        boolean whole = b > a;
        boolean wholeFinite = whole && tame && nonFinite[b] - nonFinite[a] == 0;
        double firstShift = Double.NaN;
        if (wLower > 0) {
            firstShift = shift[lower];
            merge(lower, wLower, out);
        }
        if (whole) {
            if (firstShift != firstShift) {
                firstShift = shift[a];
            }
            if (wholeFinite) {
                s1.sum(index(a), index(b), sums, 0);
                s2.sum(index(a), index(b), sums, 2);
                extrema.slide(min, max, n, a, b);
                out.mergeBucket(1.0, (int) (samples[b] - samples[a]), commonShift, sums[0], sums[1], sums[2], sums[3],
                    min[extrema.min()], max[extrema.max()]);
            } else {
                for (int i = a; i < b; i++) {
                    merge(i, 1.0, out);
                }
            }
        }
        if (wUpper > 0) {
            if (firstShift != firstShift) {
                firstShift = shift[upper];
            }
            merge(upper, wUpper, out);
        }
        if (out.count() > 0) {
            out.beginSpread(firstShift);
            if (wLower > 0) {
                spread(lower, wLower, out);
            }
            if (wholeFinite) {
                out.mergeSpread(1.0, (int) (samples[b] - samples[a]), commonShift, sums[0], sums[1], sums[2], sums[3]);
            } else if (whole) {
                for (int i = a; i < b; i++) {
                    spread(i, 1.0, out);
                }
            }
            if (wUpper > 0) {
                spread(upper, wUpper, out);
            }
        }
        out.finish();
    }

    private void merge(int i, double w, AggregateResult out) {
        out.mergeBucket(w, count[i], shift[i], dev[i], devComp[i], dev2[i], dev2Comp[i], min[i], max[i]);
    }

    private void spread(int i, double w, AggregateResult out) {
        out.mergeSpread(w, count[i], shift[i], dev[i], devComp[i], dev2[i], dev2Comp[i]);
    }


    /** The share of bucket {@code i}'s samples assumed inside {@code (start, end]}, as the flyweight's read weighs it. */
    private double weight(int i, long start, long end) {
        return BucketRingFlyweight.share(first[i], last[i], start, end);
    }
}
