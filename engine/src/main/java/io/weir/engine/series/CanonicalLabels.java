package io.weir.engine.series;

import java.nio.charset.StandardCharsets;

/**
 * The one byte form of a label set, used as the series table key, in WAL SERIES records and by the forwarder.
 * <pre>
 *   label set = label*            (sorted by name, byte-wise unsigned; names unique; no empty values)
 *   label     = varint(nameLen) name-bytes varint(valueLen) value-bytes     (UTF-8, varint = unsigned LEB128)
 * </pre>
 * Two equal label sets always have equal bytes, so hashing and equality work on bytes without building strings.
 */
public final class CanonicalLabels {
    private CanonicalLabels() {}

    /** @return bytes needed to write one label whose name and value have these lengths */
    public static int labelSize(int nameLen, int valueLen) {
        return varintSize(nameLen) + nameLen + varintSize(valueLen) + valueLen;
    }

    public static int varintSize(int v) {
        return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
    }

    /** Writes an unsigned LEB128 varint; returns the position after it. */
    public static int putVarint(byte[] dst, int pos, int v) {
        while ((v & ~0x7F) != 0) {
            dst[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        dst[pos++] = (byte) v;
        return pos;
    }

    /** Writes one label; returns the position after it. The caller guarantees capacity. */
    public static int putLabel(byte[] dst, int pos, byte[] src, int nameOff, int nameLen, int valueOff, int valueLen) {
        pos = putVarint(dst, pos, nameLen);
        System.arraycopy(src, nameOff, dst, pos, nameLen);
        pos += nameLen;
        pos = putVarint(dst, pos, valueLen);
        System.arraycopy(src, valueOff, dst, pos, valueLen);
        return pos + valueLen;
    }

    /** Encodes alternating name, value strings (already sorted by name) — for tests and cold paths. */
    public static byte[] of(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of strings: names and values must pair up");
        }
        byte[][] parts = new byte[nameValuePairs.length][];
        int size = 0;
        for (int i = 0; i < parts.length; i += 2) {
            parts[i] = nameValuePairs[i].getBytes(StandardCharsets.UTF_8);
            parts[i + 1] = nameValuePairs[i + 1].getBytes(StandardCharsets.UTF_8);
            size += labelSize(parts[i].length, parts[i + 1].length);
        }
        byte[] out = new byte[size];
        int pos = 0;
        for (int i = 0; i < parts.length; i += 2) {
            pos = putVarint(out, pos, parts[i].length);
            System.arraycopy(parts[i], 0, out, pos, parts[i].length);
            pos += parts[i].length;
            pos = putVarint(out, pos, parts[i + 1].length);
            System.arraycopy(parts[i + 1], 0, out, pos, parts[i + 1].length);
            pos += parts[i + 1].length;
        }
        return out;
    }

    /** Visits the labels of an encoded set without allocating. */
    public interface Visitor {
        void label(byte[] buf, int nameOff, int nameLen, int valueOff, int valueLen);
    }

    /** @throws IllegalArgumentException when the bytes are not a well-formed encoding */
    public static void forEach(byte[] buf, int off, int len, Visitor visitor) {
        int pos = off;
        int end = off + len;
        while (pos < end) {
            long nameLenAndPos = readVarint(buf, pos, end);
            int nameLen = (int) (nameLenAndPos >>> 32);
            int nameOff = (int) nameLenAndPos;
            if (nameLen > end - nameOff) {
                throw new IllegalArgumentException("label name runs past the end of the label set");
            }
            long valueLenAndPos = readVarint(buf, nameOff + nameLen, end);
            int valueLen = (int) (valueLenAndPos >>> 32);
            int valueOff = (int) valueLenAndPos;
            if (valueLen > end - valueOff) {
                throw new IllegalArgumentException("label value runs past the end of the label set");
            }
            visitor.label(buf, nameOff, nameLen, valueOff, valueLen);
            pos = valueOff + valueLen;
        }
    }

    /** @return (value << 32) | positionAfter */
    private static long readVarint(byte[] buf, int pos, int end) {
        int result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= end) {
                throw new IllegalArgumentException("truncated varint in label set");
            }
            byte b = buf[pos++];
            result |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (result < 0) {
                    throw new IllegalArgumentException("negative length in label set");
                }
                return ((long) result << 32) | pos;
            }
        }
        throw new IllegalArgumentException("varint too long in label set");
    }
}
