package io.weir.perf.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.SketchFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The quick profile on the aggregate family, checking what the structure itself claims (not the goals):
 * windows on bucket edges are exact, count/sum/sum2 stay within their reported bounds, min/max never miss a
 * sample (a whole boundary bucket is included), and no answer is missing. Plus the ground truth against a brute
 * force on small windows.
 */
class AccuracyQuickTest {
    private static final AccuracyProfile QUICK = AccuracyProfile.quick();

    @Test
    void quickProfileKeepsTheAggregateSketchsClaims() {
        AtomicLong checked = new AtomicLong();
        List<String> failures = new ArrayList<>();
        AccuracyRun run = new AccuracyRun(QUICK, List.of(AggregateSketchUnderTest.factory(QUICK.defaultMaxBuckets())), o -> {
            String claim = claimBroken(o);
            checked.incrementAndGet();
            if (claim != null && failures.size() < 20) {
                failures.add(claim + ": " + o);
            }
        });
        List<AccuracyRun.Cell> cells = run.run();
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
        AccuracyReport report = new AccuracyReport(cells);
        ErrorStats all = report.pooled(c -> true);
        assertEquals(0, all.boundViolations());
        assertEquals(0, all.missing());
        assertTrue(all.boundChecks() > 0);
        assertTrue(checked.get() > 10_000, "queries: " + checked.get());
        // the counts come from interpolating regular samples: the whole window is off by under a sample or two
        for (int w : QUICK.windows()) {
            ErrorStats count = report.pooled(c -> c.windowSamples() == w && c.kind() == SubWindowKind.WHOLE
                && c.measure().function() == SketchFunction.COUNT_OVER_TIME);
            assertTrue(count.maxRelative() <= 100.0 * 2 / w, "count error at window " + w + ": " + count.maxRelative());
        }
        String markdown = report.render(List.of("maxBuckets=" + QUICK.defaultMaxBuckets()));
        assertTrue(markdown.contains("| count |"), markdown);
    }

    @Test
    void quickProfileKeepsTheQuantileSketchsClaims() {
        // value bounds on exact windows and rank bounds on every window hold; both are counted as bound checks
        AccuracyProfile oneWindow = new AccuracyProfile("quick-1e4", new int[] {10_000}, QUICK.queryTimes(), QUICK.hundredthStride(),
            QUICK.maxBucketsSweep(), QUICK.defaultMaxBuckets(), QUICK.intervalMillis(), QUICK.jitterMillis(), QUICK.seed());
        AccuracyReport report = new AccuracyReport(new AccuracyRun(oneWindow, List.of(QuantileSketchUnderTest.defaultFactory()), null).run());
        ErrorStats all = report.pooled(c -> true);
        assertEquals(0, all.boundViolations());
        assertEquals(0, all.missing());
        assertTrue(all.boundChecks() > all.queries(), "value and rank checks: " + all.boundChecks());
        // whole windows of the synthetic set: value error well under 1 %
        ErrorStats whole = report.pooled(c -> c.kind() == SubWindowKind.WHOLE && AccuracyReport.SYNTHETIC.contains(c));
        assertTrue(whole.meanRelative() < 1.0, "whole-window value error " + whole.meanRelative());
        assertTrue(report.render(List.of()).contains("| quantile(0.99) |"));
    }

    private static String claimBroken(AccuracyRun.QueryOutcome o) {
        double t = o.truth();
        double e = o.estimate();
        if ((t != t) != (e != e)) {
            return "missing answer";
        }
        if (t != t) {
            return null;
        }
        double b = o.reportedBound();
        if (b == b && !ErrorStats.withinBound(t, e, b)) {
            return "outside reported bound " + b;
        }
        double slack = 1e-9 * Math.abs(t);
        return switch (o.measure().function()) {
            case MIN_OVER_TIME -> e <= t + slack ? null : "min above the window's smallest sample";
            case MAX_OVER_TIME -> e >= t - slack ? null : "max below the window's largest sample";
            default -> null;
        };
    }

