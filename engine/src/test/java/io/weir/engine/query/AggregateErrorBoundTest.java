package io.weir.engine.query;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchFlyweight;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bound the query engine states for an aggregate sketch's point holds: over random streams (scrape jitter,
 * gaps, out-of-order samples; values around 0, far from 0, counters) and random windows that cut buckets anywhere,
 * |estimate - truth| <= the stated absolute bound (and <= the relative one x |truth|) for count, sum, sum2 and avg
 * against a brute force over the raw samples, whenever the bound is finite. (How loose the bound is compared with the error is printed, not asserted.)
 */
class AggregateErrorBoundTest {
    private record Sample(long ts, double value) {}

    private static final SketchFunction[] BOUNDED = {SketchFunction.COUNT_OVER_TIME, SketchFunction.SUM_OVER_TIME,
        SketchFunction.SUM2_OVER_TIME, SketchFunction.AVG_OVER_TIME};

    @Test
    void statedBoundsHoldOnRandomStreamsAndWindows() {
        long points = 0;
        long bounded = 0;
        double worstLooseness = 0;
        java.util.Map<SketchFunction, List<Double>> looseness = new java.util.EnumMap<>(SketchFunction.class);
        for (long seed = 1; seed <= 12; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            long stream = seed;
            AggregateSketchSpec spec = AggregateSketchSpec.forWindow(3_600_000, 60); // 1 h in 60 s buckets
            AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, spec);
            List<Sample> samples = new ArrayList<>();
            int kind = (int) (seed % 4);
            double offset = kind == 1 ? 1e9 : kind == 2 ? -500 : 0;
            double counter = 0;
            long ts = 1_700_000_000_000L;
            AggregateResult out = new AggregateResult();
            for (int i = 0; i < 2_000; i++) {
                ts += (kind == 3 ? 1_000 : 15_000) + rnd.nextLong(-500, 501);
                if (rnd.nextInt(200) == 0) {
                    ts += rnd.nextLong(30_000, 600_000);
                }
                long sampleTs = rnd.nextInt(20) == 0 ? ts - rnd.nextLong(1, 120_000) : ts;
                double value = switch (kind) {
                    case 0 -> rnd.nextGaussian() * 100;
                    case 1 -> offset + rnd.nextGaussian() * 1e6;
                    case 2 -> offset + rnd.nextDouble() * 1_000;
                    default -> counter += rnd.nextInt(0, 50);
                };
                if (sketch.update(sampleTs, value) == AggregateSketchFlyweight.APPLIED) {
                    samples.add(new Sample(sampleTs, value));
                }
                if (i > 100 && i % 7 == 0) {
                    long end = ts - rnd.nextLong(0, 600_000);
                    long range = rnd.nextLong(60_000, 3_600_000);
                    sketch.read(end - range, end, out);
                    if (!out.covered() || out.count() <= 0) {
                        continue;
                    }
                    Truth t = Truth.over(samples, end - range, end);
                    for (SketchFunction f : BOUNDED) {
                        double absolute = SketchQueryEngine.absoluteErrorBound(f, out);
                        double relative = SketchQueryEngine.relativeErrorBound(f, out);
                        double estimate = SketchQueryEngine.valueOf(f, out);
                        double truth = t.of(f);
                        points++;
                        if (Double.isNaN(absolute) || Double.isNaN(truth)) {
                            continue;
                        }
                        bounded++;
                        double error = Math.abs(estimate - truth);
                        // 1e-9: the float rounding of the estimate itself, which the bound does not claim to cover
                        double slack = 1e-9 * Math.max(1, Math.abs(truth));
                        assertTrue(error <= absolute + slack,
                                () -> f.promqlName() + " stream " + stream + " window (" + (end - range) + ", " + end + "]: estimate "
                                        + estimate + ", truth " + truth + ", stated absolute bound " + absolute + ", " + out);
                        assertTrue(Double.isNaN(relative) || error <= relative * Math.abs(truth) + slack,
                                () -> f.promqlName() + " stream " + stream + ": estimate " + estimate + ", truth " + truth
                                        + ", stated relative bound " + relative);
                        if (error > 0) {
                            worstLooseness = Math.max(worstLooseness, absolute / error);
                            looseness.computeIfAbsent(f, k -> new ArrayList<>()).add(absolute / error);
                        }
                    }
                }
            }
        }
        assertTrue(bounded > points / 4, "most points should carry a finite bound: " + bounded + " of " + points);
        System.out.printf("aggregate bounds: %d of %d points bounded; bound / error at most %.3g%n", bounded, points,
                worstLooseness);
        looseness.forEach((f, ratios) -> {
            ratios.sort(null);
            System.out.printf("  %s: bound / error median %.3g, p90 %.3g over %d inexact points%n", f.promqlName(),
                    ratios.get(ratios.size() / 2), ratios.get(ratios.size() * 9 / 10), ratios.size());
        });
    }

    /** Brute force over the raw samples, with PromQL's (start, end] windows, in BigDecimal. */
    private record Truth(long count, double sum, double sum2) {
        static Truth over(List<Sample> samples, long startExclusive, long endInclusive) {
            BigDecimal s = BigDecimal.ZERO;
            BigDecimal s2 = BigDecimal.ZERO;
            long n = 0;
            for (Sample x : samples) {
                if (x.ts > startExclusive && x.ts <= endInclusive) {
                    BigDecimal v = new BigDecimal(x.value);
                    s = s.add(v, MathContext.DECIMAL128);
                    s2 = s2.add(v.multiply(v, MathContext.DECIMAL128), MathContext.DECIMAL128);
                    n++;
                }
            }
            return new Truth(n, s.doubleValue(), s2.doubleValue());
        }

        double of(SketchFunction f) {
            return switch (f) {
                case COUNT_OVER_TIME -> count;
                case SUM_OVER_TIME -> sum;
                case SUM2_OVER_TIME -> sum2;
                case AVG_OVER_TIME -> count == 0 ? Double.NaN : sum / count;
                default -> throw new IllegalArgumentException(f.toString());
            };
        }
    }
}
