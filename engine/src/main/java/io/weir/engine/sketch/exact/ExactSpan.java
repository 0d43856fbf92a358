package io.weir.engine.sketch.exact;

import io.weir.engine.sketch.span.Ascending;
import io.weir.engine.sketch.span.PrefixSums;
import io.weir.engine.sketch.span.SlidingExtrema;
import java.util.Arrays;

/**
 * An exact block decoded once for all the windows of a range query, with what makes each window cheap to answer:
 * prefix sums of the values (so count, sum, sum of squares of any window are two lookups), a sliding min/max, and
 * the window's values and value keys kept sorted as the window slides (so a quantile or a frequency answer costs
 * the samples that enter and leave, not a sort of the whole window). Built lazily, only for the family asked.
 * Owned by one reader thread; reused across series (it allocates only to grow).
 *
 * <p>Only for spans whose timestamps ascend (no out-of-order samples): then a window is the index range
 * {@code [from, to)} ({@link #locate}). The families fall back to slicing otherwise
 * ({@link #ascending()}).
 */
public final class ExactSpan {
    private final ExactWindow samples = new ExactWindow();
    private boolean ascending;

    // prefix sums over the samples, shifted by the first finite value; non-finite samples counted apart
    private boolean momentsBuilt;
    private double shift;
    private final PrefixSums s1 = new PrefixSums();
    private final PrefixSums s2 = new PrefixSums();
    private int[] nonFinite = new int[0];

    private final SlidingExtrema extrema = new SlidingExtrema();

    // sliding sorted values of [sortedFrom, sortedTo)
    private double[] sortedValues = new double[0];
    private int sortedFrom = -1;
    private int sortedTo = -1;

    // sliding sorted value keys of [keysFrom, keysTo)
    private long[] sortedKeys = new long[0];
    private int keysFrom = -1;
    private int keysTo = -1;

    /** The decoded samples; {@link ExactSamplesFlyweight#read} fills it, then {@link #reset()}. */
    public ExactWindow samples() { return samples; }

    /** After the samples were decoded afresh: forgets everything built over the previous ones. */
    public void reset() {
        int n = samples.size();
        long[] ts = samples.timestamps();
        boolean up = true;
        for (int i = 1; i < n && up; i++) {
            up = ts[i] >= ts[i - 1];
        }
        ascending = up;
        momentsBuilt = false;
        squaresBuilt = false;
        extrema.reset();
        sortedFrom = sortedTo = -1;
        keysFrom = keysTo = -1;
        from = to = 0;
        lastStart = lastEnd = Long.MAX_VALUE;
    }

    /** True when the timestamps ascend, so windows are index ranges and the lazily built views apply. */
    public boolean ascending() { return ascending; }

    /**
     * Finds the window {@code (startExclusive, endInclusive]} as the index range {@code [from(), to())}. Windows
     * that move forward (a range query's steps) are found by walking on from the previous one, the others by
     * binary search.
     */
    public void locate(long startExclusive, long endInclusive) {
        from = indexAfter(startExclusive, from, lastStart);
        lastStart = startExclusive;
        to = indexAfter(endInclusive, to, lastEnd);
        lastEnd = endInclusive;
    }

    /**
     * Makes {@code out} the samples {@code [from, to)} with the span's ranges: what decoding the block for that
     * window alone would give (for the windows a family answers sample by sample), without a search.
     */
    public void sliceInto(int from, int to, ExactWindow out) {
        out.clear();
        out.coverageStartMs = samples.coverageStartMs;
        out.retainedStartMs = samples.retainedStartMs;
        out.newestMs = samples.newestMs;
        long[] ts = samples.timestamps();
        double[] v = samples.values();
        for (int i = from; i < to; i++) {
            out.add(ts[i], v[i]);
        }
    }

    /** First index of the window {@link #locate}d. */
    public int from() { return from; }

    /** End (exclusive) index of the window {@link #locate}d. */
    public int to() { return to; }

    private int from;
    private int to;
    private long lastStart = Long.MAX_VALUE;
    private long lastEnd = Long.MAX_VALUE;

    /** Index of the first sample after {@code t}, walking from {@code hint} (the answer for {@code hintT}) when near. */
    private int indexAfter(long t, int hint, long hintT) {
        long[] ts = samples.timestamps();
        int n = samples.size();
        if (t >= hintT && hintT != Long.MAX_VALUE) {
            int i = hint;
            for (int walked = 0; i < n && ts[i] <= t; i++, walked++) {
                if (walked == 16) {
                    return Ascending.firstAfter(ts, i, n, t);
                }
            }
            return i;
        }
        return Ascending.firstAfter(ts, 0, n, t);
    }


