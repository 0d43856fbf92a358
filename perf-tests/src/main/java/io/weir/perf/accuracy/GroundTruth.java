package io.weir.perf.accuracy;

import java.util.Arrays;

/**
 * Exact answers of the {@code *_over_time} functions on the raw samples of one series, with Prometheus
 * semantics: the window {@code (start, end]} is left-open and right-closed; avg is sum/count; stdvar is the
 * population variance; quantile interpolates at rank phi*(n-1); an empty window has no answer (NaN).
 *
 * <p>Single-threaded. {@link #window} locates the samples by binary search; the statistics a query needs are
 * then computed once per window and cached: one compensated pass for count, sum, sum2, min, max and the mean, a
 * second pass for the variance (so a gauge near 2e9 keeps its small variance), and a sorted copy only when a
 * quantile, rank or frequency statistic is asked.
 */
public final class GroundTruth {
    private final SampleSeries series;
    private double[] scratch = new double[0];

    // the current window and what has been computed for it
    private int lo;
    private int hi;
    private boolean aggregated;
    private boolean sorted;
    private boolean counted;
    private double sum;
    private double sum2;
    private double min;
    private double max;
    private double variance;
    private double distinct;
    private double l2;
    private double entropy;

    public GroundTruth(SampleSeries series) {
        this.series = series;
    }

    /** Selects the window {@code (startExclusiveMs, endInclusiveMs]} for the following calls. */
    public GroundTruth window(long startExclusiveMs, long endInclusiveMs) {
        lo = series.firstAfter(startExclusiveMs);
        hi = Math.max(lo, series.firstAfter(endInclusiveMs));
        aggregated = sorted = counted = false;
        return this;
    }

    public int count() { return hi - lo; }

    /** The exact answer of {@code measure} over the selected window; NaN when the window holds no sample. */
    public double value(Measure measure) {
        int n = count();
        if (n == 0) {
            return measure.function() == io.weir.engine.sketch.SketchFunction.COUNT_OVER_TIME ? 0 : Double.NaN;
        }
        return switch (measure.function()) {
            case COUNT_OVER_TIME, L1_OVER_TIME -> n;
            case SUM_OVER_TIME -> aggregates().sum;
            case SUM2_OVER_TIME -> aggregates().sum2;
            case AVG_OVER_TIME -> aggregates().sum / n;
            case MIN_OVER_TIME -> aggregates().min;
            case MAX_OVER_TIME -> aggregates().max;
            case STDVAR_OVER_TIME -> aggregates().variance;
            case STDDEV_OVER_TIME -> Math.sqrt(aggregates().variance);
            case QUANTILE_OVER_TIME -> quantile(measure.phi());
            case DISTINCT_OVER_TIME -> frequencies().distinct;
            case L2_OVER_TIME -> frequencies().l2;
            case ENTROPY_OVER_TIME -> frequencies().entropy;
        };
    }

    /** Prometheus' quantile: linear interpolation between the sorted values at ranks floor and ceil of phi*(n-1). */
    public double quantile(double phi) {
        int n = count();
        if (n == 0) {
            return Double.NaN;
        }
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double[] v = sortedValues();
        double rank = phi * (n - 1);
        int lower = (int) Math.floor(rank);
        int upper = Math.min(n - 1, lower + 1);
        double w = rank - lower;
        return v[lower] * (1 - w) + v[upper] * w;
    }

    /** The empirical CDF of the window at {@code x}: the share of its samples {@literal <=} x. */
    public double cdf(double x) {
        int n = count();
        if (n == 0) {
            return Double.NaN;
        }
        double[] v = sortedValues();
        int a = 0;
        int b = n;
        while (a < b) {
            int mid = (a + b) >>> 1;
            if (v[mid] <= x) {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        return (double) a / n;
    }

    /**
     * Rank error of a quantile estimate: the distance from phi to the CDF interval the estimate occupies,
     * [share strictly below, share at or below], so a value with ties scores 0 when phi falls among the ties.
     */
    public double rankError(double phi, double estimate) {
        if (count() == 0 || estimate != estimate) {
            return Double.NaN;
        }
        double atOrBelow = cdf(estimate);
        double below = cdf(Math.nextDown(estimate));
        if (phi < below) {
            return below - phi;
        }
        return phi > atOrBelow ? phi - atOrBelow : 0;
    }

    private GroundTruth aggregates() {
        if (aggregated) {
            return this;
        }
        double[] v = series.values();
        double s = 0, sc = 0, q = 0, qc = 0;
        double mn = Double.POSITIVE_INFINITY, mx = Double.NEGATIVE_INFINITY;
        for (int i = lo; i < hi; i++) {
            double x = v[i];
            double t = s + x;
            sc += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
            s = t;
            double x2 = x * x;
            t = q + x2;
            qc += Math.abs(q) >= Math.abs(x2) ? (q - t) + x2 : (x2 - t) + q;
            q = t;
            mn = Math.min(mn, x);
            mx = Math.max(mx, x);
        }
        sum = s + sc;
        sum2 = q + qc;
        min = mn;
        max = mx;
        int n = hi - lo;
        double mean = sum / n;
        double d = 0, dc = 0, d2 = 0;
        for (int i = lo; i < hi; i++) {
            double e = v[i] - mean;
            double t = d + e;
            dc += Math.abs(d) >= Math.abs(e) ? (d - t) + e : (e - t) + d;
            d = t;
            d2 += e * e;
        }
        d += dc;
        variance = Math.max(0, (d2 - d * d / n) / n);
        aggregated = true;
        return this;
    }

    private double[] sortedValues() {
        int n = count();
        if (!sorted) {
            if (scratch.length < n) {
                scratch = new double[Math.max(n, scratch.length * 2)];
            }
            System.arraycopy(series.values(), lo, scratch, 0, n);
            Arrays.sort(scratch, 0, n);
            sorted = true;
        }
        return scratch;
    }

    private GroundTruth frequencies() {
        if (counted) {
            return this;
        }
        double[] v = sortedValues();
        int n = count();
        double squares = 0;
        double plogp = 0;
        int runs = 0;
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && Double.compare(v[j], v[i]) == 0) {
                j++;
            }
            double f = j - i;
            runs++;
            squares += f * f;
            double p = f / n;
            plogp += p * Math.log(p);
            i = j;
        }
        distinct = runs;
        l2 = Math.sqrt(squares);
        entropy = -plogp / Math.log(2);
        counted = true;
        return this;
    }
}
