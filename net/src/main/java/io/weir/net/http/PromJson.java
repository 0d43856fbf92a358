package io.weir.net.http;

import java.math.BigDecimal;

/**
 * Writes JSON the way the Prometheus HTTP API does, so that clients comparing bytes see no difference:
 * sample values as strings in Go's shortest form ({@code "1"}, {@code "0.1"}, {@code "1e-07"}, {@code "+Inf"},
 * {@code "NaN"}) and timestamps as seconds with up to three decimals ({@code 1700000000.05} is written
 * {@code 1700000000.050}, as Prometheus does).
 */
public final class PromJson {
    private PromJson() {}

    /** Appends a sample value, quoted, formatted as Prometheus' jsonutil does. */
    public static StringBuilder value(StringBuilder out, double v) {
        out.append('"');
        appendFloat(out, v);
        return out.append('"');
    }

    /** Go's strconv.FormatFloat(v, f, -1, 64), switching to 'e' below 1e-6 and from 1e21 as Prometheus does. */
    public static void appendFloat(StringBuilder out, double v) {
        if (Double.isNaN(v)) {
            out.append("NaN");
            return;
        }
        if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
            return;
        }
        if (v == 0) {
            out.append(1 / v < 0 ? "-0" : "0");
            return;
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
            return;
        }
        double abs = Math.abs(v);
        if (abs >= 1e-3 && abs < 1e15 && appendFewDecimals(out, v, abs)) {
            return;
        }
        // Java gives the shortest digits that round-trip (JDK 19+), as Go's -1 precision does, and writes them into
        // the builder without allocating; its plain form (1e-3 <= |v| < 1e7) is Go's too. Only the other
        // magnitudes, which Java writes with an exponent, take the slow path (a range query writes millions of values).
        int mark = out.length();
        out.append(v);
        if (abs >= 1e-3 && abs < 1e7) {
            return; // plain: no exponent to look for
        }
        for (int i = mark, n = out.length(); i < n; i++) {
            if (out.charAt(i) == 'E') {
                out.setLength(mark);
                appendFloatSlow(out, v, abs);
                return;
            }
        }
    }

    private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    private static final long[] POW10_LONG = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

    /**
     * Most sample values have a few decimals (104.5, 0.25, 2e9 + 0.1): for the fewest fraction digits k whose nearest
     * decimal m / 10^k parses back to v (checked exactly: m and 10^k are exact doubles and IEEE division rounds
     * correctly, as parsing does), that decimal is the shortest that round-trips, which is what Go writes; written
     * from a long it costs a fraction of the general shortest-digits search. @return false when no k <= 6 fits
     */
    private static boolean appendFewDecimals(StringBuilder out, double v, double abs) {
        if (abs < 2e9) {
            // one decimal, the most common case, first
            double m1 = Math.rint(v * 10);
            if (m1 / 10 == v) {
                appendDecimal(out, v < 0, Math.abs((long) m1), 1);
                return true;
            }
            // then one try at k = 6 decides for every k <= 6: below 2e9, v x 10^6 is within 0.5 of the integer m6
            // that any fitting m / 10^k scales to (m x 10^(6-k) = m6), so either none fits or the fewest digits are
            // m6's without its trailing zeros (a mean over a window rarely fits, and paid six tries before)
            double m6 = Math.rint(v * 1e6);
            if (m6 / 1e6 != v) {
                return false;
            }
            long digits = Math.abs((long) m6);
            int k = 6;
            while (k > 2 && digits % 10 == 0) {
                digits /= 10;
                k--;
            }
            appendDecimal(out, v < 0, digits, k);
            return true;
        }
        for (int k = 1; k < POW10.length; k++) {
            double m = Math.rint(v * POW10[k]);
            if (Math.abs(m) >= 0x1p53) {
                return false;
            }
            if (m / POW10[k] == v) {
                appendDecimal(out, v < 0, Math.abs((long) m), k);
                return true;
            }
        }
        return false;
    }

    /** Writes {@code digits / 10^k} with its k fraction digits. */
    private static void appendDecimal(StringBuilder out, boolean negative, long digits, int k) {
        if (negative) {
            out.append('-');
        }
        out.append(digits / POW10_LONG[k]).append('.');
        long fraction = digits % POW10_LONG[k];
        for (long p = POW10_LONG[k - 1]; p > fraction && p > 1; p /= 10) {
            out.append('0');
        }
        out.append(fraction);
    }

    static void appendFloatSlow(StringBuilder out, double v, double abs) {
        String shortest = Double.toString(v);
        if (abs < 1e-6 || abs >= 1e21) {
            BigDecimal d = new BigDecimal(shortest).stripTrailingZeros();
            String digits = d.unscaledValue().abs().toString();
            int exponent = digits.length() - 1 - d.scale();
            if (v < 0) {
                out.append('-');
            }
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            if (e < 10) {
                out.append('0');
            }
            out.append(e);
        } else {
            out.append(new BigDecimal(shortest).stripTrailingZeros().toPlainString());
        }
    }

    /** Appends a millisecond timestamp as Prometheus' seconds form. */
    public static StringBuilder timestamp(StringBuilder out, long millis) {
        if (millis < 0) {
            out.append('-');
            millis = -millis;
        }
        out.append(millis / 1000);
        long fraction = millis % 1000;
        if (fraction != 0) {
            out.append('.');
            if (fraction < 100) {
                out.append('0');
            }
            if (fraction < 10) {
                out.append('0');
            }
            out.append(fraction);
        }
        return out;
    }

    /** Appends a JSON string literal. */
    public static StringBuilder string(StringBuilder out, CharSequence s) {
        out.append('"');
        int n = s.length();
        int plain = 0;
        while (plain < n && !escaped(s.charAt(plain))) {
            plain++;
        }
        // most label names and values need no escape: one bulk append up to the first character that does
        out.append(s, 0, plain);
        for (int i = plain; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /** Whether {@link #string} writes {@code c} as an escape rather than as itself. */
    private static boolean escaped(char c) {
        return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029;
    }

    /** {@code {"status":"error","errorType":T,"error":M}} as Prometheus answers a failed request. */
    public static String error(String errorType, String message) {
        StringBuilder sb = new StringBuilder(64 + message.length());
        sb.append("{\"status\":\"error\",\"errorType\":");
        string(sb, errorType).append(",\"error\":");
        return string(sb, message).append('}').toString();
    }
}
