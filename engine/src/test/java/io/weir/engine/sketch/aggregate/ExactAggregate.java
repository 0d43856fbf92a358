package io.weir.engine.sketch.aggregate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/** Brute-force answers over raw samples with PromQL window semantics (T-w, T], in BigDecimal (two passes). */
final class ExactAggregate {
    record Sample(long ts, double value) {
    }

    long count;
    double sum;
    double sum2;
    double min;
    double max;
    double mean;
    double variance;
    double sumAbs;
    double sum2Abs;

    static ExactAggregate over(List<Sample> samples, long startExclusive, long endInclusive) {
        ExactAggregate e = new ExactAggregate();
        MathContext mc = MathContext.DECIMAL128;
        BigDecimal s = BigDecimal.ZERO;
        BigDecimal s2 = BigDecimal.ZERO;
        e.min = Double.POSITIVE_INFINITY;
        e.max = Double.NEGATIVE_INFINITY;
        for (Sample x : samples) {
            if (x.ts > startExclusive && x.ts <= endInclusive && !Double.isNaN(x.value)) {
                BigDecimal v = new BigDecimal(x.value);
                s = s.add(v, mc);
                s2 = s2.add(v.multiply(v, mc), mc);
                e.count++;
                e.min = Math.min(e.min, x.value);
                e.max = Math.max(e.max, x.value);
                e.sumAbs += Math.abs(x.value);
                e.sum2Abs += x.value * x.value;
            }
        }
        if (e.count == 0) {
            return e;
        }
        BigDecimal n = BigDecimal.valueOf(e.count);
        BigDecimal m = s.divide(n, mc);
        BigDecimal dev2 = BigDecimal.ZERO;
        for (Sample x : samples) {
            if (x.ts > startExclusive && x.ts <= endInclusive && !Double.isNaN(x.value)) {
                BigDecimal d = new BigDecimal(x.value).subtract(m, mc);
                dev2 = dev2.add(d.multiply(d, mc), mc);
            }
        }
        e.sum = s.doubleValue();
        e.sum2 = s2.doubleValue();
        e.mean = m.doubleValue();
        e.variance = dev2.divide(n, mc).doubleValue();
        return e;
    }
}
