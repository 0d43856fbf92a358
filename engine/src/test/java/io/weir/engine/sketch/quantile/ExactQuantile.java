package io.weir.engine.sketch.quantile;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Brute force for the tests: exact Prometheus quantile_over_time and the rank error of an estimate. */
final class ExactQuantile {
    private ExactQuantile() {
    }

    /** Samples with timestamps in (start, end], sorted by value. */
    static double[] window(long[] ts, double[] values, int n, long startExclusive, long endInclusive) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (ts[i] > startExclusive && ts[i] <= endInclusive) {
                c++;
            }
        }
        double[] out = new double[c];
        c = 0;
        for (int i = 0; i < n; i++) {
            if (ts[i] > startExclusive && ts[i] <= endInclusive) {
                out[c++] = values[i];
            }
        }
        Arrays.sort(out);
        return out;
    }

    /** Prometheus' quantile(): interpolation at rank phi * (n - 1). */
    static double quantile(double phi, double[] sorted) {
        int n = sorted.length;
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double rank = phi * (n - 1);
        double lower = Math.max(0, Math.floor(rank));
        double upper = Math.min(n - 1, lower + 1);
        double weight = rank - Math.floor(rank);
        return sorted[(int) lower] * (1 - weight) + sorted[(int) upper] * weight;
    }

    /**
     * Normalised distance between the target rank phi*(n-1) and the ranks the estimate takes in the true
     * samples: 0 when [#(x < v), #(x <= v)] reaches the two neighbouring order statistics.
     */
    static double rankError(double phi, double estimate, double[] sorted) {
        int n = sorted.length;
        double r = phi * (n - 1);
        int lo = lowerBound(sorted, estimate);
        int hi = upperBound(sorted, estimate);
        double err = Math.max(0, Math.max(lo - Math.ceil(r), Math.floor(r) + 1 - hi));
        return err / n;
    }

    /** |est - truth| / |truth|, absolute when the truth is 0, 0 when both are the same infinity or NaN. */
    static double valueError(double estimate, double truth) {
        if (estimate == truth || (Double.isNaN(estimate) && Double.isNaN(truth))) {
            return 0;
        }
        return truth == 0 ? Math.abs(estimate) : Math.abs(estimate - truth) / Math.abs(truth);
    }

    private static int lowerBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int upperBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Deterministic value generators of the accuracy method. */
    enum Generator {
        UNIFORM, NORMAL, ZIPF, LOGNORMAL;

        private double[] zipfCdf;

        double next(SplittableRandom rnd) {
            switch (this) {
                case UNIFORM:
                    return rnd.nextDouble() * 100_000;
                case NORMAL:
                    return 50_000 + 10_000 * rnd.nextGaussian();
                case LOGNORMAL:
                    // request latency in seconds: median 120 ms, long right tail
                    return Math.exp(Math.log(0.12) + 0.9 * rnd.nextGaussian());
                default:
                    return zipf(rnd);
            }
        }

        private synchronized double[] cdf() {
            if (zipfCdf == null) {
                double[] c = new double[50_001];
                double s = 0;
                for (int i = 0; i <= 50_000; i++) {
                    s += 1.0 / Math.pow(i + 1, 1.01);
                    c[i] = s;
                }
                for (int i = 0; i <= 50_000; i++) {
                    c[i] /= s;
                }
                zipfCdf = c;
            }
            return zipfCdf;
        }

        /** Zipf(s = 1.01) over the integers 0..50000 (value k has weight 1/(k+1)^s). */
        private double zipf(SplittableRandom rnd) {
            double[] c = cdf();
            double u = rnd.nextDouble();
            int lo = 0, hi = c.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (c[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
