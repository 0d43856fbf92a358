package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NaN samples against a brute-force oracle of Prometheus' semantics, in both tiers: count counts them, sum (and
 * avg, sum2, stdvar, stddev) is NaN when the window holds one, min and max ignore them unless every sample is NaN,
 * quantile ranks them below every number, distinct counts them as one value; stale markers are no samples.
 */
class NaNSamplesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long WINDOW = 3_600_000;
    private static final double STALE = Double.longBitsToDouble(StaleMarker.BITS);

    record Sample(long ts, double value) {
    }

    @Test
    void exactTierAnswersAsPrometheusOverAnyWindow() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 6; round++) {
            try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW), 512 * 1024)) {
                List<Sample> kept = feed(shard, rnd, 300 + rnd.nextInt(300), round % 3 == 0 ? 0.9 : 0.1);
                assertEquals(1, shard.exactSeries());
                long newest = kept.getLast().ts();
                for (int q = 0; q < 200; q++) {
                    long end = newest - rnd.nextLong(0, 600_000);
                    long start = end - rnd.nextLong(1, 300_000);
                    check(shard, kept, start, end, true);
                }
            }
        }
    }

    @Test
    void sketchesAnswerAsPrometheusOverWholeBuckets() {
        SplittableRandom rnd = new SplittableRandom(4);
        // windows on the bucket edges of all three families
        long width = lcm(AggregateSketchSpec.forWindow(WINDOW, 225).bucketWidthMillis(),
                lcm(QuantileSketchSpec.forWindow(WINDOW).bucketWidthMillis(), FrequencySketchSpec.forWindow(WINDOW).bucketWidthMillis()));
        for (int round = 0; round < 6; round++) {
            try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW))) {
                List<Sample> kept = feed(shard, rnd, 300 + rnd.nextInt(300), round % 3 == 0 ? 0.9 : 0.1);
                long newestBucket = Math.floorDiv(kept.getLast().ts() - 1, width);
                for (int q = 0; q < 200; q++) {
                    long end = (newestBucket + 1 - rnd.nextLong(0, 10)) * width;
                    long start = end - rnd.nextLong(1, 6) * width;
                    check(shard, kept, start, end, false);
                }
            }
        }
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    /** Samples 1-15 s apart, small integers, a share of them NaN, a few stale markers (not kept). */
    private static List<Sample> feed(SketchShard shard, SplittableRandom rnd, int n, double nanShare) {
        List<Sample> kept = new ArrayList<>();
        long ts = T0;
        for (int i = 0; i < n; i++) {
            ts += rnd.nextLong(1_000, 15_000);
            double v = rnd.nextDouble() < nanShare ? Double.NaN : rnd.nextInt(-5, 20);
            if (rnd.nextInt(40) == 0) {
                shard.update(0, ts, STALE);
                continue;
            }
            shard.update(0, ts, v);
            kept.add(new Sample(ts, v));
        }
        assertTrue(shard.skippedStale() > 0);
        return kept;
    }

    private static void check(SketchShard shard, List<Sample> kept, long start, long end, boolean exactTier) {
        List<Double> numbers = new ArrayList<>();
        int nan = 0;
        for (Sample s : kept) {
            if (s.ts() > start && s.ts() <= end) {
                if (Double.isNaN(s.value())) {
                    nan++;
                } else {
                    numbers.add(s.value());
                }
            }
        }
        int n = numbers.size() + nan;
        String at = "(" + start + ", " + end + "] " + numbers + " + " + nan + " NaN";
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        assertTrue(shard.readAggregate(0, start, end, a));
        assertTrue(shard.readQuantile(0, start, end, q));
        assertTrue(shard.readFrequency(0, start, end, f));
        assertEquals(n, a.count(), at);
        assertEquals(n, q.count(), at);
        assertEquals(n, f.l1(), at);
        if (n == 0) {
            return;
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (double d : numbers) {
            sum = sum.add(BigDecimal.valueOf(d));
        }
        double wantSum = nan > 0 ? Double.NaN : sum.doubleValue();
        assertEquals(wantSum, a.sum(), 1e-9, "sum " + at);
        assertEquals(nan > 0, Double.isNaN(a.mean()), "avg " + at);
        assertEquals(nan > 0, Double.isNaN(a.variance()), "stdvar " + at);
        assertEquals(nan > 0, Double.isNaN(a.sum2()), "sum2 " + at);
        double min = numbers.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = numbers.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        assertEquals(min, a.min(), "min " + at);
        assertEquals(max, a.max(), "max " + at);
        double[] sorted = numbers.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        for (double phi : new double[] {0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, -0.5, 1.5}) {
            double want = quantile(phi, nan, sorted);
            double got = q.quantile(phi);
            if (exactTier || Double.isNaN(want) || Double.isInfinite(want)) {
                assertEquals(want, got, "quantile " + phi + " " + at);
            } else {
                // a number from the bins: between its neighbouring order statistics, widened by the bins' error
                double bound = q.relativeValueErrorBound() * Math.max(Math.abs(sorted[0]), Math.abs(sorted[sorted.length - 1]));
                assertEquals(want, got, Math.abs(sorted[sorted.length - 1] - sorted[0]) / 2 + bound, "quantile " + phi + " " + at);
            }
        }
        Set<Double> distinct = new HashSet<>(numbers);
        assertEquals(distinct.size() + (nan > 0 ? 1 : 0), f.distinct(), "distinct " + at);
    }

    /** Prometheus' quantile: NaNs sort before every number; the answer interpolates at rank phi * (n - 1). */
    static double quantile(double phi, int nan, double[] numbers) {
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double[] all = new double[nan + numbers.length];
        Arrays.fill(all, 0, nan, Double.NaN);
        System.arraycopy(numbers, 0, all, nan, numbers.length);
        double rank = phi * (all.length - 1);
        int lower = (int) Math.floor(rank);
        int upper = Math.min(all.length - 1, lower + 1);
        double weight = rank - lower;
        return all[lower] * (1 - weight) + all[upper] * weight;
    }
}
