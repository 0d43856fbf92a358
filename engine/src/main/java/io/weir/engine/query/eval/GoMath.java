package io.weir.engine.query.eval;

import java.math.BigDecimal;
import com.google.re2j.Matcher;

/**
 * The few places where Go's math and strconv, which Prometheus uses, answer differently from Java's: these keep
 * the evaluator's values and label strings identical to Prometheus'.
 */
final class GoMath {
    private static final double LN2 = 0.693147180559945309417232121458176568;

    private GoMath() {}

    /** Go's math.Pow: unlike Java, {@code 1^y = 1} for every y and {@code (-1)^(+-Inf) = 1}. */
    static double pow(double x, double y) {
        if (x == 1 || y == 0) {
            return 1;
        }
        if (x == -1 && Double.isInfinite(y)) {
            return 1;
        }
        return Math.pow(x, y);
    }

    /** Go's math.Log2: exact for powers of two, where Java's log(x)/log(2) is not. */
    static double log2(double x) {
        if (Double.isNaN(x) || x <= 0 || Double.isInfinite(x)) {
            return Math.log(x) / LN2;
        }
        int exp = Math.getExponent(x);
        double frac;
        if (exp < Double.MIN_EXPONENT) {
            // subnormal: normalise first
            double n = x * 0x1p52;
            exp = Math.getExponent(n) - 52;
            frac = Math.scalb(n, -Math.getExponent(n) - 1);
        } else {
            frac = Math.scalb(x, -exp - 1);
        }
        exp += 1;
        // x = frac * 2^exp with frac in [0.5, 1)
        if (frac == 0.5) {
            return exp - 1;
        }
        return Math.log(frac) * (1 / LN2) + exp;
    }

    static double acosh(double x) {
        if (x < 1 || Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x == 1) {
            return 0;
        }
        if (x >= 1 << 28) {
            return Math.log(x) + LN2;
        }
        if (x > 2) {
            return Math.log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
        }
        double t = x - 1;
        return Math.log1p(t + Math.sqrt(2 * t + t * t));
    }

    static double asinh(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x) || x == 0) {
            return x;
        }
        boolean neg = x < 0;
        double a = Math.abs(x);
        double r;
        if (a > 1 << 28) {
            r = Math.log(a) + LN2;
        } else if (a > 2) {
            r = Math.log(2 * a + 1 / (Math.sqrt(a * a + 1) + a));
        } else if (a < 1.0 / (1 << 28)) {
            r = a;
        } else {
            r = Math.log1p(a + a * a / (1 + Math.sqrt(1 + a * a)));
        }
        return neg ? -r : r;
    }

    static double atanh(double x) {
        if (x < -1 || x > 1 || Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x == 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (x == -1) {
            return Double.NEGATIVE_INFINITY;
        }
        boolean neg = x < 0;
        double a = Math.abs(x);
        double r;
        if (a < 1.0 / (1 << 28)) {
            r = a;
        } else if (a < 0.5) {
            r = a + a;
            r = 0.5 * Math.log1p(r + r * a / (1 - a));
        } else {
            r = 0.5 * Math.log1p((a + a) / (1 - a));
        }
        return neg ? -r : r;
    }

    /** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent (count_values' label). */
    static String formatPlain(double v) {
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

    /** Go's model.LabelName.IsValid (Prometheus 2.x): {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
    static boolean validLabelName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Go's Regexp.ExpandString: {@code $1}, {@code ${1}}, {@code $name}, {@code ${name}}, {@code $$}; a name is
     * the longest run of letters, digits and underscores, so {@code $1x} is the (absent, hence empty) group "1x".
     */
    static String expand(String template, Matcher m) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                i++;
                continue;
            }
            char n = template.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            String name;
            int next;
            if (n == '{') {
                int close = template.indexOf('}', i + 2);
                if (close < 0 || !isName(template, i + 2, close)) {
                    out.append('$');
                    i++;
                    continue;
                }
                name = template.substring(i + 2, close);
                next = close + 1;
            } else {
                int j = i + 1;
                while (j < template.length() && isNameChar(template.charAt(j))) {
                    j++;
                }
                if (j == i + 1) {
                    out.append('$');
                    i++;
                    continue;
                }
                name = template.substring(i + 1, j);
                next = j;
            }
            out.append(group(m, name));
            i = next;
        }
        return out.toString();
    }

    private static boolean isName(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isNameChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    private static String group(Matcher m, String name) {
        boolean digits = true;
        for (int i = 0; i < name.length(); i++) {
            digits &= name.charAt(i) >= '0' && name.charAt(i) <= '9';
        }
        String g;
        if (digits) {
            int idx;
            try {
                idx = Integer.parseInt(name);
            } catch (NumberFormatException e) {
                return "";
            }
            g = idx <= m.groupCount() ? m.group(idx) : null;
        } else {
            try {
                g = m.group(name);
            } catch (IllegalArgumentException e) {
                g = null;
            }
        }
        return g == null ? "" : g;
    }
}
