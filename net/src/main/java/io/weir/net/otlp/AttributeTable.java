package io.weir.net.otlp;

import java.util.Arrays;

/**
 * The attributes of one data point (or one resource) as Prometheus labels, built as Prometheus' OTLP receiver does:
 * each key is sanitised (every character but an ASCII letter or digit becomes '_', a leading digit gets {@code key_},
 * a single leading '_' gets {@code key}); attributes are taken in key order and those whose sanitised names collide
 * are joined into one label with their values separated by ';'. Keys stay ranges of the request body; names and value
 * text live in this table's own buffers. Thread-confined and reused, so a point costs no allocation.
 */
final class AttributeTable {
    private static final byte[] KEY_PREFIX = {'k', 'e', 'y', '_'};
    private static final byte[] SEMICOLON = {';'};
    /** {@link #reserved} bits: the attribute's label name is one the translation sets itself. */
    static final int RESERVED_NAME = 1;
    static final int RESERVED_JOB = 2;
    static final int RESERVED_INSTANCE = 4;
    static final int RESERVED_LE = 8;
    static final int RESERVED_QUANTILE = 16;
    private static final byte[][] RESERVED = {
        "__name__".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "job".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        "instance".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "le".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        "quantile".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
    };

    private byte[] src;
    private int count;
    private int[] keyOff = new int[16];
    private int[] keyLen = new int[16];
    private int[] nameOff = new int[16];
    private int[] nameLen = new int[16];
    private int[] valueOff = new int[16];
    private int[] valueLen = new int[16];
    /** Entry indexes in key order after {@link #finish}; merged-away entries are left out. */
    private int[] order = new int[16];
    private int[] reserved = new int[16];
    private int live;

    private byte[] names = new byte[256];
    private int namesLength;
    private byte[] values = new byte[512];
    private int valuesLength;

    /** Empties the table; keys added next are ranges of {@code body}. */
    void clear(byte[] body) {
        src = body;
        count = 0;
        live = 0;
        namesLength = 0;
        valuesLength = 0;
    }

    /** Adds an attribute: key is a range of the body, value text is copied. */
    void add(int kOff, int kLen, byte[] value, int vOff, int vLen) {
        int e = count;
        if (e == keyOff.length) {
            int n = e * 2;
            keyOff = Arrays.copyOf(keyOff, n);
            keyLen = Arrays.copyOf(keyLen, n);
            nameOff = Arrays.copyOf(nameOff, n);
            nameLen = Arrays.copyOf(nameLen, n);
            valueOff = Arrays.copyOf(valueOff, n);
            valueLen = Arrays.copyOf(valueLen, n);
            order = Arrays.copyOf(order, n);
            reserved = Arrays.copyOf(reserved, n);
        }
        keyOff[e] = kOff;
        keyLen[e] = kLen;
        nameOff[e] = namesLength;
        nameLen[e] = sanitize(kOff, kLen);
        valueOff[e] = appendValue(value, vOff, vLen);
        valueLen[e] = vLen;
        count = e + 1;
    }

    /** Sorts by key (stable, byte-wise as Go compares strings) and merges entries whose sanitised names collide. */
    void finish() {
        for (int i = 0; i < count; i++) {
            int e = i;
            int j = i - 1;
            while (j >= 0 && compareKeys(order[j], e) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = e;
        }
        live = 0;
        for (int i = 0; i < count; i++) {
            int e = order[i];
            int same = -1;
            for (int k = 0; k < live; k++) {
                if (sameName(order[k], e)) {
                    same = order[k];
                    break;
                }
            }
            if (same < 0) {
                order[live++] = e;
            } else {
                int joined = valuesLength;
                appendValue(values, valueOff[same], valueLen[same]);
                appendValue(SEMICOLON, 0, 1);
                appendValue(values, valueOff[e], valueLen[e]);
                valueOff[same] = joined;
                valueLen[same] = valuesLength - joined;
            }
        }
        // then by label name, so that series can be written already sorted
        for (int i = 1; i < live; i++) {
            int e = order[i];
            int j = i - 1;
            while (j >= 0 && compareNames(order[j], e) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = e;
        }
        for (int i = 0; i < live; i++) {
            int e = order[i];
            int bits = 0;
            for (int r = 0; r < RESERVED.length; r++) {
                if (nameLen[e] == RESERVED[r].length && compare(names, nameOff[e], nameLen[e], RESERVED[r], 0, RESERVED[r].length) == 0) {
                    bits = 1 << r;
                }
            }
            reserved[e] = bits;
        }
    }

    /** @return {@link #RESERVED_NAME} etc. when the i-th label's name is one the translation sets, else 0 */
    int reserved(int i) { return reserved[order[i]]; }

    private int compareNames(int a, int b) {
        return compare(names, nameOff[a], nameLen[a], names, nameOff[b], nameLen[b]);
    }

    /** @return the number of labels after {@link #finish} */
    int size() { return live; }

    byte[] names() { return names; }
    int nameOff(int i) { return nameOff[order[i]]; }
    int nameLen(int i) { return nameLen[order[i]]; }
    byte[] values() { return values; }
    int valueOff(int i) { return valueOff[order[i]]; }
    int valueLen(int i) { return valueLen[order[i]]; }

    private int compareKeys(int a, int b) {
        return compare(src, keyOff[a], keyLen[a], src, keyOff[b], keyLen[b]);
    }

    private boolean sameName(int a, int b) {
        return nameLen[a] == nameLen[b] && compare(names, nameOff[a], nameLen[a], names, nameOff[b], nameLen[b]) == 0;
    }

    /**
     * Unsigned byte-wise comparison; a plain loop, because label names are short and usually differ in their first
     * bytes, where {@code Arrays.compareUnsigned}'s vectorised mismatch costs more to set up than it saves.
     */
    static int compare(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        int n = Math.min(aLen, bLen);
        for (int i = 0; i < n; i++) {
            int x = a[aOff + i] & 0xFF;
            int y = b[bOff + i] & 0xFF;
            if (x != y) {
                return x - y;
            }
        }
        return aLen - bLen;
    }

    /** Writes the sanitised key at the end of {@link #names}; one '_' per non-alphanumeric character (not byte). */
    private int sanitize(int off, int len) {
        int start = namesLength;
        reserveNames(len + KEY_PREFIX.length);
        if (len > 0) {
            byte first = src[off];
            if (MetricNamer.isDigit(first)) {
                putName(KEY_PREFIX, 4);
            } else if (first == '_' && !(len > 1 && src[off + 1] == '_')) {
                putName(KEY_PREFIX, 3); // "_x" -> "key_x"
            }
        }
        for (int i = off, end = off + len; i < end; i++) {
            byte c = src[i];
            if (MetricNamer.isAlnum(c)) {
                names[namesLength++] = c;
            } else if ((c & 0xC0) != 0x80) {
                names[namesLength++] = '_'; // an ASCII symbol or the lead byte of a multi-byte character
            }
        }
        return namesLength - start;
    }

    private void putName(byte[] text, int len) {
        System.arraycopy(text, 0, names, namesLength, len);
        namesLength += len;
    }

    private void reserveNames(int more) {
        if (names.length - namesLength < more) {
            names = Arrays.copyOf(names, Math.max(namesLength + more, names.length * 2));
        }
    }

    private int appendValue(byte[] text, int off, int len) {
        if (values.length - valuesLength < len) {
            values = Arrays.copyOf(values, Math.max(valuesLength + len, values.length * 2));
        }
        int at = valuesLength;
        System.arraycopy(text, off, values, at, len);
        valuesLength = at + len;
        return at;
    }
}
