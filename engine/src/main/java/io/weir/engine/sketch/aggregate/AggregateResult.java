package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.ExactAnswer;
import io.weir.engine.sketch.exact.FirstChunk;
import io.weir.engine.sketch.exact.SampleMoments;
import io.weir.engine.sketch.ring.WindowCoverage;

/**
 * The answer of an aggregate sketch over a window {@code (start, end]}, reused by one query thread
 * across reads (owned by that thread; not safe to share while a read fills it).
 *
 * <p>Buckets whose samples all lie inside the window are merged exactly; buckets whose samples lie
 * on both sides of an edge are interpolated linearly by the overlap of the window with the span
 * between their first and last sample (count, sum, sum2, mean, variance) and included whole for
 * min and max. {@link #exact()} tells whether any such interpolation happened; the error bounds say
 * how far count, sum and sum2 can be from the true values when it did. With window edges on bucket
 * edges no bucket is ever partial, so the answer is exact.
 *
 * <p>Infinite samples follow Prometheus: sums become ±Inf (NaN when both signs occur), the mean is
 * sum/count, min and max include them, and variance and stddev are NaN. So do NaN samples: they count, make
 * sum, mean, sum2, variance and stddev NaN, and min and max ignore them unless every sample is NaN. A sketch
 * bucket only knows that it holds a NaN, so a partial bucket with one makes the window's sums NaN.
 */
public final class AggregateResult extends WindowCoverage implements ExactAnswer {
    private double count;
    private double sum;
    private double sum2;
    private double min;
    private double max;
    private double mean;
    private double variance;
    private boolean exact;
    private double countErrorBound;
    private double sumErrorBound;
    private double sum2ErrorBound;
    // for the mean's bound: the whole buckets' count and sum, and the buckets an edge cuts (at most two)
    private double wholeCount;
    private double wholeSum;
    private int cuts;
    private final double[] cutCount = new double[2];
    private final double[] cutMin = new double[2];
    private final double[] cutMax = new double[2];

    // accumulators of one read attempt
    private double sumHi;
    private double sumLo;
    private double sum2Hi;
    private double sum2Lo;
    private double shift;
    private double s1Hi;
    private double s1Lo;
    private double s2Hi;
    private double s2Lo;

    public AggregateResult() {
        begin(0, 0);
        finish();
    }

    /** Number of samples in the window (fractional only when interpolated). 0 means no sample: PromQL emits nothing. */
    public double count() { return count; }

    public double sum() { return sum; }

    /** Sum of squared values. */
    public double sum2() { return sum2; }

    /** NaN when the window holds no sample. */
    public double min() { return min; }

    /** NaN when the window holds no sample. */
    public double max() { return max; }

    /** avg_over_time; NaN when the window holds no sample. */
    public double mean() { return mean; }

    /** Population variance (stdvar_over_time); NaN when empty or when an infinite sample is present. */
    public double variance() { return variance; }

    /** stddev_over_time. */
    public double stddev() { return Math.sqrt(variance); }

    /** True when no bucket was interpolated: every statistic is exact up to float rounding. */
    public boolean exact() { return exact; }

    /** How far {@link #count()} can be from the true count (0 when exact). */
    public double countErrorBound() { return countErrorBound; }

