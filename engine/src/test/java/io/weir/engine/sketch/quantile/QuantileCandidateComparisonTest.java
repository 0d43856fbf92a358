package io.weir.engine.sketch.quantile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.quantile.ExactQuantile.Generator;
import java.util.SplittableRandom;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.junit.jupiter.api.Test;

/**
 * "Measure both, keep the better": error vs bytes of (a) a DataSketches KLL sketch per time bucket and (b) the
 * log-bucket histogram per time bucket, on the same 1e5-sample window (1 h at 36 ms) and the same aligned
 * queries (whole window and its tenths, phi 0.5 / 0.9 / 0.99, four generators). Bytes are what a fixed block
 * needs: for KLL the largest updatable image of a bucket at its sample count. Prints the table the docs quote.
 */
class QuantileCandidateComparisonTest {
    private static final long WINDOW = 3_600_000;
    private static final int N = 100_000;
    private static final double[] PHIS = {0.5, 0.9, 0.99};

    private static final class Errors {
        double rankSum, rankMax, valueSum, valueMax;
        int n;

        void add(double phi, double est, double[] sorted) {
            double re = ExactQuantile.rankError(phi, est, sorted);
            double ve = ExactQuantile.valueError(est, ExactQuantile.quantile(phi, sorted));
            rankSum += re;
            rankMax = Math.max(rankMax, re);
            valueSum += ve;
            valueMax = Math.max(valueMax, ve);
            n++;
        }

        String row() {
            return String.format("rank mean %.3f%% max %.3f%% | value mean %.3f%% max %.3f%%",
                100 * rankSum / n, 100 * rankMax, 100 * valueSum / n, 100 * valueMax);
        }
    }

    @Test
    void errorVersusBytes() {
        StringBuilder table = new StringBuilder("quantile candidates at a 1e5-sample window (aligned whole + tenths):\n");
        for (int buckets : new int[] {10, 30, 60}) {
            for (int k : new int[] {25, 50, 100, 200}) {
                Errors e = new Errors();
                int bytes = buckets * KllSketch.getMaxSerializedSizeBytes(k, N / buckets, KllSketch.SketchType.KLL_DOUBLES_SKETCH, true);
                for (Generator g : Generator.values()) {
                    kll(g, buckets, k, e);
                }
                table.append(String.format("  KLL       B=%2d k=%3d          %7d B  %s%n", buckets, k, bytes, e.row()));
            }
            for (int counters : new int[] {64, 128, 256, 512, 1024}) {
                for (double acc : new double[] {0.01, 0.02}) {
                    QuantileSketchSpec spec = new QuantileSketchSpec(WINDOW / buckets, buckets + 1, counters, acc);
                    Errors e = new Errors();
                    for (Generator g : Generator.values()) {
                        histogram(g, spec, e);
                    }
                    table.append(String.format("  histogram B=%2d M=%4d a=%.2f  %7d B  %s%n", buckets, counters, acc,
                        spec.blockLength(), e.row()));
                }
            }
        }
        System.out.print(table);
        assertTrue(table.length() > 0);
    }

    private static long[] timestamps() {
        long[] ts = new long[N];
        for (int i = 0; i < N; i++) {
            ts[i] = 1 + i * (WINDOW / N);
        }
        return ts;
    }

    private static double[] values(Generator g) {
        SplittableRandom rnd = new SplittableRandom(17 + g.ordinal());
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            v[i] = g.next(rnd);
        }
        return v;
    }

    private static void kll(Generator g, int buckets, int k, Errors e) {
        long[] ts = timestamps();
        double[] v = values(g);
        long width = WINDOW / buckets;
        KllDoublesSketch[] sketches = new KllDoublesSketch[buckets];
        for (int b = 0; b < buckets; b++) {
            sketches[b] = KllDoublesSketch.newHeapInstance(k);
        }
        for (int i = 0; i < N; i++) {
            sketches[(int) ((ts[i] - 1) / width)].update(v[i]);
        }
        for (int part = -1; part < 10; part++) {
            long start = part < 0 ? 0 : part * WINDOW / 10;
            long end = part < 0 ? WINDOW : start + WINDOW / 10;
            KllDoublesSketch merged = KllDoublesSketch.newHeapInstance(k);
            for (int b = (int) (start / width); b < end / width; b++) {
                merged.merge(sketches[b]);
            }
            double[] sorted = ExactQuantile.window(ts, v, N, start, end);
            for (double phi : PHIS) {
                e.add(phi, merged.getQuantile(phi), sorted);
            }
        }
    }

    private static void histogram(Generator g, QuantileSketchSpec spec, Errors e) {
        long[] ts = timestamps();
        double[] v = values(g);
        QuantileSketchFlyweight s = QuantileSketchFlyweight.onHeap(1, spec);
        for (int i = 0; i < N; i++) {
            s.update(ts[i], v[i]);
        }
        QuantileResult r = new QuantileResult();
        for (int part = -1; part < 10; part++) {
            long start = part < 0 ? 0 : part * WINDOW / 10;
            long end = part < 0 ? WINDOW : start + WINDOW / 10;
            s.read(start, end, r);
            double[] sorted = ExactQuantile.window(ts, v, N, start, end);
            for (double phi : PHIS) {
                e.add(phi, r.quantile(phi), sorted);
            }
        }
    }
}
