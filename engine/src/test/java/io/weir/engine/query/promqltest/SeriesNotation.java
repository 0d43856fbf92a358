package io.weir.engine.query.promqltest;

import java.util.ArrayList;
import java.util.List;

/**
 * The series notation of Prometheus' promqltest files: {@code metric{l="v"} 0+10x100 _ stale 1 NaN _x3}. A line is
 * an optional metric name, optional braces with {@code name="value"} pairs, then whitespace-separated items; item
 * {@code i} of the expanded list lies at {@code i * step}. {@code a+bxN} / {@code a-bxN} expand to N+1 values
 * (accumulated as Go does, {@code a += b}), {@code axN} to N+1 copies, {@code _xN} to N omitted steps. Native
 * histogram items ({@code {{...}}}) are recognised and flagged but not decoded: Weir does not sketch them.
 */
final class SeriesNotation {
    /** Prometheus' stale marker: a NaN with this bit pattern is not a sample. */
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    /** One expanded item; {@code omitted} is {@code _}. */
    record Item(boolean omitted, double value, boolean histogram) {
        static final Item OMITTED = new Item(true, 0, false);
        static final Item HISTOGRAM = new Item(false, Double.NaN, true);
    }

    /** @param labels name, value pairs, {@code __name__} first when the metric has a name */
    record Series(List<String> labels, List<Item> items) {
        boolean hasHistogram() {
            return items.stream().anyMatch(Item::histogram);
        }
    }

    private final String s;
    private int pos;

    private SeriesNotation(String s) {
        this.s = s;
    }

    static Series parse(String line) {
        SeriesNotation p = new SeriesNotation(line.strip());
        List<String> labels = p.labels();
        List<Item> items = new ArrayList<>();
        while (true) {
            p.skipSpace();
            if (p.pos >= p.s.length()) {
                break;
            }
            p.item(items);
        }
        return new Series(labels, items);
    }

    private List<String> labels() {
        List<String> out = new ArrayList<>();
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == ':')) {
            pos++;
        }
        if (pos > start) {
            out.add("__name__");
            out.add(s.substring(start, pos));
        }
        if (pos < s.length() && s.charAt(pos) == '{' && !s.startsWith("{{", pos)) {
            pos++;
            while (true) {
                skipSpace();
                if (s.charAt(pos) == '}') {
                    pos++;
                    break;
                }
                int n = pos;
                while (s.charAt(pos) != '=' && !Character.isWhitespace(s.charAt(pos))) {
                    pos++;
                }
                String name = s.substring(n, pos);
                skipSpace();
                expect('=');
                skipSpace();
                String value = quoted();
                if (name.equals("__name__")) {
                    out.addAll(0, List.of(name, value));
                } else {
                    out.add(name);
                    out.add(value);
                }
                skipSpace();
                if (s.charAt(pos) == ',') {
                    pos++;
                }
            }
        }
        return out;
    }

    private String quoted() {
        char q = s.charAt(pos++);
        if (q != '"' && q != '\'' && q != '`') {
            throw new IllegalArgumentException("expected a quoted label value at " + pos + " in " + s);
        }
        StringBuilder sb = new StringBuilder();
        while (s.charAt(pos) != q) {
            char c = s.charAt(pos++);
            if (c == '\\' && q != '`') {
                char e = s.charAt(pos++);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        pos++;
        return sb.toString();
    }

    private void item(List<Item> out) {
        if (s.startsWith("{{", pos)) {
            int close = s.indexOf("}}", pos);
            pos = close + 2;
            // {{...}}xN or {{...}}+{{...}}xN: the count does not matter, only that the series holds histograms
            String rest = token();
            out.add(Item.HISTOGRAM);
            if (rest.startsWith("+{{") || rest.startsWith("-{{")) {
                pos = s.indexOf("}}", pos - rest.length()) + 2;
                token();
            }
            return;
        }
        String t = token();
        if (t.equals("_")) {
            out.add(Item.OMITTED);
            return;
        }
        if (t.startsWith("_x")) {
            for (long i = 0, n = Long.parseLong(t.substring(2)); i < n; i++) {
                out.add(Item.OMITTED);
            }
            return;
        }
        // value [signed delta] [xN]
        int x = t.lastIndexOf('x');
        long times = -1;
        if (x > 0 && x < t.length() - 1 && t.substring(x + 1).chars().allMatch(Character::isDigit)) {
            times = Long.parseLong(t.substring(x + 1));
            t = t.substring(0, x);
        }
        double value;
        double delta = 0;
        int split = deltaSplit(t);
        if (split > 0) {
            value = number(t.substring(0, split));
            delta = number(t.substring(split));
        } else {
            value = number(t);
        }
        if (times < 0) {
            out.add(new Item(false, value, false));
            return;
        }
        for (long i = 0; i <= times; i++) {
            out.add(new Item(false, value, false));
            value += delta;
        }
    }

    /** Where the signed delta of {@code a+b} / {@code a-b} starts (not an exponent sign, not a leading sign); -1 if none. */
    private static int deltaSplit(String t) {
        for (int i = 1; i < t.length(); i++) {
            char c = t.charAt(i);
            char prev = t.charAt(i - 1);
            if ((c == '+' || c == '-') && prev != 'e' && prev != 'E') {
                return i;
            }
        }
        return -1;
    }

    static double number(String t) {
        String u = t.strip();
        if (u.equals("stale")) {
            return Double.longBitsToDouble(STALE_NAN_BITS);
        }
        String unsigned = u.startsWith("+") || u.startsWith("-") ? u.substring(1) : u;
        double sign = u.startsWith("-") ? -1 : 1;
        if (unsigned.equalsIgnoreCase("inf")) {
            return sign * Double.POSITIVE_INFINITY;
        }
        if (unsigned.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        if (unsigned.startsWith("0x") || unsigned.startsWith("0X")) {
            return sign * Long.parseLong(unsigned.substring(2), 16);
        }
        return Double.parseDouble(u);
    }

    private String token() {
        int start = pos;
        while (pos < s.length() && !Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        return s.substring(start, pos);
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private void expect(char c) {
        if (s.charAt(pos) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in " + s);
        }
        pos++;
    }
}