    // ---- moments --------------------------------------------------------------------------------

    /** The common shift K of the prefix sums (the first finite value, 0 when none). */
    public double shift() {
        buildMoments();
        return shift;
    }

    /**
     * True when prefix differences answer every window as well as summing it would: the finite values lie within
     * 2^40 of each other in magnitude and far from overflow. Values spread over many orders of magnitude (1e220 next
     * to 1: Prometheus' own extreme cases) leave prefix differences with errors the size of the large values, so
     * such spans are answered window by window.
     */
    public boolean momentsTame() {
        buildMoments();
        return tame;
    }

    private boolean tame;

    /** Non-finite samples (NaN, ±Inf) in {@code [from, to)}. */
    public int nonFinite(int from, int to) {
        buildMoments();
        return nonFinite[to] - nonFinite[from];
    }

    /**
     * Compensated {@code sum(x - K)} over the finite samples of {@code [from, to)} as (hi, lo) in {@code out[0..1]},
     * {@code sum((x - K)^2)} in {@code out[2..3]}.
     */
    public void shiftedSums(int from, int to, double[] out) {
        buildMoments();
        buildSquares();
        s1.sum(from, to, out, 0);
        s2.sum(from, to, out, 2);
    }

    /** Compensated {@code sum(x - K)} over the finite samples of {@code [from, to)} as (hi, lo) in {@code out[0..1]}. */
    public void shiftedSum(int from, int to, double[] out) {
        buildMoments();
        s1.sum(from, to, out, 0);
    }

    private boolean squaresBuilt;

    /** The prefix sums of the squares, only for the reads that need the spread (avg, sum, count do not). */
    private void buildSquares() {
        if (squaresBuilt) {
            return;
        }
        int n = samples.size();
        s2.clear(n);
        double[] v = samples.values();
        double k = shift;
        for (int i = 0; i < n; i++) {
            double x = v[i];
            if (!Double.isFinite(x)) {
                s2.add(0, 0);
                continue;
            }
            double d = x - k;
            double sq = d * d;
            s2.add(sq, Math.fma(d, d, -sq)); // the square split exactly by FMA
        }
        squaresBuilt = true;
    }