    /**
     * An absolute bound of the mean's error: the true window holds the whole buckets and, of each bucket an edge
     * cuts, some k of its n samples (0 <= k <= n), each within the bucket's [min, max]; the true mean is then
     * (S + sum k_i v_i) / (C + sum k_i), a linear-fractional function of the k_i, so its extremes over the box are at
     * k_i in {0, n_i} with v_i at the bucket's min (lowest) or max (highest). 0 when exact; NaN when the window's
     * sums are not finite or it could hold no sample.
     */
    public double meanErrorBound() {
        if (exact) {
            return 0;
        }
        if (cuts > cutCount.length || !Double.isFinite(wholeSum) || !Double.isFinite(mean)) {
            return Double.NaN;
        }
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int corner = 0; corner < 1 << cuts; corner++) {
            double c = wholeCount;
            double lo = wholeSum;
            double hi = wholeSum;
            for (int i = 0; i < cuts; i++) {
                if ((corner >>> i & 1) != 0) {
                    c += cutCount[i];
                    lo += cutCount[i] * cutMin[i];
                    hi += cutCount[i] * cutMax[i];
                }
            }
            if (c > 0) {
                lowest = Math.min(lowest, lo / c);
                highest = Math.max(highest, hi / c);
            }
        }
        if (lowest > highest) {
            return Double.NaN;
        }
        return Math.max(mean - lowest, highest - mean);
    }

    /** How far {@link #sum()} can be from the true sum (0 when exact, float rounding aside). */
    public double sumErrorBound() { return sumErrorBound; }

    /** How far {@link #sum2()} can be from the true sum of squares. */
    public double sum2ErrorBound() { return sum2ErrorBound; }

    /**
     * Whether the next reads compute the spread (sum of squares, variance): a read for avg, sum, count, min or max
     * does not need it, and skipping it halves the work of an exact read (one pass over the samples instead of
     * two). While off, {@link #sum2()}, {@link #variance()} and {@link #stddev()} of an exact read are NaN. On by
     * default.
     */
    public AggregateResult spreadWanted(boolean wanted) {
        this.spreadWanted = wanted;
        return this;
    }

    private boolean spreadWanted = true;

    /**
     * What this reader needs of the chunk holding an exact window's start ({@link FirstChunk}): its sums when it wants
     * neither the spread nor the extrema (count, sum, mean), its extremes when it wants those and not the spread (min,
     * max), else its samples. With {@code SUMS}, {@link #min()} and {@link #max()} are only bounds of the window's
     * samples; with {@code EXTREMA}, {@link #count()} (still positive), {@link #sum()} and {@link #mean()} may lack
     * that chunk's samples.
     */
    public FirstChunk firstChunk() {
        return spreadWanted ? FirstChunk.SAMPLES : extremaWanted ? FirstChunk.EXTREMA : FirstChunk.SUMS;
    }

    /**
     * Whether the next reads of a decoded span ({@link #readExactSpan}) compute min and max: avg, sum and count do
     * not need them, and the sliding extrema were the largest cost of their range queries. While off, a span read's
     * {@link #min()} and {@link #max()} are NaN (other reads compute them anyway: they cost nothing there). On by
     * default.
     */
    public AggregateResult extremaWanted(boolean wanted) {
        this.extremaWanted = wanted;
        return this;
    }

    private boolean extremaWanted = true;

    /**
     * Fills the answer from raw samples decoded from an exact block: every sample weighs 1, so the answer is
     * exact (to compensated float rounding) and {@link #exact()} is true. Chunks the read gave as moments
     * ({@link io.weir.engine.sketch.exact.ExactWindow#chunks()}) merge as whole buckets. Allocation-free.
     */
    @Override
    public void readExact(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactWindow window) {
        begin(startExclusive, endInclusive);
        range(window.coverageStartMs(), window.retainedStartMs(), window.newestMs());
        int n = window.size();
        int chunks = window.chunks();
        if (n == 0 && chunks == 0) {
            finish();
            return;
        }
        double[] m = momentScratch;
        // pass 1 over the decoded samples: the sum as Prometheus sums, min and max
        double mean = n == 0 ? 0.0 : SampleMoments.sum(window.values(), 0, n, m);
        if (!Double.isFinite(mean)) {
            readExactBySample(window);
            return;
        }
        if (!spreadWanted) {
            // the compensated sum is the samples' only moment (shift 0); its sum of squares is left NaN
            if (n > 0) {
                mergeBucket(1.0, n, 0.0, m[SampleMoments.SUM_HI], m[SampleMoments.SUM_LO], Double.NaN, 0.0,
                    m[SampleMoments.MIN], m[SampleMoments.MAX]);
            }
            mergeChunks(window, false);
            finish();
            return;
        }
        // pass 2: the deviations from the mean
        if (n > 0 && !SampleMoments.spread(window.values(), 0, n, mean, m)) {
            readExactBySample(window);
            return;
        }
        if (n > 0) {
            mergeBucket(1.0, n, mean, m[SampleMoments.DEV_HI], m[SampleMoments.DEV_LO], m[SampleMoments.DEV2_HI],
                m[SampleMoments.DEV2_LO], m[SampleMoments.MIN], m[SampleMoments.MAX]);
        }
        mergeChunks(window, false);
        beginSpread(n > 0 ? mean : firstChunkMean(window));
        if (n > 0) {
            mergeSpread(1.0, n, mean, m[SampleMoments.DEV_HI], m[SampleMoments.DEV_LO], m[SampleMoments.DEV2_HI],
                m[SampleMoments.DEV2_LO]);
        }
        mergeChunks(window, true);
        finish();
    }

    private final double[] momentScratch = new double[SampleMoments.LENGTH];

    /**
     * Pass 1 ({@code spread} false) or pass 2 of the chunks a read gave as moments: whole buckets (their samples all
     * finite), shifted by their mean {@code K = (hi + lo) / n} as the writer took their squared deviations from it;
     * the deviations' sum {@code (hi + lo) - nK} is computed with one rounding, so the bucket's sum {@code nK + dev}
     * is the chunk's.
     */
    private void mergeChunks(io.weir.engine.sketch.exact.ExactWindow window, boolean spread) {
        for (int k = 0, chunks = window.chunks(); k < chunks; k++) {
            int n = window.chunkSamples(k);
            double hi = window.chunkSumHi(k);
            double lo = window.chunkSumLo(k);
            double mean = (hi + lo) / n;
            double dev = Math.fma(-n, mean, hi) + lo;
            if (spread) {
                mergeSpread(1.0, n, mean, dev, 0.0, window.chunkDev2(k), 0.0);
            } else {
                mergeBucket(1.0, n, mean, dev, 0.0, window.chunkDev2(k), 0.0, window.chunkMin(k), window.chunkMax(k));
            }
        }
    }

    /** The first chunk's mean: the spread's shift when no sample was decoded. */
    private static double firstChunkMean(io.weir.engine.sketch.exact.ExactWindow window) {
        return (window.chunkSumHi(0) + window.chunkSumLo(0)) / window.chunkSamples(0);
    }

    /**
     * Sample by sample, as one-sample buckets (and the chunks given as moments as whole ones): the path for windows
     * with infinite (or NaN) samples or sums that overflow, where the moments above do not apply and the bucket
     * merge carries Prometheus' rules.
     */
    private void readExactBySample(io.weir.engine.sketch.exact.ExactWindow window) {
        int n = window.size();
        double[] v = window.values();
        for (int i = 0; i < n; i++) {
            double x = v[i];
            double d = x - x; // NaN for an infinite sample, as in a sketch bucket
            mergeBucket(1.0, 1, x, d, 0.0, d * d, 0.0, x, x);
        }
        mergeChunks(window, false);
        if (count > 0) {
            beginSpread(n > 0 ? v[0] : firstChunkMean(window));
            for (int i = 0; i < n; i++) {
                double x = v[i];
                double d = x - x;
                mergeSpread(1.0, 1, x, d, 0.0, d * d, 0.0);
            }
            mergeChunks(window, true);
        }
        finish();
    }

    /**
     * The same answer as {@link #readExact} for the window {@code (startExclusive, endInclusive]} of a decoded span
     * (a range query's steps): from the span's prefix sums and sliding extrema, so a window costs O(1) instead of
     * its samples. Windows holding a non-finite sample are sliced and read sample by sample, as before.
     */
    @Override
    public void readExactSpan(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactSpan span,
                              io.weir.engine.sketch.exact.ExactWindow slice) {
        span.locate(startExclusive, endInclusive);
        int from = span.from();
        int to = span.to();
        if (to > from && (!span.momentsTame() || span.nonFinite(from, to) > 0)) {
            span.sliceInto(from, to, slice);
            readExact(startExclusive, endInclusive, slice);
            return;
        }
        io.weir.engine.sketch.exact.ExactWindow all = span.samples();
        begin(startExclusive, endInclusive);
        range(all.coverageStartMs(), all.retainedStartMs(), all.newestMs());
        int n = to - from;
        if (n > 0) {
            double[] sums = spanScratch;
            if (spreadWanted) {
                span.shiftedSums(from, to, sums);
            } else {
                span.shiftedSum(from, to, sums);
                sums[2] = Double.NaN;
                sums[3] = 0.0;
            }
            if (extremaWanted) {
                span.extrema(from, to, sums, 4);
            } else {
                // no bucket bounds (min and max come out NaN): what avg, sum and count do not need
                sums[4] = sums[5] = Double.NaN;
            }
            double k = span.shift();
            mergeBucket(1.0, n, k, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]);
            if (spreadWanted) {
                beginSpread(k);
                mergeSpread(1.0, n, k, sums[0], sums[1], sums[2], sums[3]);
            }
            finish();
            double delta = k - mean;
            if (spreadWanted && !(delta * delta <= 0x1p12 * variance)) {
                // the window's mean lies far from the span's shift next to its spread (a counter's later windows,
                // a level shift): re-centring the squares cancelled ~delta^2 / variance of them, more than the 12
                // bits that leave float rounding at 1e-12 of the variance, so this window is summed on its own
                span.sliceInto(from, to, slice);
                readExact(startExclusive, endInclusive, slice);
            }
            return;
        }
        finish();
    }

    private final double[] spanScratch = new double[6];

    void begin(long startExclusive, long endInclusive) {
        beginWindow(startExclusive, endInclusive);
        count = 0;
        sumHi = sumLo = sum2Hi = sum2Lo = 0;
        s1Hi = s1Lo = s2Hi = s2Lo = 0;
        shift = Double.NaN;
        min = Double.POSITIVE_INFINITY;
        max = Double.NEGATIVE_INFINITY;
        exact = true;
        countErrorBound = sumErrorBound = sum2ErrorBound = 0;
        wholeCount = wholeSum = 0;
        cuts = 0;
    }

    /**
     * Pass 1: one bucket with weight {@code w} in (0, 1], given as its count n, shift K, compensated
     * {@code S1 = sum(x-K)} and {@code S2 = sum((x-K)^2)}, min and max. Its sum {@code n*K + S1} and sum of
     * squares {@code n*K^2 + 2*K*S1 + S2} are added term by term, the products split exactly by FMA (the
     * errors go to the compensation), so aligned windows keep the precision of separately stored compensated sums.
     */
    void mergeBucket(double w, int n, double k, double s1Hi, double s1Lo, double s2Hi, double s2Lo,
                     double bMin, double bMax) {
        count += w * n;
        if (k != k) {
            // the bucket holds a NaN sample (its shift is NaN then): every sum is NaN, as in Prometheus
            addSum(Double.NaN);
            addSum2(Double.NaN);
        } else if (bMax == Double.POSITIVE_INFINITY || bMin == Double.NEGATIVE_INFINITY) {
            // infinite samples (S1 is NaN then): the sum is their sign, NaN with both, as Prometheus adds them
            addSum(bMax != Double.POSITIVE_INFINITY ? Double.NEGATIVE_INFINITY
                : bMin == Double.NEGATIVE_INFINITY ? Double.NaN : Double.POSITIVE_INFINITY);
            addSum2(Double.POSITIVE_INFINITY);
        } else {
            // the large terms compensated; their rounding errors, ~1e-16 of them, added to the compensation directly
            double nk = n * k;
            addSum(w * nk);
            addSum(w * s1Hi);
            sumLo += w * (productError(n, k, nk) + s1Lo);
            double kk = k * k;
            double nkk = n * kk;
            double twoK = 2.0 * k;
            double p = twoK * s1Hi;
            addSum2(w * nkk);
            addSum2(w * p);
            addSum2(w * s2Hi);
            sum2Lo += w * (productError(n, kk, nkk) + n * productError(k, k, kk) + productError(twoK, s1Hi, p)
                + twoK * s1Lo + s2Lo);
        }
        if (bMin < min) {
            min = bMin;
        }
        if (bMax > max) {
            max = bMax;
        }
        if (w >= 1.0) {
            wholeCount += n;
            wholeSum += n * k + s1Hi + s1Lo;
        } else {
            if (cuts < cutCount.length) {
                cutCount[cuts] = n;
                cutMin[cuts] = bMin;
                cutMax[cuts] = bMax;
            }
            cuts++;
        }
        if (w < 1.0) {
            exact = false;
            countErrorBound += Math.max(w, 1.0 - w) * n;
            // the true and the estimated partial sums both lie in [n*min(0,bMin), n*max(0,bMax)]
            sumErrorBound += n * (Math.max(0.0, bMax) - Math.min(0.0, bMin));
            double maxAbs = Math.max(Math.abs(bMin), Math.abs(bMax));
            sum2ErrorBound += n * maxAbs * maxAbs;
        }
    }

    /** The rounding error of {@code p = a * b}, exactly; 0 when p overflowed (the sum is infinite anyway). */
    private static double productError(double a, double b, double p) {
        return Double.isInfinite(p) ? 0.0 : Math.fma(a, b, -p);
    }

    private void addSum(double s) {
        double t = sumHi + s;
        sumLo = CompensatedSum.compensation(sumHi, s, t, sumLo);
        sumHi = t;
    }

    private void addSum2(double s) {
        double t = sum2Hi + s;
        sum2Lo = CompensatedSum.compensation(sum2Hi, s, t, sum2Lo);
        sum2Hi = t;
    }

    /** Between the passes: the shift for the spread pass, near the mean so nothing cancels. */
    double beginSpread(double firstBucketShift) {
        double m = CompensatedSum.value(sumHi, sumLo) / count;
        shift = Double.isFinite(m) ? m : firstBucketShift;
        return shift;
    }

    /** Pass 2: a bucket's shifted sums, re-centred from its own shift K to the common shift. */
    void mergeSpread(double w, int n, double bShift, double bDev, double bDevComp, double bDev2, double bDev2Comp) {
        double delta = bShift - shift; // exact by Sterbenz when values are close, which is when it matters
        double dev = CompensatedSum.value(bDev, bDevComp);
        double dev2 = CompensatedSum.value(bDev2, bDev2Comp);
        double s1 = w * (dev + n * delta);
        double s2 = w * (dev2 + delta * (2.0 * dev + n * delta));
        double t = s1Hi + s1;
        s1Lo = CompensatedSum.compensation(s1Hi, s1, t, s1Lo);
        s1Hi = t;
        t = s2Hi + s2;
        s2Lo = CompensatedSum.compensation(s2Hi, s2, t, s2Lo);
        s2Hi = t;
    }

    void finish() {
        if (count <= 0) {
            count = 0;
            sum = 0;
            sum2 = 0;
            min = max = mean = variance = Double.NaN;
            return;
        }
        sum = CompensatedSum.value(sumHi, sumLo);
        sum2 = CompensatedSum.value(sum2Hi, sum2Lo);
        double s1 = CompensatedSum.value(s1Hi, s1Lo);
        double s2 = CompensatedSum.value(s2Hi, s2Lo);
        if (min > max) {
            min = max = Double.NaN; // only NaN samples: Prometheus' min and max are NaN
        }
        mean = sum / count;
        if (!Double.isFinite(sum)) {
            // the sum overflowed on finite samples: the shifted mean does not; with infinite samples it is NaN
            double shifted = shift + s1 / count;
            if (Double.isFinite(shifted)) {
                mean = shifted;
            }
        }
        if (mean > max) {
            mean = max; // interpolation weights can round a constant window's mean past its bounds
        } else if (mean < min) {
            mean = min;
        }
        double v = (s2 - s1 * s1 / count) / count;
        variance = v < 0 ? 0 : v; // rounding can take a zero variance slightly below zero
    }

    @Override
    public String toString() {
        return "AggregateResult{(" + startExclusiveMs() + ", " + endInclusiveMs() + "] count=" + count + ", sum=" + sum
            + ", sum2=" + sum2 + ", min=" + min + ", max=" + max + ", mean=" + mean + ", variance=" + variance
            + ", exact=" + exact + ", covered=" + covered() + ", countErr=" + countErrorBound + ", sumErr="
            + sumErrorBound + "}";
    }
}
