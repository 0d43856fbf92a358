package io.weir.net.otlp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds the Prometheus metric name of an OTLP metric as Prometheus 2.53's OTLP receiver does with unit and type
 * suffixes on: the name is cut into tokens at every character that is not an ASCII letter or digit; the unit (UCUM,
 * {@code main/per}) is translated ({@code s} -> {@code seconds}, {@code By} -> {@code bytes}, {@code 1} -> nothing,
 * {@code /s} -> {@code per_second}, ...) and appended unless a token already says it or it holds {@code {...}};
 * monotonic cumulative sums end in {@code total}, gauges with unit {@code 1} in {@code ratio}; tokens are joined with
 * '_' and a leading digit gets a '_' prefix. Non-ASCII letters are separators, as in Prometheus 3's
 * UnderscoreEscapingWithSuffixes, so every name is a valid legacy metric name. Thread-confined; reuses its buffers.
 */
final class MetricNamer {
    static final int GAUGE = 0;
    static final int COUNTER = 1;
    /** A cumulative non-monotonic sum: named like a gauge but without the {@code ratio} rule. */
    static final int UP_DOWN = 2;
    static final int HISTOGRAM = 3;
    static final int SUMMARY = 4;

    private static final byte[][] UNIT_FROM = bytes("d", "h", "min", "s", "ms", "us", "ns",
            "By", "KiBy", "MiBy", "GiBy", "TiBy", "KBy", "MBy", "GBy", "TBy",
            "m", "V", "A", "J", "W", "g", "Cel", "Hz", "1", "%");
    private static final byte[][] UNIT_TO = bytes("days", "hours", "minutes", "seconds", "milliseconds",
            "microseconds", "nanoseconds", "bytes", "kibibytes", "mebibytes", "gibibytes", "tibibytes", "kilobytes",
            "megabytes", "gigabytes", "terabytes", "meters", "volts", "amperes", "joules", "watts", "grams", "celsius",
            "hertz", "", "percent");
    private static final byte[][] PER_FROM = bytes("s", "m", "h", "d", "w", "mo", "y");
    private static final byte[][] PER_TO = bytes("second", "minute", "hour", "day", "week", "month", "year");
    private static final byte[] TOTAL = bytes("total")[0];
    private static final byte[] RATIO = bytes("ratio")[0];
    private static final byte[] PER = bytes("per")[0];

    /** Token text, and each token as a range of it. */
    private byte[] tok = new byte[256];
    private int tokLength;
    private int[] tokOff = new int[32];
    private int[] tokLen = new int[32];
    private int tokens;

    private byte[] name = new byte[256];
    private int nameLength;

    /** The last name built; valid until the next {@link #build}. */
    byte[] name() { return name; }

    int nameLength() { return nameLength; }

    /** Builds the name of a metric of {@code kind} from its OTLP name and unit (UTF-8 ranges of {@code src}). */
    void build(byte[] src, int nameOff, int nameLen, int unitOff, int unitLen, int kind) {
        tokLength = 0;
        tokens = 0;
        splitInto(src, nameOff, nameOff + nameLen);

        int slash = indexOf(src, unitOff, unitOff + unitLen, (byte) '/');
        int mainEnd = slash < 0 ? unitOff + unitLen : slash;
        appendUnit(src, unitOff, mainEnd, UNIT_FROM, UNIT_TO, false);
        if (slash >= 0 && slash + 1 < unitOff + unitLen) {
            appendUnit(src, slash + 1, unitOff + unitLen, PER_FROM, PER_TO, true);
        }
        if (kind == COUNTER) {
            removeToken(TOTAL);
            addToken(TOTAL, 0, TOTAL.length);
        }
        if (kind == GAUGE && unitLen == 1 && src[unitOff] == '1') {
            removeToken(RATIO);
            addToken(RATIO, 0, RATIO.length);
        }
        join();
    }

    private void appendUnit(byte[] src, int from, int to, byte[][] mapFrom, byte[][] mapTo, boolean per) {
        while (from < to && isSpace(src[from])) {
            from++;
        }
        while (to > from && isSpace(src[to - 1])) {
            to--;
        }
        if (from == to || indexOf(src, from, to, (byte) '{') >= 0 || indexOf(src, from, to, (byte) '}') >= 0) {
            return;
        }
        byte[] text = src;
        int off = from;
        int end = to;
        for (int i = 0; i < mapFrom.length; i++) {
            if (Arrays.equals(src, from, to, mapFrom[i], 0, mapFrom[i].length)) {
                text = mapTo[i];
                off = 0;
                end = text.length;
                break;
            }
        }
        // the unit becomes one token: its own separators collapse to '_' (Prometheus' CleanUpString)
        int start = tokLength;
        boolean inWord = false;
        for (int i = off; i < end; i++) {
            byte c = text[i];
            if (isAlnum(c)) {
                if (!inWord && tokLength > start) {
                    put((byte) '_');
                }
                put(c);
                inWord = true;
            } else {
                inWord = false;
            }
        }
        int len = tokLength - start;
        if (len == 0 || hasToken(tok, start, len)) {
            tokLength = start;
            return;
        }
        if (per) {
            addToken(PER, 0, PER.length); // its text lands after the unit's; tokens are ranges, their order is what counts
            pushToken(start, len);
        } else {
            pushToken(start, len);
        }
    }

    private void splitInto(byte[] src, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && !isAlnum(src[i])) {
                i++;
            }
            int s = i;
            while (i < to && isAlnum(src[i])) {
                i++;
            }
            if (i > s) {
                addToken(src, s, i - s);
            }
        }
    }

    private boolean hasToken(byte[] text, int off, int len) {
        for (int t = 0; t < tokens; t++) {
            if (Arrays.equals(tok, tokOff[t], tokOff[t] + tokLen[t], text, off, off + len)) {
                return true;
            }
        }
        return false;
    }

    private void removeToken(byte[] word) {
        int kept = 0;
        for (int t = 0; t < tokens; t++) {
            if (!Arrays.equals(tok, tokOff[t], tokOff[t] + tokLen[t], word, 0, word.length)) {
                tokOff[kept] = tokOff[t];
                tokLen[kept] = tokLen[t];
                kept++;
            }
        }
        tokens = kept;
    }

    private void addToken(byte[] src, int off, int len) {
        int start = tokLength;
        for (int i = 0; i < len; i++) {
            put(src[off + i]);
        }
        pushToken(start, len);
    }

    private void pushToken(int off, int len) {
        if (tokens == tokOff.length) {
            tokOff = Arrays.copyOf(tokOff, tokens * 2);
            tokLen = Arrays.copyOf(tokLen, tokens * 2);
        }
        tokOff[tokens] = off;
        tokLen[tokens] = len;
        tokens++;
    }

    private void put(byte c) {
        if (tokLength == tok.length) {
            tok = Arrays.copyOf(tok, tok.length * 2);
        }
        tok[tokLength++] = c;
    }

    private void join() {
        int size = tokLength + tokens + 1;
        if (name.length < size) {
            name = new byte[Math.max(size, name.length * 2)];
        }
        int n = 0;
        if (tokens > 0 && tokLen[0] > 0 && isDigit(tok[tokOff[0]])) {
            name[n++] = '_';
        }
        for (int t = 0; t < tokens; t++) {
            if (t > 0) {
                name[n++] = '_';
            }
            System.arraycopy(tok, tokOff[t], name, n, tokLen[t]);
            n += tokLen[t];
        }
        nameLength = n;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    static boolean isAlnum(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c);
    }

    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    private static byte[][] bytes(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
