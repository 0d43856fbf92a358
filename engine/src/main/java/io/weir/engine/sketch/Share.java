package io.weir.engine.sketch;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A share in (0, 1] of an amount (bytes, milliseconds), kept as a reduced fraction and applied in integer
 * arithmetic: 1/8 of a byte count is exactly {@code bytes >>> 3} and 1/36 of a window exactly {@code window / 36},
 * where a {@code double} factor would round a 1 h window's 1/36 one way or the other. Written in the config as a
 * fraction ({@code 1/36}) or a decimal ({@code 0.125}); a decimal is an exact fraction too.
 *
 * @param numerator   at least 1, at most {@code denominator}
 * @param denominator at most {@value #MAX_DENOMINATOR}
 */
public record Share(int numerator, int denominator) {
    /** Nine decimal places; also keeps {@link #of}'s intermediate products within a long. */
    public static final int MAX_DENOMINATOR = 1_000_000_000;
    public static final Share WHOLE = new Share(1, 1);

    public Share {
        if (numerator < 1 || numerator > denominator || denominator > MAX_DENOMINATOR) {
            throw new IllegalArgumentException("not a share in (0, 1]: " + numerator + "/" + denominator);
        }
        int gcd = BigInteger.valueOf(numerator).gcd(BigInteger.valueOf(denominator)).intValue();
        numerator /= gcd;
        denominator /= gcd;
    }

    /** {@code floor(amount * numerator / denominator)} for {@code amount >= 0}, without overflow. */
    public long of(long amount) {
        return amount / denominator * numerator + amount % denominator * numerator / denominator;
    }

    /** {@code this <= other}. */
    public boolean atMost(Share other) {
        return (long) numerator * other.denominator <= (long) other.numerator * denominator;
    }

    /**
     * A fraction {@code N/D} or a decimal, in (0, 1].
     *
     * @throws IllegalArgumentException when {@code text} is neither, or not in (0, 1], or finer than
     *                                  {@value #MAX_DENOMINATOR}ths
     */
    public static Share parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        try {
            if (slash >= 0) {
                return new Share(Integer.parseInt(t.substring(0, slash).strip()), Integer.parseInt(t.substring(slash + 1).strip()));
            }
            BigDecimal d = new BigDecimal(t).stripTrailingZeros();
            if (d.signum() <= 0 || d.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("not a share in (0, 1]: " + t);
            }
            BigInteger denominator = BigInteger.TEN.pow(Math.max(0, d.scale()));
            return new Share(d.unscaledValue().intValueExact(), denominator.intValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a fraction or a decimal in (0, 1]: " + t, e);
        }
    }

    @Override
    public String toString() {
        return denominator == 1 ? Integer.toString(numerator) : numerator + "/" + denominator;
    }
}
