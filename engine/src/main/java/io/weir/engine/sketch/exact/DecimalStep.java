package io.weir.engine.sketch.exact;

/**
 * The step code of an exact stream: a value given as the integer step from the previous value, both read in units
 * of 10^-s for the stream's current decimal scale s (0..{@link #MAX_SCALE}). Counters step in whole units (s = 0);
 * gauges exported as decimal text ({@code 0.47}, {@code 21.5}) step in hundredths or tenths, which XOR codes spread
 * over most of the mantissa (~50 bits a sample where a step of a few hundredths needs 12).
 *
 * <p>Exact by construction: the decoder computes {@code (rint(prev * 10^s) + step) / 10^s} (Java's floating point
 * is deterministic, division correctly rounded), and the encoder offers a code only after checking that this
 * expression gives the value back bit for bit; the previous value need not be a multiple of 10^-s.
 *
 * <p>Codes (after the value's {@code 111} prefix, so the whole code starts {@code 111}):
 * {@code 0}+8 | {@code 10}+16 | {@code 110}+32 bits of zigzag step at the current scale, or {@code 111} + 3 bits of
 * a new scale, which stays for the samples after it, + {@code 0}+8 | {@code 10}+16 | {@code 11}+32 bits of step.
 */
final class DecimalStep {
    static final int MAX_SCALE = 7;
    /** Bits of the shortest step code (an 8-bit step at the current scale): an XOR code this short always wins. */
    static final int SHORTEST_BITS = 12;
    private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
    /** Integers below 2^52 in magnitude are exact doubles, with room for a step. */
    private static final double LIMIT = 0x1p52;
    /** {@code value * 10^7} of a decimal with at most 7 fraction digits lies this close to its integer (relative). */
    private static final double NEAR_INTEGER = 0x1p-50;
    private static final long INVERSE_OF_5 = 0xCCCCCCCCCCCCCCCDL;
    private static final long MAX_FIFTH = 0x3333333333333333L;
    private static final int SCALE_SHIFT = 48;
    private static final int LENGTH_SHIFT = 56;

    private DecimalStep() {
    }

    /**
     * The step code for {@code value} after {@code prev} on a stream at scale {@code scale}, packed as
     * {@code length << 56 | newScale << 48 | code} (code right-aligned, at most 43 bits); -1 when no step code
     * gives the value back (non-finite, -0.0, more than 7 fraction digits, a step past 32 bits).
     */
    static long encode(double prev, double value, int scale) {
        if (value == 0 && Double.doubleToRawLongBits(value) != 0) {
            return -1; // -0.0: a step can only give +0.0 back
        }
        // the steady case first: a value of the stream's scale (a scale only moves coarser past 16-bit steps: looking
        // for a coarser one on every sample would cost the writer more than the bits it saves)
        long here = at(prev, value, scale, false);
        if (here >= 0 && (here >>> LENGTH_SHIFT) <= 21) {
            return here;
        }
        // another scale: finer when the value needs more digits, coarser when fewer shorten a 32-bit step
        int needed = value == Math.rint(value) ? 0 : smallestScale(value);
        if (needed < 0 || needed == scale) {
            return here;
        }
        long moved = at(prev, value, needed, true);
        if (here < 0) {
            return moved;
        }
        return moved >= 0 && (moved >>> LENGTH_SHIFT) < (here >>> LENGTH_SHIFT) ? moved : here;
    }

    /** The code at scale {@code s} (escaping to it when {@code escape}); -1 when it does not give the value back. */
    private static long at(double prev, double value, int s, boolean escape) {
        double p = POW10[s];
        double pv = prev * p;
        double vv = value * p;
        if (!(Math.abs(pv) < LIMIT) || !(Math.abs(vv) < LIMIT)) {
            return -1; // NaN and infinities fail here too
        }
        long n = (long) Math.rint(vv);
        if ((s == 0 ? (double) n : (double) n / p) != value) {
            return -1;
        }
        long d = n - (long) Math.rint(pv); // = scaled(prev, s): pv is prev * 10^s
        long z = (d << 1) ^ (d >> 63);
        if (z >>> 32 != 0) {
            return -1;
        }
        long code;
        int length;
        if (!escape) {
            if (z < (1L << 8)) {
                code = (0b1110L << 8) | z;
                length = 12;
            } else if (z < (1L << 16)) {
                code = (0b11110L << 16) | z;
                length = 21;
            } else {
                code = (0b111110L << 32) | z;
                length = 38;
            }
        } else {
            long head = (0b111111L << 3) | s;
            if (z < (1L << 8)) {
                code = (head << 9) | z;
                length = 18;
            } else if (z < (1L << 16)) {
                code = (((head << 2) | 0b10L) << 16) | z;
                length = 27;
            } else {
                code = (((head << 2) | 0b11L) << 32) | z;
                length = 43;
            }
        }
        return ((long) length << LENGTH_SHIFT) | ((long) s << SCALE_SHIFT) | code;
    }

    static int length(long packed) { return (int) (packed >>> LENGTH_SHIFT); }

    static int scale(long packed) { return (int) (packed >>> SCALE_SHIFT) & 0xFF; }

    static long code(long packed) { return packed & ((1L << SCALE_SHIFT) - 1); }

    /**
     * The fewest fraction digits (0..7) that write {@code value} exactly, or -1: {@code value * 10^S} must lie
     * within rounding of an integer (a multiply and a compare reject a random mantissa), S the most digits that keep
     * it below 2^51, and that integer's trailing decimal zeros are then dropped. Only a hint: {@link #at} checks
     * exactness.
     */
    private static int smallestScale(double value) {
        int top = MAX_SCALE;
        double a = Math.abs(value);
        while (top > 0 && a * POW10[top] >= 0x1p51) {
            top--; // large values have room for fewer digits
        }
        double t = value * POW10[top];
        double r = Math.rint(t);
        if (!(Math.abs(r) < 0x1p51) || Math.abs(t - r) > Math.abs(t) * NEAR_INTEGER) {
            return -1;
        }
        // drop trailing decimal zeros: m is divisible by 10 when even and m/2 by 5, and m/2 divided by 5 exactly is
        // m/2 times 5's inverse mod 2^64, which is at most (2^64 - 1) / 5 exactly when 5 divides m/2 (no division)
        long m = Math.abs((long) r);
        int s = top;
        while (s > 0 && m != 0 && (m & 1) == 0) {
            long fifth = (m >>> 1) * INVERSE_OF_5;
            if (Long.compareUnsigned(fifth, MAX_FIFTH) > 0) {
                break;
            }
            m = fifth;
            s--;
        }
        return m == 0 ? 0 : s;
    }

    /** The value a step code gives back after {@code prev} at scale {@code s}. */
    static double decode(double prev, int s, long step) {
        return value(scaled(prev, s) + step, s);
    }

    /**
     * {@code prev} in units of 10^-s, as the encoder rounds it: a decoder keeps this integer from one step to the
     * next (it changes only by the steps while values come as step codes), so that the division by 10^s is not on
     * the chain from one sample to the next.
     */
    static long scaled(double prev, int s) {
        return (long) Math.rint(prev * POW10[s]);
    }

    /** The value of {@code n} units of 10^-s. */
    static double value(long n, int s) {
        return s == 0 ? (double) n : (double) n / POW10[s];
    }
}
