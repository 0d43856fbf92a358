package io.weir.net.otlp;

import java.util.Arrays;

/**
 * Encodes one remote write 1.0 {@code Histogram} message (an integer native histogram) from an OTLP exponential
 * histogram point; thread-confined, reused point after point (no allocation once its buffers have grown).
 * <pre>
 *   Histogram { 1: uint64 count_int  3: double sum  4: sint32 schema  5: double zero_threshold
 *               6: uint64 zero_count_int  8: repeated BucketSpan negative_spans  9: packed sint64 negative_deltas
 *               11: repeated BucketSpan positive_spans  12: packed sint64 positive_deltas  15: int64 timestamp }
 *   BucketSpan { 1: sint32 offset  2: uint32 length }
 * </pre>
 * Fields are written in that order; reset_hint (14) stays UNKNOWN, as Prometheus' OTLP translator leaves it.
 */
final class NativeHistogramWriter {
    private byte[] out = new byte[256];
    private int length;

    private int[] spanOffset = new int[8];
    private int[] spanLength = new int[8];
    private int spans;
    private long[] deltas = new long[32];
    private int deltaN;
    private long previous;

    byte[] bytes() { return out; }

    int length() { return length; }

    void begin() {
        length = 0;
    }

    /** count_int and sum: always written (the count is a oneof, so it has presence); sum as raw bits. */
    void countAndSum(long count, long sumBits) {
        tag(1, 0);
        varint(count);
        tag(3, 1);
        fixed64(sumBits);
    }

    void schema(int schema) {
        tag(4, 0);
        varint(zigZag(schema));
    }

    void zero(double threshold, long count) {
        tag(5, 1);
        fixed64(Double.doubleToRawLongBits(threshold));
        tag(6, 0);
        varint(count);
    }

    void timestamp(long ms) {
        tag(15, 0);
        varint(ms);
    }

    /**
     * Writes one side's spans and deltas from OTLP's dense counts: OTLP bucket {@code offset + i} covers
     * (base^k, base^(k+1)], Prometheus bucket k+1 the same range, so indexes shift by one; with {@code scaleDown} > 0,
     * 2^scaleDown neighbouring OTLP buckets merge into one. Empty buckets between non-empty ones are written as zero
     * deltas when the gap is at most 2, else a new span starts (the layout of Prometheus' translator and client_golang).
     */
    void buckets(long[] counts, int n, int offset, int scaleDown, boolean positive) {
        if (n == 0) {
            return;
        }
        spans = 0;
        deltaN = 0;
        previous = 0;
        int index = (offset >> scaleDown) + 1;
        newSpan(index);
        long count = 0;
        for (int i = 0; i < n; i++) {
            int next = ((i + offset) >> scaleDown) + 1;
            if (next == index) { // still inside one merged bucket
                count += counts[i];
                continue;
            }
            if (count == 0) { // nothing collected yet: move on without emitting (Prometheus' rule, kept identical)
                count = counts[i];
                continue;
            }
            gap(next - index - 1);
            delta(count);
            count = counts[i];
            index = next;
        }
        gap(((n + offset - 1) >> scaleDown) + 1 - index);
        delta(count);

        int spanField = positive ? 11 : 8;
        for (int sp = 0; sp < spans; sp++) {
            long offsetZz = zigZag(spanOffset[sp]);
            tag(spanField, 2);
            varint(1 + varintSize(offsetZz) + 1 + varintSize(spanLength[sp] & 0xFFFF_FFFFL));
            tag(1, 0);
            varint(offsetZz);
            tag(2, 0);
            varint(spanLength[sp] & 0xFFFF_FFFFL);
        }
        long packed = 0;
        for (int d = 0; d < deltaN; d++) {
            packed += varintSize(zigZag64(deltas[d]));
        }
        tag(positive ? 12 : 9, 2);
        varint(packed);
        for (int d = 0; d < deltaN; d++) {
            varint(zigZag64(deltas[d]));
        }
    }

    private void gap(int gap) {
        if (gap > 2) {
            newSpan(gap);
        } else {
            for (int j = 0; j < gap; j++) {
                delta(0);
            }
        }
    }

    private void newSpan(int offset) {
        if (spans == spanOffset.length) {
            spanOffset = Arrays.copyOf(spanOffset, spans * 2);
            spanLength = Arrays.copyOf(spanLength, spans * 2);
        }
        spanOffset[spans] = offset;
        spanLength[spans] = 0;
        spans++;
    }

    private void delta(long count) {
        spanLength[spans - 1]++;
        if (deltaN == deltas.length) {
            deltas = Arrays.copyOf(deltas, deltaN * 2);
        }
        deltas[deltaN++] = count - previous;
        previous = count;
    }

    private static long zigZag(int v) {
        return ((v << 1) ^ (v >> 31)) & 0xFFFF_FFFFL;
    }

    private static long zigZag64(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static int varintSize(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private void tag(int field, int wireType) {
        varint(field << 3 | wireType);
    }

    private void varint(long v) {
        reserve(10);
        while ((v & ~0x7FL) != 0) {
            out[length++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[length++] = (byte) v;
    }

    private void fixed64(long v) {
        reserve(8);
        for (int i = 0; i < 8; i++) {
            out[length++] = (byte) (v >>> (i << 3));
        }
    }

    private void reserve(int more) {
        if (out.length - length < more) {
            out = Arrays.copyOf(out, Math.max(length + more, out.length * 2));
        }
    }
}
