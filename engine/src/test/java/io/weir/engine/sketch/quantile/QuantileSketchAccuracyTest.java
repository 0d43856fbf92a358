package io.weir.engine.sketch.quantile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.quantile.ExactQuantile.Generator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sketch against brute force on the generators of the accuracy method, at windows of 1e4, 1e5 and 1e6
 * samples (1 h at 360 / 36 / 3.6 ms per sample), with jitter, out-of-order samples, too-old samples and
 * expiry. Every answer must lie within the bounds it reports; mean and max errors are printed.
 */
class QuantileSketchAccuracyTest {
    private static final long WINDOW = 3_600_000;
    private static final double[] PHIS = {0.5, 0.9, 0.99};

    /** Error statistics of one kind of window. */
    private static final class Stats {
        double rankSum, rankMax, valueSum, valueMax, rankBoundSum;
        int n;

        void add(double rankErr, double valueErr, double rankBound) {
            rankSum += rankErr;
            rankMax = Math.max(rankMax, rankErr);
            valueSum += valueErr;
            valueMax = Math.max(valueMax, valueErr);
            rankBoundSum += rankBound;
            n++;
        }

        String row() {
            return n == 0 ? "-" : String.format("rank mean %.4f%% max %.4f%% (bound mean %.3f%%) | value mean %.4f%% max %.4f%%",
                100 * rankSum / n, 100 * rankMax, 100 * rankBoundSum / n, 100 * valueSum / n, 100 * valueMax);
        }
    }

    @Test
    void window1e4() {
        for (Generator g : Generator.values()) {
            run(g, 10_000, 6);
        }
    }

    @Test
    void window1e5() {
        for (Generator g : Generator.values()) {
            run(g, 100_000, 4);
        }
    }

    @Test
    void window1e6() {
        for (Generator g : new Generator[] {Generator.NORMAL, Generator.ZIPF, Generator.LOGNORMAL}) {
            run(g, 1_000_000, 1);
        }
    }

    private void run(Generator gen, int samplesPerWindow, int queryTimes) {
        QuantileSketchSpec spec = Boolean.getBoolean("weir.quantile.fineBuckets") ? QuantileSketchSpec.forWindow(WINDOW, 240, 48 * 1024, 0.01) : QuantileSketchSpec.forWindow(WINDOW);
        long width = spec.bucketWidthMillis();
        int buckets = spec.bucketCount();
        QuantileSketchFlyweight sketch = QuantileSketchFlyweight.onHeap(1, spec);
        QuantileResult out = new QuantileResult();
        SplittableRandom rnd = new SplittableRandom(gen.ordinal() * 31L + samplesPerWindow);
        double interval = (double) WINDOW / samplesPerWindow;
        int total = samplesPerWindow * 3 / 2;
        long[] ts = new long[total];
        double[] values = new double[total];
        int kept = 0;
        long start = 1_700_000_000_000L + rnd.nextLong(0, width);
        long newestBucket = Long.MIN_VALUE;
        long tooOld = 0;
        Stats aligned = new Stats(), tenths = new Stats(), hundredths = new Stats(), suffixes = new Stats(), unaligned = new Stats();
        int queriesDone = 0;
        int nextQueryAt = samplesPerWindow + 1;
        int queryEvery = Math.max(1, (total - nextQueryAt) / queryTimes);
        for (int i = 0; i < total; i++) {
            long t = start + (long) (i * interval + (rnd.nextDouble() - 0.5) * interval * 0.6);
            if (rnd.nextInt(20) == 0) {
                t -= rnd.nextLong(0, 2 * width);          // out of order, within the ring
            } else if (rnd.nextInt(5000) == 0) {
                t -= 3 * WINDOW;                           // far too old
            }
            double v = gen.next(rnd);
            int status = sketch.update(t, v);
            long k = Math.floorDiv(t - 1, width);
            if (newestBucket != Long.MIN_VALUE && k <= newestBucket - buckets) {
                assertEquals(QuantileSketchFlyweight.SKIPPED_TOO_OLD, status);
                tooOld++;
            } else {
                assertEquals(QuantileSketchFlyweight.APPLIED, status);
                newestBucket = Math.max(newestBucket, k);
                ts[kept] = t;
                values[kept++] = v;
            }
            if (i == nextQueryAt && queriesDone < queryTimes) {
                nextQueryAt += queryEvery;
                queriesDone++;
                long end = (newestBucket + 1) * width;
                query(sketch, out, ts, values, kept, end - WINDOW, end, aligned, true);
                for (int d = 0; d < 10; d++) {
                    long s = end - WINDOW + d * WINDOW / 10;
                    query(sketch, out, ts, values, kept, s, s + WINDOW / 10, tenths, false);
                }
                for (int d = 0; d < 4; d++) {
                    long s = end - WINDOW + rnd.nextInt(100) * WINDOW / 100;
                    query(sketch, out, ts, values, kept, s, s + WINDOW / 100, hundredths, false);
                }
                for (long f : new long[] {2, 10, 100}) {
                    query(sketch, out, ts, values, kept, end - WINDOW / f, end, suffixes, false);
                }
                long te = end - rnd.nextLong(1, width);  // window edges inside buckets
                query(sketch, out, ts, values, kept, te - WINDOW + width, te, unaligned, false);
            }
        }
        assertEquals(tooOld, sketch.skippedTooOld());
        System.out.printf("quantile %-9s window %7d: aligned whole   %s%n", gen, samplesPerWindow, aligned.row());
        System.out.printf("quantile %-9s window %7d: aligned tenths  %s%n", gen, samplesPerWindow, tenths.row());
        System.out.printf("quantile %-9s window %7d: hundredths      %s%n", gen, samplesPerWindow, hundredths.row());
        System.out.printf("quantile %-9s window %7d: suffixes        %s%n", gen, samplesPerWindow, suffixes.row());
        System.out.printf("quantile %-9s window %7d: unaligned whole %s%n", gen, samplesPerWindow, unaligned.row());
        assertTrue(aligned.n > 0);
    }

    private static void query(QuantileSketchFlyweight sketch, QuantileResult out, long[] ts, double[] values, int n,
                              long startExclusive, long endInclusive, Stats stats, boolean mustBeExact) {
        sketch.read(startExclusive, endInclusive, out);
        double[] sorted = ExactQuantile.window(ts, values, n, startExclusive, endInclusive);
        if (sorted.length == 0) {
            assertTrue(out.isEmpty() || !out.exact(), "empty window answered exactly: " + out);
            return;
        }
        assertTrue(out.covered(), out::toString);
        if (mustBeExact) {
            assertTrue(out.exact(), out::toString);
        }
        if (out.exact()) {
            assertEquals(sorted.length, out.count(), 1e-9);
        }
        for (double phi : PHIS) {
            double est = out.quantile(phi);
            double truth = ExactQuantile.quantile(phi, sorted);
            double rankErr = ExactQuantile.rankError(phi, est, sorted);
            double valueErr = ExactQuantile.valueError(est, truth);
            double rankBound = out.rankErrorBound(phi);
            assertTrue(rankErr <= rankBound + 1e-9, () -> "rank error " + rankErr + " > bound " + rankBound
                + " phi " + phi + " est " + est + " truth " + truth + " " + out);
            if (out.exact()) {
                assertTrue(valueErr <= out.relativeValueErrorBound() * (1 + 1e-9) + 1e-12, () -> "value error "
                    + valueErr + " > bound " + out.relativeValueErrorBound() + " phi " + phi + " " + out);
            }
            stats.add(rankErr, valueErr, rankBound);
        }
    }
}
