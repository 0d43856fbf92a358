package io.weir.engine.sketch.quantile;

import static io.weir.engine.sketch.quantile.QuantileSketchDescriptor.*;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.BUCKET_SAMPLE_COUNT_OFFSET;

import io.weir.engine.sketch.ExactAnswer;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import io.weir.engine.sketch.ring.WindowCoverage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The answer of a quantile sketch over a window {@code (start, end]}, reused by one query thread across
 * reads (owned by that thread; not safe to share while a read fills it).
 *
 * <p>Time buckets whose samples all lie inside the window are merged exactly (bins add). A bucket whose
 * samples lie on both sides of an edge is included with weight w = the share of the milliseconds between
 * its first and last sample that the window covers; {@link #exact()} is then false, and the
 * {@link #rankErrorBound(double) rank bound} grows by that bucket's uncertain mass. With window edges on
 * bucket edges no bucket is partial.
 *
 * <p>Within the merged histogram an order statistic is placed by linear interpolation inside its bin,
 * assuming the bin's samples spread evenly, and clamped to the merged buckets' [min, max]. It lies in the
 * same bin (or the same min/max-clamped range) as the true one, which gives both bounds:
 * <ul>
 *   <li>value: |estimate - truth| <= (g_L - 1) |truth| for the order statistics, and so for the
 *       interpolated quantile when both neighbours have the same sign; 0, ±Inf are exact;</li>
 *   <li>rank: the estimate is off by at most the mass of the bins that hold the two neighbouring order
 *       statistics, plus the uncertain mass of partial buckets and saturated counters.</li>
 * </ul>
 *
 * <p>NaN samples count, and sort before every number as in Prometheus' {@code quantile}: a rank that falls
 * among them (or interpolates from the last of them) gives NaN.
 */
public final class QuantileResult extends WindowCoverage implements ExactAnswer {
    /** Counters per side of the merged histogram; more range than this collapses the merge further. */
    static final int MERGE_CAPACITY = 8_192;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;

    private double count;
    private double histogramTotal;
    /** NaN samples of the window (weighted like the bins); they rank below every number. */
    private double nanCount;
    private double uncertainMass;
    private boolean exact;
    private double min;
    private double max;
    private int level;
    private double relativeValueErrorBound;
    private double maxBinMass;

    /** Raw copies of the buckets of one read (the block's bucket layout). */
    private MemorySegment scratch = MemorySegment.ofArray(new long[0]);
    // per-bucket weights of one merge
    private double[] weights = new double[0];
    // merged histogram, one dense array per side, indexed by key - lo
    private final double[] pos = new double[MERGE_CAPACITY];
    private final double[] neg = new double[MERGE_CAPACITY];
    // compacted bins in ascending value order: [low, high], weight, cumulative weight through the bin
    private final double[] binLow = new double[2 * MERGE_CAPACITY + 3];
    private final double[] binHigh = new double[2 * MERGE_CAPACITY + 3];
    private final double[] binWeight = new double[2 * MERGE_CAPACITY + 3];
    private final double[] binCum = new double[2 * MERGE_CAPACITY + 3];
    private int bins;
    /**
     * Set by {@link #readExact}: the window's values; answers come from them, not from bins. They are sorted
     * ({@link #sortedSamples}) when a span gave them so, else each quantile selects its order statistics in place
     * (linear time, where sorting the window would cost n log n for the one or two ranks a query asks).
     */
    private boolean exactSamples;
    private boolean sortedSamples;
    private double[] sorted = new double[0];
    /** The few values at one end a quantile near it needs ({@link OrderStatistics#largest}). */
    private final double[] few = new double[OrderStatistics.FEW];

    public QuantileResult() {
        begin(0, 0);
    }

    // ---- answers --------------------------------------------------------------------------------

    /**
     * quantile_over_time(phi) with Prometheus semantics: phi < 0 gives -Inf, phi > 1 gives +Inf, NaN phi
     * gives NaN, an empty window gives NaN (PromQL emits no value: check {@link #isEmpty()}); otherwise the
     * interpolation at rank phi * (n - 1) between the two neighbouring order statistics.
     */
    public double quantile(double phi) {
        if (exactSamples) {
            return exactQuantile(phi);
        }
        if (isEmpty() || histogramTotal + nanCount <= 0) {
            return Double.NaN;
        }
        if (phi != phi) {
            return Double.NaN;
        }
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double n = histogramTotal + nanCount;
        double rank = phi * Math.max(n - 1, 0);
        double lower = Math.floor(rank);
        if (lower < nanCount) {
            return Double.NaN;
        }
        double upper = Math.min(Math.max(n - 1, 0), lower + 1);
        double weight = rank - lower;
        double lo = orderStatistic(lower - nanCount);
        double hi = orderStatistic(upper - nanCount);
        return lo * (1 - weight) + hi * weight;
    }

    /**
     * Bound on |F(estimate) - phi| where F is the true empirical CDF of the window (ranks normalised by the
     * count): mass of the bins holding the two order statistics around rank phi*(n-1), plus partial-bucket
     * uncertainty. 1 when nothing can be said; 0 for phi outside [0, 1] or an empty window.
     */
    public double rankErrorBound(double phi) {
        if (exactSamples) {
            return 0;
        }
        if (isEmpty() || histogramTotal <= 0 || !(phi >= 0 && phi <= 1)) {
            return 0;
        }
        double n = histogramTotal + nanCount;
        double rank = phi * Math.max(n - 1, 0);
        double lower = Math.floor(rank);
        if (lower < nanCount) {
            return 0; // NaN whichever numbers the bins hold
        }
        double upper = Math.min(Math.max(n - 1, 0), lower + 1);
        int a = binOf(lower - nanCount);
        int b = binOf(upper - nanCount);
        double mass = binWeight[a] + (b != a ? binWeight[b] : 0);
        return boundFor(mass);
    }

    /** Bound valid for every phi: the heaviest bin plus partial-bucket uncertainty. */
    public double rankErrorBound() {
        if (exactSamples) {
            return 0;
        }
        if (isEmpty() || histogramTotal <= 0) {
            return 0;
        }
        return boundFor(2 * maxBinMass);
    }

    private double boundFor(double binMass) {
        double n = histogramTotal;
        if (uncertainMass == 0) {
            return Math.min(1.0, binMass / n);
        }
        // the true count is within n +- E and every true CDF value within the estimated one +- E samples
        double lowN = n - uncertainMass;
        return lowN <= 0 ? 1.0 : Math.min(1.0, (binMass + 3 * uncertainMass) / lowN);
    }

    /**
     * Relative value error bound g_L - 1 of the order statistics (L the coarsest level of the merged
     * buckets); holds for the interpolated quantile when its neighbours share a sign. 0 when empty.
     */
    public double relativeValueErrorBound() { return relativeValueErrorBound; }

    /** Number of samples in the window (fractional only when interpolated). 0: PromQL emits nothing. */
    public double count() { return count; }

    public boolean isEmpty() { return count <= 0; }

    /** True when no bucket was partial and no counter saturated: the sample set is exactly the window's. */
    public boolean exact() { return exact; }

    /** Collapse level of the merge: bins of the answer grow by g^(2^level). */
    public int level() { return level; }

    /** Min of the merged buckets (partial buckets included whole); NaN when empty. */
    public double bucketsMin() { return min; }

    /** Max of the merged buckets (partial buckets included whole); NaN when empty. */
    public double bucketsMax() { return max; }

    // ---- filled by QuantileSketchFlyweight.read ----------------------------------------------------

    /** Scratch for {@code buckets} raw buckets; grows (allocates) only when a larger block is read. */
    MemorySegment scratch(int buckets, int bucketLength) {
        long need = (long) buckets * bucketLength;
        if (scratch.byteSize() < need) {
            scratch = MemorySegment.ofArray(new long[(int) ((need + 7) / 8)]);
        }
        if (weights.length < buckets) {
            weights = new double[buckets];
        }
        return scratch;
    }

    /**
     * Fills the answer from raw samples decoded from an exact block: {@link #quantile} is then Prometheus'
     * own computation over the sorted values, and both error bounds are 0. Allocates only to grow.
     */
    @Override
    public void readExact(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactWindow window) {
        begin(startExclusive, endInclusive);
        range(window.coverageStartMs(), window.retainedStartMs(), window.newestMs());
        takeUnsorted(window.values(), 0, window.size());
    }

    /** The window's values {@code v[from, from + n)}, unsorted: each quantile selects its order statistics. */
    private void takeUnsorted(double[] v, int from, int n) {
        if (sorted.length < n) {
            sorted = new double[Math.max(n, sorted.length * 2)];
        }
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        int nan = 0;
        for (int i = 0; i < n; i++) {
            double x = v[from + i];
            sorted[i] = x;
            if (x != x) {
                nan++;
                continue;
            }
            // the order of Arrays.sort (Double.compare), in plain comparisons: -0.0 (sign bit set) before 0.0
            if (x < lowest) {
                lowest = x;
            } else if (x == 0 && lowest == 0 && Double.doubleToRawLongBits(x) != 0) {
                lowest = x;
            }
            if (x > highest) {
                highest = x;
            } else if (x == 0 && highest == 0 && Double.doubleToRawLongBits(x) == 0) {
                highest = x;
            }
        }
        exactSamples = true;
        sortedSamples = false;
        count = n;
        nanCount = nan;
        histogramTotal = n - nan;
        if (n > nan) {
            min = lowest;
            max = highest;
        }
    }

    /**
     * The same answer as {@link #readExact} for the window {@code (startExclusive, endInclusive]} of a decoded span:
     * the span keeps the window's values sorted as it slides, so a step costs the samples that enter and leave
     * plus one copy, not a sort; a step that moves the window by much of its width selects instead.
     */
    @Override
    public void readExactSpan(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactSpan span,
                              io.weir.engine.sketch.exact.ExactWindow slice) {
        io.weir.engine.sketch.exact.ExactWindow all = span.samples();
        begin(startExclusive, endInclusive);
        range(all.coverageStartMs(), all.retainedStartMs(), all.newestMs());
        span.locate(startExclusive, endInclusive);
        int from = span.from();
        int n = span.to() - from;
        if (span.sortedBefore() && !span.slidesSorted(from, from + n)) {
            // the steps move the window by much of its width: selecting the one or two order statistics a quantile
            // needs (linear) beats sorting each window afresh (n log n)
            takeUnsorted(all.values(), from, n);
            return;
        }
        if (sorted.length < n) {
            sorted = new double[Math.max(n, sorted.length * 2)];
        }
        if (n > 0) {
            System.arraycopy(span.sortedValues(from, from + n), 0, sorted, 0, n);
        }
        exactSamples = true;
        sortedSamples = true;
        count = n;
        int nan = 0; // NaNs sort last here; exactQuantile ranks them first, as Prometheus
        while (nan < n && sorted[n - 1 - nan] != sorted[n - 1 - nan]) {
            nan++;
        }
        nanCount = nan;
        histogramTotal = n - nan;
        if (n > nan) {
            min = sorted[0];
            max = sorted[n - nan - 1];
        }
    }

    private double exactQuantile(double phi) {
        int n = (int) count;
        if (n <= 0 || phi != phi) {
            return Double.NaN;
        }
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double rank = phi * (n - 1);
        int lower = (int) Math.max(0, Math.floor(rank));
        int nan = (int) nanCount;
        if (lower < nan) {
            return Double.NaN;
        }
        int upper = (int) Math.min(n - 1, lower + 1);
        double weight = rank - Math.floor(rank);
        // Double.compare puts NaNs last: the non-NaN order statistics are the first n - nan
        int i = lower - nan;
        int j = upper - nan;
        if (!sortedSamples) {
            if (n - i <= OrderStatistics.FEW && 4 * (n - i) <= n) {
                OrderStatistics.largest(sorted, n, n - i, few);
                return few[0] * (1 - weight) + few[j - i] * weight;
            }
            if (j < OrderStatistics.FEW && 4 * (j + 1) <= n) {
                OrderStatistics.smallest(sorted, n, j + 1, few);
                return few[i] * (1 - weight) + few[j] * weight;
            }
            OrderStatistics.select(sorted, n, i);
            if (j != i) {
                OrderStatistics.moveMinimum(sorted, j, n);
            }
        }
        return sorted[i] * (1 - weight) + sorted[j] * weight;
    }

    void begin(long startExclusive, long endInclusive) {
        beginWindow(startExclusive, endInclusive);
        count = histogramTotal = nanCount = uncertainMass = maxBinMass = 0;
        exact = true;
        min = max = Double.NaN;
        level = 0;
        relativeValueErrorBound = 0;
        bins = 0;
        exactSamples = false;
    }

    /** Merges the {@code copied} consistent bucket copies in the scratch. */
    void merge(int copied, int bucketLength, int m, double lnGamma) {
        final MemorySegment s = scratch;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int maxLevel = 0;
        int used = 0;
        for (int i = 0; i < copied; i++) {
            long b = (long) i * bucketLength;
            double w = weight(s, b, startExclusiveMs(), endInclusiveMs());
            weights[i] = w;
            if (w <= 0) {
                continue;
            }
            used++;
            long n = s.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
            int dropped = s.get(INT, b + BUCKET_DROPPED_OFFSET);
            count += w * n;
            if (w < 1.0) {
                exact = false;
                uncertainMass += Math.max(w, 1.0 - w) * n;
            }
            if (dropped > 0) {
                exact = false;
                uncertainMass += w * dropped;
            }
            nanCount += w * s.get(INT, b + BUCKET_NAN_OFFSET);
            double bucketMin = s.get(DOUBLE, b + BUCKET_MIN_OFFSET); // +Inf (and max -Inf) when it holds only NaNs
            double bucketMax = s.get(DOUBLE, b + BUCKET_MAX_OFFSET);
            if (bucketMin < lo) {
                lo = bucketMin;
            }
            if (bucketMax > hi) {
                hi = bucketMax;
            }
            maxLevel = Math.max(maxLevel, s.get(INT, b + BUCKET_LEVEL_OFFSET));
        }
        if (used == 0 || count <= 0) {
            count = 0;
            return;
        }
        min = lo <= hi ? lo : Double.NaN; // NaN samples only: no number to bound
        max = lo <= hi ? hi : Double.NaN;
        // the coarsest bucket sets the level; coarser still if the union of key ranges does not fit
        int posLo = 0;
        int negLo = 0;
        for (;;) {
            long pLo = Long.MAX_VALUE, pHi = Long.MIN_VALUE, nLo = Long.MAX_VALUE, nHi = Long.MIN_VALUE;
            for (int i = 0; i < copied; i++) {
                if (weights[i] <= 0) {
                    continue;
                }
                long b = (long) i * bucketLength;
                int shift = maxLevel - s.get(INT, b + BUCKET_LEVEL_OFFSET);
                int len = s.get(INT, b + BUCKET_POS_LEN_OFFSET);
                if (len > 0) {
                    int kl = s.get(INT, b + BUCKET_POS_LO_OFFSET);
                    pLo = Math.min(pLo, QuantileSketchFlyweight.keyAt(kl, shift));
                    pHi = Math.max(pHi, QuantileSketchFlyweight.keyAt(kl + len - 1, shift));
                }
                len = s.get(INT, b + BUCKET_NEG_LEN_OFFSET);
                if (len > 0) {
                    int kl = s.get(INT, b + BUCKET_NEG_LO_OFFSET);
                    nLo = Math.min(nLo, QuantileSketchFlyweight.keyAt(kl, shift));
                    nHi = Math.max(nHi, QuantileSketchFlyweight.keyAt(kl + len - 1, shift));
                }
            }
            if ((pHi < pLo || pHi - pLo < MERGE_CAPACITY) && (nHi < nLo || nHi - nLo < MERGE_CAPACITY)) {
                posLo = pHi < pLo ? 0 : (int) pLo;
                negLo = nHi < nLo ? 0 : (int) nLo;
                clear(pos, pHi < pLo ? 0 : (int) (pHi - pLo + 1));
                clear(neg, nHi < nLo ? 0 : (int) (nHi - nLo + 1));
                break;
            }
            maxLevel++;
        }
        level = maxLevel;
        double zeros = 0, posInf = 0, negInf = 0;
        int posN = 0, negN = 0;
        for (int i = 0; i < copied; i++) {
            double w = weights[i];
            if (w <= 0) {
                continue;
            }
            long b = (long) i * bucketLength;
            int shift = maxLevel - s.get(INT, b + BUCKET_LEVEL_OFFSET);
            zeros += w * s.get(INT, b + BUCKET_ZERO_OFFSET);
            posInf += w * s.get(INT, b + BUCKET_POS_INF_OFFSET);
            negInf += w * s.get(INT, b + BUCKET_NEG_INF_OFFSET);
            posN = Math.max(posN, addSide(s, b, 0, s.get(INT, b + BUCKET_POS_LEN_OFFSET),
                s.get(INT, b + BUCKET_POS_LO_OFFSET), shift, posLo, w, pos));
            int len = s.get(INT, b + BUCKET_NEG_LEN_OFFSET);
            negN = Math.max(negN, addSide(s, b, m - len, len, s.get(INT, b + BUCKET_NEG_LO_OFFSET), shift, negLo, w, neg));
        }
        // compact in ascending value order, bin edges clamped to [min, max]
        double lnG = lnGamma * (double) (1L << maxLevel);
        relativeValueErrorBound = Math.expm1(lnG);
        double cum = 0;
        cum = addBin(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, negInf, cum);
        // consecutive bins share an edge: one exp per bin in dense stretches
        int edgeKey = Integer.MIN_VALUE;
        double edge = 0;
        for (int idx = negN - 1; idx >= 0; idx--) {
            if (neg[idx] > 0) {
                int key = negLo + idx;
                double outer = edgeKey == key ? edge : Math.exp(key * lnG);
                edge = Math.exp((key - 1) * lnG);
                edgeKey = key - 1;
                cum = addBin(-outer, -edge, neg[idx], cum);
            }
        }
        cum = addBin(0.0, 0.0, zeros, cum);
        edgeKey = Integer.MIN_VALUE;
        for (int idx = 0; idx < posN; idx++) {
            if (pos[idx] > 0) {
                int key = posLo + idx;
                double inner = edgeKey == key - 1 ? edge : Math.exp((key - 1) * lnG);
                edge = Math.exp(key * lnG);
                edgeKey = key;
                cum = addBin(inner, edge, pos[idx], cum);
            }
        }
        cum = addBin(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, posInf, cum);
        histogramTotal = cum;
    }

    /** Adds one side of a bucket copy at {@code shift} levels coarser; returns the merged length it reaches. */
    private static int addSide(MemorySegment s, long b, int start, int len, int keyLo, int shift, int mergedLo,
                               double w, double[] merged) {
        int reach = 0;
        if (shift == 0) {
            int delta = keyLo - mergedLo;
            for (int j = 0; j < len; j++) {
                int c = Short.toUnsignedInt(s.get(SHORT, b + counterOffset(start + j)));
                if (c != 0) {
                    merged[delta + j] += w * c;
                    reach = delta + j + 1;
                }
            }
            return reach;
        }
        for (int j = 0; j < len; j++) {
            int c = Short.toUnsignedInt(s.get(SHORT, b + counterOffset(start + j)));
            if (c != 0) {
                int idx = QuantileSketchFlyweight.keyAt(keyLo + j, shift) - mergedLo;
                merged[idx] += w * c;
                reach = Math.max(reach, idx + 1);
            }
        }
        return reach;
    }

    private double addBin(double low, double high, double w, double cum) {
        if (w <= 0) {
            return cum;
        }
        // a bin edge outside the buckets' [min, max] only widens the guess; the infinities stay as they are
        binLow[bins] = Math.min(Math.max(low, min), max);
        binHigh[bins] = Math.max(Math.min(high, max), min);
        binWeight[bins] = w;
        cum += w;
        binCum[bins] = cum;
        maxBinMass = Math.max(maxBinMass, w);
        bins++;
        return cum;
    }

    private static void clear(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] = 0;
        }
    }

    /** Index of the bin holding order statistic {@code j} (0-based, in weighted samples). */
    private int binOf(double j) {
        int lo = 0, hi = bins - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (binCum[mid] > j) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Order statistic {@code j}, placed evenly inside its bin. */
    private double orderStatistic(double j) {
        if (exact) {
            // the extremes of an exact sample set are known exactly
            if (j <= 0) {
                return min;
            }
            if (j >= histogramTotal - 1) {
                return max;
            }
        }
        int i = binOf(j);
        double low = binLow[i];
        double high = binHigh[i];
        if (low == high) {
            return low; // zero, an infinity, or a bin clamped to a single value
        }
        double before = binCum[i] - binWeight[i];
        double f = (j - before + 0.5) / binWeight[i];
        f = f < 0 ? 0 : (f > 1 ? 1 : f);
        return low + f * (high - low);
    }

    /** The share of a bucket's samples assumed inside the window. */
    private static double weight(MemorySegment s, long b, long startExclusive, long endInclusive) {
        if (s.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) <= 0) {
            return 0;
        }
        return BucketRingFlyweight.share(s.get(LONG, b + BUCKET_FIRST_TS_OFFSET), s.get(LONG, b + BUCKET_LAST_TS_OFFSET),
            startExclusive, endInclusive);
    }

    @Override
    public String toString() {
        return "QuantileResult{(" + startExclusiveMs() + ", " + endInclusiveMs() + "] count=" + count + ", exact=" + exact
            + ", level=" + level + ", valueErr=" + relativeValueErrorBound + ", rankErr=" + rankErrorBound()
            + ", covered=" + covered() + "}";
    }
}
