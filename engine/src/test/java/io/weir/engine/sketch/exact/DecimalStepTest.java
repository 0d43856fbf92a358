package io.weir.engine.sketch.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Step codes give every value they accept back bit for bit, and accept every short decimal. */
class DecimalStepTest {
    private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};

    /** Whatever pair of values: an accepted code decodes to the value exactly, at the scale it names. */
    @Test
    void acceptedCodesDecodeBitForBit() {
        SplittableRandom rnd = new SplittableRandom(3);
        int accepted = 0;
        for (int i = 0; i < 2_000_000; i++) {
            double prev = value(rnd);
            double value = rnd.nextInt(4) == 0 ? value(rnd) : near(prev, rnd);
            int scale = rnd.nextInt(DecimalStep.MAX_SCALE + 1);
            long packed = DecimalStep.encode(prev, value, scale);
            if (packed < 0) {
                continue;
            }
            accepted++;
            int s = DecimalStep.scale(packed);
            long code = DecimalStep.code(packed);
            int length = DecimalStep.length(packed);
            long z = s == scale ? stepOf(code, length) : escapedStepOf(code, length);
            long d = (z >>> 1) ^ -(z & 1);
            double back = DecimalStep.decode(prev, s, d);
            assertEquals(Double.doubleToRawLongBits(value), Double.doubleToRawLongBits(back),
                () -> prev + " -> " + value + " at scale " + scale + ": " + back);
        }
        assertTrue(accepted > 500_000, "accepted " + accepted);
    }

    /** A decimal of at most 7 fraction digits (as a text exposition writes it) always has a step code. */
    @Test
    void everyShortDecimalHasAStepCode() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < 1_000_000; i++) {
            int s = rnd.nextInt(DecimalStep.MAX_SCALE + 1);
            long n = rnd.nextLong(-(1L << 40), 1L << 40);
            double value = n / POW10[s];
            double prev = (n + rnd.nextInt(-1000, 1000)) / POW10[s];
            long packed = DecimalStep.encode(prev, value, 0);
            assertTrue(packed >= 0, () -> prev + " -> " + value);
            // the scale it moves to is no finer than the value needs
            assertTrue(DecimalStep.scale(packed) <= s, () -> value + " at " + DecimalStep.scale(packed));
            // staying at the same scale, the next small step is the short code: 12 bits
            long next = DecimalStep.encode(value, (n + 3) / POW10[s], DecimalStep.scale(packed));
            if (DecimalStep.scale(next) == DecimalStep.scale(packed) && n + 3 != 0) {
                assertTrue(DecimalStep.length(next) <= 21, () -> "length " + DecimalStep.length(next));
            }
        }
    }

    @Test
    void refusesWhatAStepCannotGiveBack() {
        assertEquals(-1, DecimalStep.encode(1.0, -0.0, 0));
        assertEquals(-1, DecimalStep.encode(1.0, Double.NaN, 0));
        assertEquals(-1, DecimalStep.encode(1.0, Double.POSITIVE_INFINITY, 0));
        assertEquals(-1, DecimalStep.encode(Double.NaN, 1.0, 0));
        assertEquals(-1, DecimalStep.encode(1.0, 0.123456789, 0)); // 9 digits
        assertEquals(-1, DecimalStep.encode(0.0, 0x1p60, 0)); // a step past 32 bits
    }

    private static double value(SplittableRandom rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> Double.longBitsToDouble(rnd.nextLong());
            case 1 -> rnd.nextLong(-(1L << 53), 1L << 53);
            case 2 -> rnd.nextLong(-1_000_000, 1_000_000) / POW10[rnd.nextInt(POW10.length)];
            case 3 -> rnd.nextGaussian() * 1e6;
            default -> rnd.nextLong(-(1L << 52), 1L << 52) / (rnd.nextBoolean() ? 1e7 : 1e8);
        };
    }

    private static double near(double prev, SplittableRandom rnd) {
        double p = POW10[rnd.nextInt(POW10.length)];
        return Math.rint(prev * p + rnd.nextLong(-70_000, 70_000)) / p;
    }

    /** The zigzag step of a code at the current scale: {@code 1110}+8, {@code 11110}+16, {@code 111110}+32. */
    private static long stepOf(long code, int length) {
        return switch (length) {
            case 12 -> code & 0xFF;
            case 21 -> code & 0xFFFF;
            case 38 -> code & 0xFFFF_FFFFL;
            default -> throw new AssertionError("length " + length);
        };
    }

    /** The zigzag step of an escape code: {@code 111111}+3+({@code 0}+8 | {@code 10}+16 | {@code 11}+32). */
    private static long escapedStepOf(long code, int length) {
        return switch (length) {
            case 18 -> code & 0xFF;
            case 27 -> code & 0xFFFF;
            case 43 -> code & 0xFFFF_FFFFL;
            default -> throw new AssertionError("length " + length);
        };
    }
}
