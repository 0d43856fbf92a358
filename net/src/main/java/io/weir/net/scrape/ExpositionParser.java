package io.weir.net.scrape;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses one scrape body in the Prometheus text format 0.0.4 or OpenMetrics 1.0 over its bytes, line by line,
 * handing each sample to a {@link Sink}. Owned by one target's scrape thread and reused scrape after scrape: once its
 * scratch arrays have grown to a body's shape, parsing allocates nothing (numbers too hard for the exact fast path
 * fall back to {@link Double#parseDouble}, which allocates).
 *
 * <p>What each format accepts follows Prometheus 2.42's parsers: comments, {@code HELP} and {@code TYPE} lines are
 * checked and skipped (metadata is not kept); histograms and summaries are plain series ({@code _bucket}, {@code _sum},
 * {@code _count}, quantiles); OpenMetrics {@code _created} series are plain series too (2.42 ingests them as samples);
 * OpenMetrics requires {@code # EOF} last, takes timestamps in seconds and skips exemplars. The first problem stops
 * the parse; the caller drops the whole scrape.
 */
public final class ExpositionParser {
    /** Go's {@code math.NaN()}, which is what Prometheus stores for a scraped "NaN". */
    public static final double PROMETHEUS_NAN = Double.longBitsToDouble(0x7ff8000000000001L);

    /** Receives each parsed sample; the parser's current-line accessors are valid during the call. */
    public interface Sink {
        /** @return null to go on, or a message that stops the parse as an error */
        String sample(ExpositionParser line);
    }

    private static final double[] POW10 = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22};

    private byte[] body;
    private int end;
    private int pos;
    private int line;
    private boolean openMetrics;
    private String error;

    // the current sample: metric name and label names/values, unescaped, in scratch
    private byte[] scratch = new byte[1024];
    private int scratchLength;
    private int nameOff;
    private int nameLen;
    private int labelCount;
    private int[] labelNameOff = new int[16];
    private int[] labelNameLen = new int[16];
    private int[] labelValueOff = new int[16];
    private int[] labelValueLen = new int[16];
    private double value;
    private boolean hasTimestamp;
    private long timestampMillis;

    /**
     * @param contentType the response's Content-Type (null when absent)
     * @return true when the body is to be read as OpenMetrics, as Prometheus decides from the Content-Type
     */
    public static boolean isOpenMetrics(String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, "application/openmetrics-text", 0, 28);
    }

    /**
     * @return true when the whole body parsed; false after the first problem ({@link #error()} says which),
     *         in which case some samples may already have gone to the sink and the caller drops them all
     */
    public boolean parse(byte[] body, int length, boolean openMetrics, Sink sink) {
        this.body = body;
        this.end = length;
        this.pos = 0;
        this.line = 0;
        this.openMetrics = openMetrics;
        this.error = null;
        boolean eof = false;
        while (pos < end) {
            line++;
            int lineEnd = indexOf(body, pos, end, (byte) '\n');
            int next = lineEnd < 0 ? end : lineEnd + 1;
            int stop = lineEnd < 0 ? end : lineEnd;
            if (eof) {
                return fail("unexpected data after # EOF");
            }
            boolean ok;
            if (!openMetrics) {
                int first = skipBlanks(pos, stop);
                if (first == stop) {
                    ok = true;
                } else if (body[first] == '#') {
                    ok = textComment(first + 1, stop);
                } else {
                    ok = sampleLine(first, stop, sink);
                }
            } else if (stop == pos) {
                ok = fail("empty line");
            } else if (body[pos] == '#') {
                if (stop - pos == 5 && startsWith(pos, "# EOF")) {
                    eof = true;
                    ok = true;
                } else {
                    ok = openMetricsComment(pos, stop);
                }
            } else {
                ok = sampleLine(pos, stop, sink);
            }
            if (!ok) {
                return false;
            }
            pos = next;
        }
        if (openMetrics && !eof) {
            return fail("missing # EOF at the end");
        }
        return true;
    }

    /** @return the first problem of the last {@link #parse}, with its line number; null after success */
    public String error() { return error; }

    public byte[] scratch() { return scratch; }
    public int nameOffset() { return nameOff; }
    public int nameLength() { return nameLen; }
    public int labelCount() { return labelCount; }
    public int labelNameOffset(int i) { return labelNameOff[i]; }
    public int labelNameLength(int i) { return labelNameLen[i]; }
    public int labelValueOffset(int i) { return labelValueOff[i]; }
    public int labelValueLength(int i) { return labelValueLen[i]; }
    public double value() { return value; }
    public boolean hasTimestamp() { return hasTimestamp; }
    /** @return the sample's own timestamp in ms (OpenMetrics seconds are converted as Prometheus does) */
    public long timestampMillis() { return timestampMillis; }

    // ---- comments ----

    /** Text format: "# HELP name doc", "# TYPE name type"; any other comment is skipped. */
    private boolean textComment(int p, int stop) {
        p = skipBlanks(p, stop);
        int word = p;
        while (p < stop && body[p] != ' ' && body[p] != '\t') {
            p++;
        }
        boolean help = p - word == 4 && startsWith(word, "HELP");
        boolean type = p - word == 4 && startsWith(word, "TYPE");
        if (!help && !type) {
            return true;
        }
        p = skipBlanks(p, stop);
        int name = p;
        p = metricName(p, stop);
        if (p == name) {
            // Prometheus' lexer: "# HELP" with no name is a plain comment only when nothing follows
            return p == stop || fail("invalid metric name in " + (help ? "HELP" : "TYPE") + " line");
        }
        if (p < stop && body[p] != ' ' && body[p] != '\t') {
            return fail("invalid metric name in " + (help ? "HELP" : "TYPE") + " line");
        }
        if (type) {
            p = skipBlanks(p, stop);
            int t = p;
            while (p < stop && body[p] != ' ' && body[p] != '\t') {
                p++;
            }
            if (!isType(t, p, false) || skipBlanks(p, stop) != stop) {
                return fail("invalid metric type " + quote(t, stop));
            }
        }
        return true;
    }

    /** OpenMetrics: only "# HELP name doc", "# TYPE name type", "# UNIT name unit" (and "# EOF") are allowed. */
    private boolean openMetricsComment(int p, int stop) {
        if (stop - p < 7 || body[p + 1] != ' ') {
            return fail("invalid comment line (OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF)");
        }
        int word = p + 2;
        boolean help = startsWith(word, "HELP ");
        boolean type = startsWith(word, "TYPE ");
        boolean unit = startsWith(word, "UNIT ");
        if (!help && !type && !unit) {
            return fail("invalid comment line (OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF)");
        }
        p = word + 5;
        int name = p;
        p = metricName(p, stop);
        if (p == name || (p < stop && body[p] != ' ')) {
            return fail("invalid metric name in comment line");
        }
        if (type) {
            if (p == stop || !isType(p + 1, stop, true)) {
                return fail("invalid metric type " + quote(Math.min(p + 1, stop), stop));
            }
        } else if (p < stop && help) {
            // the docstring may hold escapes; nothing to check beyond UTF-8
            if (!validUtf8(body, p + 1, stop)) {
                return fail("invalid UTF-8 in HELP");
            }
        }
        return true;
    }

    private boolean isType(int from, int to, boolean om) {
        int n = to - from;
        return n == 7 && startsWith(from, "counter")
                || n == 5 && startsWith(from, "gauge")
                || n == 9 && startsWith(from, "histogram")
                || n == 7 && startsWith(from, "summary")
                || !om && n == 7 && startsWith(from, "untyped")
                || om && n == 7 && startsWith(from, "unknown")
                || om && n == 14 && startsWith(from, "gaugehistogram")
                || om && n == 8 && startsWith(from, "stateset")
                || om && n == 4 && startsWith(from, "info");
    }

    // ---- samples ----

    private boolean sampleLine(int p, int stop, Sink sink) {
        scratchLength = 0;
        labelCount = 0;
        int name = p;
        p = metricName(p, stop);
        if (p == name) {
            return fail("invalid metric name " + quote(name, stop));
        }
        nameOff = copy(name, p - name);
        nameLen = p - name;
        int brace = openMetrics ? p : skipBlanks(p, stop);
        if (brace < stop && body[brace] == '{') {
            p = labels(brace + 1, stop);
            if (p < 0) {
                return false;
            }
        }
        if (p == stop || (body[p] != ' ' && body[p] != '\t') || (openMetrics && body[p] != ' ')) {
            return fail("expected a value after the metric name and labels");
        }
        p = openMetrics ? p + 1 : skipBlanks(p, stop);
        int v = p;
        while (p < stop && body[p] != ' ' && body[p] != '\t') {
            p++;
        }
        if (v == p) {
            return fail("expected a value after the metric name and labels");
        }
        if (!parseFloat(v, p)) {
            return fail("invalid value " + quote(v, p));
        }
        value = parsedFloat;
        hasTimestamp = false;
        if (openMetrics) {
            if (p < stop) {
                p++; // the single space
                if (p < stop && body[p] != '#') {
                    int t = p;
                    while (p < stop && body[p] != ' ') {
                        p++;
                    }
                    if (!parseFloat(t, p) || Double.isNaN(parsedFloat) || Double.isInfinite(parsedFloat)) {
                        return fail("invalid timestamp " + quote(t, p));
                    }
                    hasTimestamp = true;
                    timestampMillis = (long) (parsedFloat * 1000.0); // Prometheus: int64(ts * 1000)
                    if (p < stop) {
                        p++;
                    }
                }
                if (p < stop) {
                    if (body[p] != '#' || !exemplar(p, stop)) {
                        return error != null ? false : fail("unexpected text after the value");
                    }
                }
            }
        } else {
            p = skipBlanks(p, stop);
            if (p < stop) {
                int t = p;
                while (p < stop && body[p] != ' ' && body[p] != '\t') {
                    p++;
                }
                if (!parseLong(t, p)) {
                    return fail("invalid timestamp " + quote(t, p));
                }
                hasTimestamp = true;
                timestampMillis = parsedLong;
                if (skipBlanks(p, stop) != stop) {
                    return fail("unexpected text after the timestamp");
                }
            }
        }
        String problem = sink.sample(this);
        return problem == null || fail(problem);
    }

    /** " # {labels} value [timestamp]": checked and skipped, as Prometheus does without the exemplar storage flag. */
    private boolean exemplar(int p, int stop) {
        if (stop - p < 3 || body[p + 1] != ' ' || body[p + 2] != '{') {
            return fail("invalid exemplar");
        }
        int savedLabels = labelCount;
        int savedScratch = scratchLength;
        int q = labels(p + 3, stop);
        labelCount = savedLabels;
        scratchLength = savedScratch;
        if (q < 0) {
            return false;
        }
        if (q >= stop || body[q] != ' ') {
            return fail("invalid exemplar: expected a value");
        }
        q++;
        int v = q;
        while (q < stop && body[q] != ' ') {
            q++;
        }
        if (v == q || !parseFloat(v, q)) {
            return fail("invalid exemplar value " + quote(v, q));
        }
        if (q < stop) {
            q++;
            int t = q;
            while (q < stop && body[q] != ' ') {
                q++;
            }
            if (t == q || q != stop || !parseFloat(t, q)) {
                return fail("invalid exemplar timestamp " + quote(t, stop));
            }
        }
        return true;
    }

    /** Reads label pairs after '{' up to and including '}'; @return the position after '}', or -1 after a problem. */
    private int labels(int p, int stop) {
        while (true) {
            if (!openMetrics) {
                p = skipBlanks(p, stop);
            }
            if (p < stop && body[p] == '}') {
                return p + 1;
            }
            int n = p;
            if (p < stop && isLabelStart(body[p])) {
                p++;
                while (p < stop && isLabelChar(body[p])) {
                    p++;
                }
            }
            if (p == n) {
                fail("invalid label name " + quote(n, stop));
                return -1;
            }
            int nLen = p - n;
            if (!openMetrics) {
                p = skipBlanks(p, stop);
            }
            if (p >= stop || body[p] != '=') {
                fail("expected '=' after label name " + quote(n, n + nLen));
                return -1;
            }
            p++;
            if (!openMetrics) {
                p = skipBlanks(p, stop);
            }
            if (p >= stop || body[p] != '"') {
                fail("expected '\"' to open the value of label " + quote(n, n + nLen));
                return -1;
            }
            p++;
            int nameAt = copy(n, nLen);
            int valueAt = scratchLength;
            boolean closed = false;
            while (p < stop) {
                byte b = body[p];
                if (b == '"') {
                    closed = true;
                    p++;
                    break;
                }
                if (b == '\\') {
                    if (p + 1 >= stop) {
                        break;
                    }
                    byte e = body[p + 1];
                    if (e == 'n') {
                        put((byte) '\n');
                    } else if (e == '\\' || e == '"') {
                        put(e);
                    } else {
                        // Prometheus keeps an unknown escape as written
                        put(b);
                        put(e);
                    }
                    p += 2;
                } else {
                    put(b);
                    p++;
                }
            }
            if (!closed) {
                fail("unterminated value of label " + quote(n, n + nLen));
                return -1;
            }
            int vLen = scratchLength - valueAt;
            if (!validUtf8(scratch, valueAt, scratchLength)) {
                fail("invalid UTF-8 in the value of label " + quote(n, n + nLen));
                return -1;
            }
            addLabel(nameAt, nLen, valueAt, vLen);
            if (!openMetrics) {
                p = skipBlanks(p, stop);
            }
            if (p < stop && body[p] == ',') {
                p++;
                continue;
            }
            if (p < stop && body[p] == '}') {
                return p + 1;
            }
            fail("expected ',' or '}' after the value of label " + quote(n, n + nLen));
            return -1;
        }
    }

    private void addLabel(int nOff, int nLen, int vOff, int vLen) {
        int i = labelCount;
        if (i == labelNameOff.length) {
            labelNameOff = Arrays.copyOf(labelNameOff, i * 2);
            labelNameLen = Arrays.copyOf(labelNameLen, i * 2);
            labelValueOff = Arrays.copyOf(labelValueOff, i * 2);
            labelValueLen = Arrays.copyOf(labelValueLen, i * 2);
        }
        labelNameOff[i] = nOff;
        labelNameLen[i] = nLen;
        labelValueOff[i] = vOff;
        labelValueLen[i] = vLen;
        labelCount = i + 1;
    }

    private int copy(int from, int len) {
        int at = scratchLength;
        ensureScratch(len);
        System.arraycopy(body, from, scratch, at, len);
        scratchLength = at + len;
        return at;
    }

    private void put(byte b) {
        ensureScratch(1);
        scratch[scratchLength++] = b;
    }

    private void ensureScratch(int more) {
        if (scratch.length - scratchLength < more) {
            scratch = Arrays.copyOf(scratch, Math.max(scratchLength + more, scratch.length * 2));
        }
    }

    // ---- tokens ----

    private int metricName(int p, int stop) {
        if (p < stop && isNameStart(body[p])) {
            p++;
            while (p < stop && isNameChar(body[p])) {
                p++;
            }
        }
        return p;
    }

    private static boolean isNameStart(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b == ':';
    }

    private static boolean isNameChar(byte b) {
        return isNameStart(b) || b >= '0' && b <= '9';
    }

    private static boolean isLabelStart(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_';
    }

    private static boolean isLabelChar(byte b) {
        return isLabelStart(b) || b >= '0' && b <= '9';
    }

    private int skipBlanks(int p, int stop) {
        while (p < stop && (body[p] == ' ' || body[p] == '\t')) {
            p++;
        }
        return p;
    }

    private boolean startsWith(int p, String ascii) {
        if (end - p < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (body[p + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int from, int to, byte x) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private long parsedLong;

    /** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, no overflow. */
    private boolean parseLong(int from, int to) {
        int p = from;
        boolean neg = false;
        if (p < to && (body[p] == '+' || body[p] == '-')) {
            neg = body[p] == '-';
            p++;
        }
        if (p == to) {
            return false;
        }
        long v = 0; // accumulated negative: Long.MIN_VALUE has no positive twin
        for (; p < to; p++) {
            int d = body[p] - '0';
            if (d < 0 || d > 9 || v < (Long.MIN_VALUE + d) / 10) {
                return false;
            }
            v = v * 10 - d;
        }
        if (!neg && v == Long.MIN_VALUE) {
            return false;
        }
        parsedLong = neg ? v : -v;
        return true;
    }

    private double parsedFloat;

    /**
     * Go's strconv.ParseFloat(s, 64) for what exposition formats use: optional sign, decimal digits with optional
     * fraction and exponent, or Inf/Infinity/NaN in any case. Exact and allocation-free when the significand has at
     * most 15 digits and the decimal exponent is within +-22 (both factors are exact doubles); otherwise the JDK's
     * correctly rounded parser decides, as Go's does.
     */
    private boolean parseFloat(int from, int to) {
        int p = from;
        boolean neg = false;
        if (p < to && (body[p] == '+' || body[p] == '-')) {
            neg = body[p] == '-';
            p++;
        }
        if (p == to) {
            return false;
        }
        byte c = body[p];
        if (c == 'i' || c == 'I' || c == 'n' || c == 'N') {
            int n = to - p;
            if ((n == 3 && equalsIgnoreCase(p, "inf")) || (n == 8 && equalsIgnoreCase(p, "infinity"))) {
                parsedFloat = neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                return true;
            }
            if (n == 3 && equalsIgnoreCase(p, "nan")) {
                parsedFloat = PROMETHEUS_NAN;
                return true;
            }
            return false;
        }
        long mantissa = 0;
        int digits = 0;
        int exp10 = 0;
        boolean anyDigit = false;
        boolean exact = true;
        while (p < to && body[p] >= '0' && body[p] <= '9') {
            anyDigit = true;
            if (mantissa != 0 || body[p] != '0') {
                if (digits < 18) {
                    mantissa = mantissa * 10 + (body[p] - '0');
                    digits++;
                } else {
                    exp10++;
                    exact = false;
                }
            }
            p++;
        }
        if (p < to && body[p] == '.') {
            p++;
            while (p < to && body[p] >= '0' && body[p] <= '9') {
                anyDigit = true;
                if (mantissa != 0 || body[p] != '0') {
                    if (digits < 18) {
                        mantissa = mantissa * 10 + (body[p] - '0');
                        digits++;
                        exp10--;
                    } else {
                        exact = false;
                    }
                } else {
                    exp10--;
                }
                p++;
            }
        }
        if (!anyDigit) {
            return false;
        }
        if (p < to && (body[p] == 'e' || body[p] == 'E')) {
            p++;
            boolean eneg = false;
            if (p < to && (body[p] == '+' || body[p] == '-')) {
                eneg = body[p] == '-';
                p++;
            }
            if (p == to) {
                return false;
            }
            int e = 0;
            for (; p < to; p++) {
                int d = body[p] - '0';
                if (d < 0 || d > 9) {
                    return false;
                }
                if (e < 100_000) {
                    e = e * 10 + d;
                }
            }
            exp10 += eneg ? -e : e;
        }
        if (p != to) {
            return false;
        }
        if (mantissa == 0) {
            parsedFloat = neg ? -0.0 : 0.0;
            return true;
        }
        if (exact && digits <= 15 && exp10 >= -22 && exp10 <= 22) {
            double m = (double) mantissa;
            double v = exp10 >= 0 ? m * POW10[exp10] : m / POW10[-exp10];
            parsedFloat = neg ? -v : v;
            return true;
        }
        try {
            parsedFloat = Double.parseDouble(new String(body, from, to - from, StandardCharsets.ISO_8859_1));
            return !Double.isInfinite(parsedFloat); // Go: out of range is an error, not Inf
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private boolean equalsIgnoreCase(int p, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int b = body[p + i] | 0x20;
            if (b != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static boolean validUtf8(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + n >= to) {
                return false;
            }
            int cp = c & (0x3f >> n);
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }

    private boolean fail(String message) {
        if (error == null) {
            error = "line " + line + ": " + message;
        }
        return false;
    }

    /** Allocates: error messages only. */
    private String quote(int from, int to) {
        int n = Math.min(to - from, 64);
        return "\"" + new String(body, from, Math.max(0, n), StandardCharsets.UTF_8) + (to - from > 64 ? "...\"" : "\"");
    }
}