    private void buildMoments() {
        if (momentsBuilt) {
            return;
        }
        int n = samples.size();
        if (nonFinite.length < n + 1) {
            nonFinite = new int[Math.max(n + 1, nonFinite.length * 2)];
        }
        s1.clear(n);
        double[] v = samples.values();
        double k = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(v[i])) {
                k = v[i];
                break;
            }
        }
        shift = k;
        int bad = 0;
        double maxAbs = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            nonFinite[i] = bad;
            double x = v[i];
            if (!Double.isFinite(x)) {
                bad++;
                s1.add(0, 0);
                continue;
            }
            double ax = Math.abs(x);
            maxAbs = Math.max(maxAbs, ax);
            if (ax > 0) {
                minAbs = Math.min(minAbs, ax);
            }
            double d = x - k;
            double bd = d - x;
            s1.add(d, (x - (d - bd)) + (-k - bd)); // with what the subtraction rounds away
        }
        nonFinite[n] = bad;
        tame = maxAbs <= 0x1p400 && (maxAbs == 0 || maxAbs <= minAbs * 0x1p40);
        momentsBuilt = true;
    }

    // ---- extrema --------------------------------------------------------------------------------

    /** Min and max of {@code [from, to)} (non-empty, finite samples only) into {@code out[at..at+1]}. */
    public void extrema(int from, int to, double[] out, int at) {
        double[] v = samples.values();
        extrema.slide(v, v, samples.size(), from, to);
        out[at] = v[extrema.min()];
        out[at + 1] = v[extrema.max()];
    }

    // ---- sorted values --------------------------------------------------------------------------

    /** True once {@link #sortedValues} sorted a window of these samples (steps after it may slide it). */
    public boolean sortedBefore() {
        return sortedFrom >= 0;
    }

    /**
     * True when {@link #sortedValues} of {@code [from, to)} would slide the previous window's sorted values (the
     * samples entering and leaving are a small part of it); false when it would sort afresh.
     */
    public boolean slidesSorted(int from, int to) {
        return slides(sortedFrom, sortedTo, from, to);
    }

    /**
     * Whether a sorted view of {@code [prevFrom, prevTo)} (none while {@code prevFrom} < 0) slides to
     * {@code [from, to)} for less than sorting it afresh: the window moved forward by at most a quarter of its width.
     */
    private static boolean slides(int prevFrom, int prevTo, int from, int to) {
        return prevFrom >= 0 && from >= prevFrom && to >= prevTo && from < prevTo
            && (from - prevFrom) + (to - prevTo) <= (to - from) / 4 + 8;
    }

    /**
     * The values of {@code [from, to)} in ascending order ({@link Double#compare}, as {@code Arrays.sort}) in the
     * first {@code to - from} slots of the returned array (valid until the next call).
     */
    public double[] sortedValues(int from, int to) {
        double[] v = samples.values();
        if (sortedValues.length < samples.size()) {
            sortedValues = Arrays.copyOf(sortedValues, Math.max(samples.size(), sortedValues.length * 2));
        }
        int size = sortedTo - sortedFrom;
        if (!slidesSorted(from, to)) {
            // a fresh window, or one that moved by much of its width: sorting beats sliding
            System.arraycopy(v, from, sortedValues, 0, to - from);
            Arrays.sort(sortedValues, 0, to - from);
        } else {
            for (int i = sortedFrom; i < from; i++) {
                int at = find(sortedValues, size, v[i]);
                System.arraycopy(sortedValues, at + 1, sortedValues, at, size - at - 1);
                size--;
            }
            for (int i = sortedTo; i < to; i++) {
                int at = insertionPoint(sortedValues, size, v[i]);
                System.arraycopy(sortedValues, at, sortedValues, at + 1, size - at);
                sortedValues[at] = v[i];
                size++;
            }
        }
        sortedFrom = from;
        sortedTo = to;
        return sortedValues;
    }

    /** Index of a value equal to {@code x} ({@link Double#compare}) in the sorted prefix; it is there. */
    private static int find(double[] a, int n, double x) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Double.compare(a[mid], x);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        throw new IllegalStateException("sliding window lost a value");
    }

    private static int insertionPoint(double[] a, int n, double x) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Double.compare(a[mid], x) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    // ---- sorted keys ----------------------------------------------------------------------------

    /** What a value counts as for the frequency family (its canonical bits). */
    public interface KeyOf {
        long key(double value);
    }

    /** True once {@link #sortedKeys} sorted a window's keys (steps after it may slide them). */
    public boolean keysSortedBefore() {
        return keysFrom >= 0;
    }

    /** True when {@link #sortedKeys} of {@code [from, to)} would slide the previous window's keys, not sort afresh. */
    public boolean slidesKeys(int from, int to) {
        return slides(keysFrom, keysTo, from, to);
    }

    /**
     * The keys of the values of {@code [from, to)} in ascending order in the first {@code to - from} slots of the
     * returned array (valid until the next call).
     */
    public long[] sortedKeys(int from, int to, KeyOf keyOf) {
        double[] v = samples.values();
        if (sortedKeys.length < samples.size()) {
            sortedKeys = Arrays.copyOf(sortedKeys, Math.max(samples.size(), sortedKeys.length * 2));
        }
        int size = keysTo - keysFrom;
        if (!slidesKeys(from, to)) {
            for (int i = from; i < to; i++) {
                sortedKeys[i - from] = keyOf.key(v[i]);
            }
            Arrays.sort(sortedKeys, 0, to - from);
        } else {
            for (int i = keysFrom; i < from; i++) {
                int at = Arrays.binarySearch(sortedKeys, 0, size, keyOf.key(v[i]));
                if (at < 0) {
                    throw new IllegalStateException("sliding window lost a key");
                }
                System.arraycopy(sortedKeys, at + 1, sortedKeys, at, size - at - 1);
                size--;
            }
            for (int i = keysTo; i < to; i++) {
                long k = keyOf.key(v[i]);
                int at = Arrays.binarySearch(sortedKeys, 0, size, k);
                if (at < 0) {
                    at = -at - 1;
                }
                System.arraycopy(sortedKeys, at, sortedKeys, at + 1, size - at);
                sortedKeys[at] = k;
                size++;
            }
        }
        keysFrom = from;
        keysTo = to;
        return sortedKeys;
    }
}
