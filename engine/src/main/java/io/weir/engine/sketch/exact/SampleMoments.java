package io.weir.engine.sketch.exact;

/**
 * The moments of a run of raw samples as the aggregate family merges them: the sum as Prometheus sums
 * (Neumaier's compensation, {@code kahanSumInc}), min and max in a first pass; the compensated sums of the
 * deviations from the mean and of their squares in a second. The one place this arithmetic lives: an exact read
 * runs it over a window's samples, the exact block's writer over each finished chunk (whose moments a long
 * window then merges instead of decoding the chunk).
 *
 * <p>Results go to a {@code double[]} at the indices below (a caller's reusable scratch): allocation-free.
 */
public final class SampleMoments {
    /** Pass 1: the compensated sum (hi, lo) of the values. */
    public static final int SUM_HI = 0;
    public static final int SUM_LO = 1;
    public static final int MIN = 2;
    public static final int MAX = 3;
    /** Pass 2: the compensated sum of {@code x - mean} (hi, lo) and of {@code (x - mean)^2} (hi, lo). */
    public static final int DEV_HI = 4;
    public static final int DEV_LO = 5;
    public static final int DEV2_HI = 6;
    public static final int DEV2_LO = 7;
    public static final int LENGTH = 8;

    private SampleMoments() {
    }

    /**
     * Pass 1 over {@code v[from, to)} (non-empty): sum, min, max into {@code out}.
     *
     * @return the mean, or a non-finite value when a sample or the sum is not finite (then only a sample-by-sample
     *         merge carries Prometheus' rules for NaN and infinities)
     */
    public static double sum(double[] v, int from, int to, double[] out) {
        double hi = 0;
        double lo = 0;
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double x = v[i];
            double t = hi + x;
            lo = Math.abs(hi) >= Math.abs(x) ? lo + ((hi - t) + x) : lo + ((x - t) + hi);
            hi = t;
            lowest = Math.min(lowest, x);
            highest = Math.max(highest, x);
        }
        out[SUM_HI] = hi;
        out[SUM_LO] = lo;
        out[MIN] = lowest;
        out[MAX] = highest;
        double mean = (hi + lo) / (to - from);
        return Double.isFinite(lowest) && Double.isFinite(highest) ? mean : Double.NaN;
    }

    /**
     * Pass 2 over {@code v[from, to)}: the deviations from {@code mean}, compensated, with what each subtraction
     * rounds away (so that {@code n * mean + sum(x - mean)} gives the pass-1 sum back even for 1, 1e100, 1, -1e100);
     * squares split exactly by FMA.
     *
     * @return false when the sum of squares overflowed (then a sample-by-sample merge answers)
     */
    public static boolean spread(double[] v, int from, int to, double mean, double[] out) {
        double s1h = 0;
        double s1l = 0;
        double s2h = 0;
        double s2l = 0;
        for (int i = from; i < to; i++) {
            double x = v[i];
            double d = x - mean;
            double bd = d - x;
            double dErr = (x - (d - bd)) + (-mean - bd);
            double t = s1h + d;
            s1l = Math.abs(s1h) >= Math.abs(d) ? s1l + ((s1h - t) + d) + dErr : s1l + ((d - t) + s1h) + dErr;
            s1h = t;
            double sq = d * d;
            double sqErr = Math.fma(d, d, -sq);
            t = s2h + sq;
            double bv = t - s2h;
            s2l += (s2h - (t - bv)) + (sq - bv) + sqErr;
            s2h = t;
        }
        out[DEV_HI] = s1h;
        out[DEV_LO] = s1l;
        out[DEV2_HI] = s2h;
        out[DEV2_LO] = s2l;
        return Double.isFinite(s2h);
    }
}
