package io.weir.engine.sketch.aggregate;

/**
 * Neumaier's improved Kahan summation, as Prometheus' {@code kahanSumInc} does it: the sum is
 * {@code hi + lo}, and an infinite running sum drops the compensation so that +Inf stays +Inf
 * instead of turning into NaN through {@code Inf - Inf}.
 */
final class CompensatedSum {
    private CompensatedSum() {
    }

    /** The new compensation after {@code t = sum + inc}. */
    static double compensation(double sum, double inc, double t, double c) {
        if (Double.isInfinite(t)) {
            return 0.0;
        }
        return Math.abs(sum) >= Math.abs(inc) ? c + ((sum - t) + inc) : c + ((inc - t) + sum);
    }

    /** The compensated value of a (hi, lo) pair. */
    static double value(double hi, double lo) {
        return Double.isInfinite(hi) ? hi : hi + lo;
    }
}
