package io.weir.net.otlp;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Doubles as text the way Prometheus' OTLP receiver (Go) writes them: {@code le} and {@code quantile} values with
 * {@code strconv.FormatFloat(v, 'f', -1, 64)} (shortest digits, never an exponent), and double attribute values as
 * OpenTelemetry's pdata {@code AsString} (JSON/ES6 number form: an exponent below 1e-6 and from 1e21 on). Both use the
 * shortest decimal that reads back to the same double, which Java's {@link Double#toString} also produces.
 */
final class FloatText {
    private FloatText() {}

    /** Go's FormatFloat(v, 'f', -1, 64): "0.005", "100", "1000000000000000000000", "+Inf", "NaN". */
    static String plain(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0" : "0";
        }
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** pdata's AsString of a double: "2.5", "1e-7", "1e+21", "123456"; null for NaN and +-Inf (no JSON form). */
    static String es6(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        double abs = Math.abs(v);
        if (abs == 0 || (abs >= 1e-6 && abs < 1e21)) {
            return plain(v);
        }
        BigDecimal d = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale();
        StringBuilder sb = new StringBuilder(digits.length() + 8);
        if (v < 0) {
            sb.append('-');
        }
        sb.append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int e = Math.abs(exp);
        if (e < 10 && exp > 0) {
            sb.append('0'); // Go pads exponents to two digits and then strips the pad only from negative ones
        }
        return sb.append(e).toString();
    }

    /**
     * A small direct-mapped cache of {@link #plain} text by the double's bits: bucket bounds and quantiles repeat in
     * every point, so the hot path formats each distinct one once. Thread-confined.
     */
    static final class PlainCache {
        private static final int SIZE = 256;
        private final long[] keys = new long[SIZE];
        private final byte[][] texts = new byte[SIZE][];

        byte[] get(double v) {
            long bits = Double.doubleToRawLongBits(v);
            int slot = (int) ((bits * 0x9E3779B97F4A7C15L) >>> 56);
            byte[] t = texts[slot];
            if (t != null && keys[slot] == bits) {
                return t;
            }
            t = plain(v).getBytes(StandardCharsets.US_ASCII);
            keys[slot] = bits;
            texts[slot] = t;
            return t;
        }
    }
}