    @Test
    void windowsOnBucketEdgesAreExact() {
        int windowSamples = 10_000;
        long w = windowSamples * QUICK.intervalMillis();
        for (ValueDistribution d : ValueDistribution.values()) {
            SampleSeries series = SampleSeries.generate(d, 2 * windowSamples, windowSamples, QUICK.intervalMillis(),
                QUICK.jitterMillis(), QUICK.seed());
            GroundTruth truth = new GroundTruth(series);
            AggregateSketchUnderTest sketch = new AggregateSketchUnderTest(w, QUICK.defaultMaxBuckets());
            long width = sketch.spec().bucketWidthMillis();
            int retained = sketch.spec().bucketCount() - 1;
            long[] ts = series.timestamps();
            int next = 0;
            for (int j = 1; j <= 5; j++) {
                long t = Math.floorDiv(ts[windowSamples - 1] + (ts[ts.length - 1] - ts[windowSamples - 1]) * j / 5, width) * width;
                while (next < ts.length && ts[next] <= t) {
                    sketch.update(ts[next], series.values()[next]);
                    next++;
                }
                for (int len = 1; len <= retained; len += 7) {
                    for (int back = 0; back + len <= retained; back += 13) {
                        long end = t - back * width;
                        long start = end - len * width;
                        truth.window(start, end);
                        for (SketchFunction f : sketch.functions()) {
                            double expected = truth.value(Measure.of(f));
                            double actual = sketch.answer(f, Double.NaN, start, end);
                            String where = d + " " + f.promqlName() + " (" + start + ", " + end + "]";
                            assertEquals(0.0, sketch.reportedBound(), where);
                            if (expected != expected) {
                                assertTrue(actual != actual, where + " expected no answer, got " + actual);
                                continue;
                            }
                            double tolerance = 1e-9 * Math.abs(expected) + (f == SketchFunction.STDDEV_OVER_TIME ? 1e-6 : 1e-9);
                            assertEquals(expected, actual, tolerance, where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void groundTruthMatchesBruteForce() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(60);
            long[] ts = new long[n];
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                ts[i] = 1000L * i;
                v[i] = rnd.nextInt(8) * 1.5 - 3;
            }
            GroundTruth truth = new GroundTruth(new SampleSeries(ValueDistribution.UNIFORM, ts, v, 1000));
            long start = 1000L * rnd.nextInt(-2, n) - rnd.nextInt(2);
            long end = start + 1000L * rnd.nextInt(0, n + 2) + rnd.nextInt(2);
            truth.window(start, end);
            List<Double> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (ts[i] > start && ts[i] <= end) {
                    in.add(v[i]);
                }
            }
            assertEquals(in.size(), truth.count());
            if (in.isEmpty()) {
                assertTrue(Double.isNaN(truth.value(Measure.of(SketchFunction.AVG_OVER_TIME))));
                continue;
            }
            double[] s = in.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double sum = Arrays.stream(s).sum();
            double mean = sum / s.length;
            double var = Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / s.length;
            assertEquals(sum, truth.value(Measure.of(SketchFunction.SUM_OVER_TIME)), 1e-9);
            assertEquals(Arrays.stream(s).map(x -> x * x).sum(), truth.value(Measure.of(SketchFunction.SUM2_OVER_TIME)), 1e-9);
            assertEquals(mean, truth.value(Measure.of(SketchFunction.AVG_OVER_TIME)), 1e-9);
            assertEquals(var, truth.value(Measure.of(SketchFunction.STDVAR_OVER_TIME)), 1e-9);
            assertEquals(s[0], truth.value(Measure.of(SketchFunction.MIN_OVER_TIME)));
            assertEquals(s[s.length - 1], truth.value(Measure.of(SketchFunction.MAX_OVER_TIME)));
            for (double phi : new double[] {0, 0.1, 0.5, 0.9, 1}) {
                double rank = phi * (s.length - 1);
                int lo = (int) Math.floor(rank);
                double q = s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (rank - lo);
                assertEquals(q, truth.quantile(phi), 1e-9, "phi " + phi);
                assertEquals(0.0, truth.rankError(phi, s[(int) Math.round(phi * (s.length - 1))]), 1.0 / s.length + 1e-12);
            }
            Map<Double, Integer> freq = new HashMap<>();
            in.forEach(x -> freq.merge(x, 1, Integer::sum));
            double l2 = Math.sqrt(freq.values().stream().mapToDouble(f -> (double) f * f).sum());
            double h = -freq.values().stream().mapToDouble(f -> {
                double p = (double) f / s.length;
                return p * Math.log(p) / Math.log(2);
            }).sum();
            assertEquals(freq.size(), truth.value(Measure.of(SketchFunction.DISTINCT_OVER_TIME)));
            assertEquals(s.length, truth.value(Measure.of(SketchFunction.L1_OVER_TIME)));
            assertEquals(l2, truth.value(Measure.of(SketchFunction.L2_OVER_TIME)), 1e-9);
            assertEquals(h, truth.value(Measure.of(SketchFunction.ENTROPY_OVER_TIME)), 1e-9);
        }
    }
}
