package io.weir.engine.sketch.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Gorilla stream gives back every sample bit for bit, whatever the timestamps and values. */
class ExactSamplesFlyweightTest {
    private static final double[] EDGES = {
        0.0, -0.0, 1.0, -1.0, 0x1p53, -0x1p53, 0x1p53 + 2, 0x1p52 + 0.5, Double.MAX_VALUE, -Double.MAX_VALUE,
        Double.MIN_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300, 4_294_967_296.0, 0.1, 123456789.0,
        0.47, -0.47, 1e-7, -1e-7, 1.5e-7, 123.4567891, 225_179_981.5, 0x1p51 / 1e7, 0.1 + 0.2, 4503599627370495.5,
    };
    private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

    @Test
    void everySampleComesBackBitForBit() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 300; round++) {
            int n = 1 + rnd.nextInt(2_000);
            int capacity = n * 20 + 64;
            MemorySegment seg = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + capacity) / 8 + 1]);
            ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
            f.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
            long[] ts = new long[n];
            double[] vs = new double[n];
            long t = rnd.nextLong(-1L << 50, 1L << 50);
            double v = 0;
            for (int i = 0; i < n; i++) {
                t += switch (rnd.nextInt(6)) {
                    case 0 -> 15_000;
                    case 1 -> rnd.nextLong(-100_000, 100_000);
                    case 2 -> rnd.nextLong(1L << 40);
                    default -> 1_000 + rnd.nextInt(3);
                };
                v = switch (rnd.nextInt(11)) {
                    case 0 -> EDGES[rnd.nextInt(EDGES.length)];
                    case 1 -> v;
                    case 2 -> Math.rint(v) + rnd.nextInt(-300, 300);
                    case 3 -> rnd.nextLong(-1L << 53, 1L << 53);
                    case 4 -> Double.longBitsToDouble(rnd.nextLong()) ;
                    case 5 -> rnd.nextGaussian();
                    // decimals as text expositions write them: any scale (8 digits is past the step codes' 7)
                    case 7 -> rnd.nextLong(-100_000, 100_000) / POW10[rnd.nextInt(POW10.length)];
                    // a decimal gauge's walk: steps of a few hundredths, now and then a jump of scale
                    case 8 -> Math.rint(v * 100 + rnd.nextInt(-50, 50)) / 100.0;
                    case 9 -> rnd.nextLong(-(1L << 52), 1L << 52) / POW10[rnd.nextInt(POW10.length)];
                    default -> Math.rint(v) + rnd.nextLong(-1L << 40, 1L << 40);
                };
                if (Double.isNaN(v)) {
                    v = 1.5;
                }
                ts[i] = t;
                vs[i] = v;
                assertEquals(ExactSamplesFlyweight.APPLIED, f.append(t, v), "sample " + i);
            }
            ExactWindow w = new ExactWindow();
            f.read(Long.MIN_VALUE, Long.MAX_VALUE, w);
            assertEquals(n, w.size());
            for (int i = 0; i < n; i++) {
                assertEquals(ts[i], w.timestamps()[i], "ts " + i);
                assertEquals(Double.doubleToRawLongBits(vs[i]), Double.doubleToRawLongBits(w.values()[i]), "value " + i + " " + vs[i]);
            }
        }
    }

    /**
     * Windows read through the checkpoints (resume before the window, stop after it) hold exactly the samples a
     * filter over the whole stream keeps: in-order and out-of-order streams, windows anywhere, and the same after
     * the stream was compacted (checkpoints laid out afresh) and copied into a larger block (checkpoints moved).
     */
    @Test
    void windowsReadThroughCheckpointsHoldExactlyTheirSamples() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(3_000);
            boolean outOfOrder = round % 3 == 0;
            int capacity = n * 24 + 4096;
            MemorySegment seg = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + capacity) / 8 + 1]);
            ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
            f.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
            long[] ts = new long[n];
            double[] vs = new double[n];
            long t = 1_000_000;
            for (int i = 0; i < n; i++) {
                t += rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(30_000);
                ts[i] = outOfOrder && rnd.nextInt(50) == 0 ? t - rnd.nextInt(100_000) : t;
                vs[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(100) : rnd.nextGaussian();
                assertEquals(ExactSamplesFlyweight.APPLIED, f.append(ts[i], vs[i]), "sample " + i);
            }
            checkWindows(f, ts, vs, 0, rnd);
            // compact: drop the first samples, then check the rest through the new checkpoints
            int drop = rnd.nextInt(n);
            long threshold = outOfOrder ? ts[drop] - 1 : ts[drop] - 1;
            MemorySegment seg2 = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + capacity) / 8 + 1]);
            ExactSamplesFlyweight g = new ExactSamplesFlyweight().wrap(seg2, 0);
            if (!outOfOrder && f.compactInto(g, threshold, capacity)) {
                int first = 0;
                while (ts[first] <= threshold) {
                    first++;
                }
                checkWindows(g, ts, vs, first, rnd);
                // and copied into a larger block
                MemorySegment seg3 = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + 2 * capacity) / 8 + 1]);
                g.copyInto(seg3, 0, 2 * capacity);
                ExactSamplesFlyweight h = new ExactSamplesFlyweight().wrap(seg3, 0);
                checkWindows(h, ts, vs, first, rnd);
                // appending goes on after the copy, across further checkpoints
                long[] ts2 = java.util.Arrays.copyOf(ts, n + 300);
                double[] vs2 = java.util.Arrays.copyOf(vs, n + 300);
                for (int i = n; i < n + 300; i++) {
                    t += 1 + rnd.nextInt(30_000);
                    ts2[i] = t;
                    vs2[i] = rnd.nextGaussian();
                    assertEquals(ExactSamplesFlyweight.APPLIED, h.append(t, vs2[i]));
                }
                checkWindows(h, ts2, vs2, first, rnd);
                // compacted again: the carried checkpoints start anywhere in their spacing now
                int drop2 = first + rnd.nextInt(n + 300 - first);
                MemorySegment seg4 = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + 2 * capacity) / 8 + 1]);
                ExactSamplesFlyweight g2 = new ExactSamplesFlyweight().wrap(seg4, 0);
                if (h.compactInto(g2, ts2[drop2] - 1, 2 * capacity)) {
                    int first2 = first;
                    while (ts2[first2] <= ts2[drop2] - 1) {
                        first2++;
                    }
                    checkWindows(g2, ts2, vs2, first2, rnd);
                    assertEquals(g2.usedBytes(), ExactSamplesDescriptor.blockLength(g2.bitLength(),
                        ExactSamplesDescriptor.checkpoints(g2.sampleCount(), ExactSamplesDescriptor.CHECKPOINT_EVERY,
                            g2.segment().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, ExactSamplesDescriptor.CHECKPOINT_FIRST_OFFSET))));
                }
            }
        }
    }

    private static void checkWindows(ExactSamplesFlyweight f, long[] ts, double[] vs, int first, SplittableRandom rnd) {
        ExactWindow w = new ExactWindow();
        long lo = ts[first] - 50_000;
        long hi = ts[ts.length - 1] + 50_000;
        for (int q = 0; q < 40; q++) {
            long a = lo + (long) (rnd.nextDouble() * (hi - lo));
            long b = q % 5 == 0 ? Long.MAX_VALUE : a + (long) (rnd.nextDouble() * (hi - a));
            if (q % 7 == 0) {
                a = Long.MIN_VALUE;
            }
            f.read(a, b, w);
            int k = 0;
            for (int i = first; i < ts.length; i++) {
                if (ts[i] > a && ts[i] <= b) {
                    assertEquals(ts[i], w.timestamps()[k], "window (" + a + ", " + b + "] sample " + k);
                    assertEquals(Double.doubleToRawLongBits(vs[i]), Double.doubleToRawLongBits(w.values()[k]));
                    k++;
                }
            }
            assertEquals(k, w.size(), "window (" + a + ", " + b + "]");
            // read with chunk moments: the samples decoded and the chunks' samples are the window's, none twice
            f.read(a, b, w, true);
            int whole = 0;
            for (int c = 0; c < w.chunks(); c++) {
                whole += w.chunkSamples(c);
            }
            assertEquals(k, w.size() + whole, "chunked window (" + a + ", " + b + "]");
            double sum = 0;
            for (int c = 0; c < w.chunks(); c++) {
                sum += w.chunkSumHi(c) + w.chunkSumLo(c);
            }
            for (int i = 0; i < w.size(); i++) {
                sum += w.values()[i];
            }
            double exact = 0;
            double abs = 0;
            boolean finite = true;
            for (int i = first; i < ts.length; i++) {
                if (ts[i] > a && ts[i] <= b) {
                    exact += vs[i];
                    abs += Math.abs(vs[i]);
                    finite &= Double.isFinite(vs[i]);
                }
            }
            if (finite) {
                assertEquals(exact, sum, 1e-9 * abs + 1e-300, "chunked window (" + a + ", " + b + "] sum");
            }
        }
    }
}
