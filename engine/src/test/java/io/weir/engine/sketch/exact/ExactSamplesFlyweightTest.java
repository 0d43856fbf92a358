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
    };

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
                v = switch (rnd.nextInt(7)) {
                    case 0 -> EDGES[rnd.nextInt(EDGES.length)];
                    case 1 -> v;
                    case 2 -> Math.rint(v) + rnd.nextInt(-300, 300);
                    case 3 -> rnd.nextLong(-1L << 53, 1L << 53);
                    case 4 -> Double.longBitsToDouble(rnd.nextLong()) ;
                    case 5 -> rnd.nextGaussian();
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
}
