package io.weir.net.remotewrite;

import io.weir.engine.series.CanonicalLabels;
import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Thread-confined builder of remote write 1.0 bodies for the forwarder: protobuf {@code WriteRequest} in a reused
 * array, snappy-compressed by {@link #finish()} into another. Output is byte-for-byte what protobuf-java serializes for
 * the same content (minimal varints, zero-valued fields omitted). No allocation per series or sample once the buffers
 * have grown to the batch size.
 * <pre>
 *   reset()  { beginSeries(labels)  sample(ts, v)*  endSeries()  |  appendFields(bytes) }*  finish()
 *            -> compressed()[0 .. returned length)
 * </pre>
 * {@link #appendFields} takes WriteRequest fields that are already encoded (a WAL EXTRAS record: series with
 * histograms and exemplars, metadata); protobuf concatenates repeated fields, so they go in as they are.
 */
public final class RemoteWriteEncoder {
    private static final int TAG_TIMESERIES = 1 << 3 | 2;
    private static final int TAG_LABELS = 1 << 3 | 2;
    private static final int TAG_SAMPLES = 2 << 3 | 2;
    private static final int TAG_LABEL_NAME = 1 << 3 | 2;
    private static final int TAG_LABEL_VALUE = 2 << 3 | 2;
    private static final int TAG_SAMPLE_VALUE = 1 << 3 | 1;
    private static final int TAG_SAMPLE_TIMESTAMP = 2 << 3;
    /** Room left for a series' length prefix while its size is unknown; closed up to the minimal varint at endSeries. */
    private static final int MAX_LENGTH_PREFIX = 5;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] raw = new byte[64 * 1024];
    private int size;
    private byte[] compressed = new byte[0];
    private int compressedLength;
    private int seriesCount;
    private int sampleCount;
    private int fieldBlocks;
    /** Offset of the open series' tag, or -1 when no series is open. */
    private int seriesStart = -1;
    private final CanonicalLabels.Visitor labelWriter = this::putLabel;

    /** Starts a new request; buffers are kept. */
    public void reset() {
        size = 0;
        compressedLength = 0;
        seriesCount = 0;
        sampleCount = 0;
        fieldBlocks = 0;
        seriesStart = -1;
    }

    /** Appends pre-encoded WriteRequest fields ({@code src[off .. + len)}) between series. */
    public void appendFields(byte[] src, int off, int len) {
        if (seriesStart >= 0) {
            throw new IllegalStateException("appendFields: a series is open");
        }
        ensure(len);
        System.arraycopy(src, off, raw, size, len);
        size += len;
        fieldBlocks++;
    }

    /** @return true when nothing was added since {@link #reset()} */
    public boolean isEmpty() {
        return seriesCount == 0 && fieldBlocks == 0;
    }

    /** @return blocks added with {@link #appendFields} since {@link #reset()} */
    public int fieldBlockCount() { return fieldBlocks; }

    /** Opens a series whose label set is in {@link CanonicalLabels} form (sorted, unique, non-empty values). */
    public void beginSeries(byte[] canonicalLabels, int off, int len) {
        if (seriesStart >= 0) {
            throw new IllegalStateException("beginSeries: the previous series was not ended");
        }
        ensure(1 + MAX_LENGTH_PREFIX);
        seriesStart = size;
        size += 1 + MAX_LENGTH_PREFIX;
        CanonicalLabels.forEach(canonicalLabels, off, len, labelWriter);
    }

    private void putLabel(byte[] src, int nameOff, int nameLen, int valueOff, int valueLen) {
        int inner = 0;
        if (nameLen != 0) {
            inner += 1 + CanonicalLabels.varintSize(nameLen) + nameLen;
        }
        if (valueLen != 0) {
            inner += 1 + CanonicalLabels.varintSize(valueLen) + valueLen;
        }
        ensure(1 + CanonicalLabels.varintSize(inner) + inner);
        byte[] r = raw;
        int p = size;
        r[p++] = TAG_LABELS;
        p = CanonicalLabels.putVarint(r, p, inner);
        if (nameLen != 0) {
            r[p++] = TAG_LABEL_NAME;
            p = CanonicalLabels.putVarint(r, p, nameLen);
            System.arraycopy(src, nameOff, r, p, nameLen);
            p += nameLen;
        }
        if (valueLen != 0) {
            r[p++] = TAG_LABEL_VALUE;
            p = CanonicalLabels.putVarint(r, p, valueLen);
            System.arraycopy(src, valueOff, r, p, valueLen);
            p += valueLen;
        }
        size = p;
    }

    /** Adds a sample to the open series; NaN payloads (the stale marker) are kept bit for bit. */
    public void sample(long timestampMillis, double value) {
        if (seriesStart < 0) {
            throw new IllegalStateException("sample: no open series");
        }
        long bits = Double.doubleToRawLongBits(value);
        int inner = (bits != 0 ? 9 : 0) + (timestampMillis != 0 ? 1 + varint64Size(timestampMillis) : 0);
        ensure(2 + inner);
        byte[] r = raw;
        int p = size;
        r[p++] = TAG_SAMPLES;
        r[p++] = (byte) inner; // at most 20: always a one-byte varint
        if (bits != 0) {
            r[p++] = TAG_SAMPLE_VALUE;
            LONG_LE.set(r, p, bits);
            p += 8;
        }
        if (timestampMillis != 0) {
            r[p++] = TAG_SAMPLE_TIMESTAMP;
            p = putVarint64(r, p, timestampMillis);
        }
        size = p;
        sampleCount++;
    }

    /** Closes the open series: writes its minimal length prefix and moves the body up against it. */
    public void endSeries() {
        if (seriesStart < 0) {
            throw new IllegalStateException("endSeries: no open series");
        }
        int bodyStart = seriesStart + 1 + MAX_LENGTH_PREFIX;
        int bodyLen = size - bodyStart;
        raw[seriesStart] = TAG_TIMESERIES;
        int p = CanonicalLabels.putVarint(raw, seriesStart + 1, bodyLen);
        if (p != bodyStart) {
            System.arraycopy(raw, bodyStart, raw, p, bodyLen);
            size = p + bodyLen;
        }
        seriesStart = -1;
        seriesCount++;
    }

    /** @return the compressed length; the body is {@code compressed()[0 .. length)} */
    public int finish() {
        if (seriesStart >= 0) {
            throw new IllegalStateException("finish: a series is still open");
        }
        int max = Snappy.maxCompressedLength(size);
        if (compressed.length < max) {
            compressed = new byte[max];
        }
        try {
            compressedLength = Snappy.compress(raw, 0, size, compressed, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("snappy compression failed", e);
        }
        return compressedLength;
    }

    public byte[] compressed() { return compressed; }
    public int compressedLength() { return compressedLength; }
    public int seriesCount() { return seriesCount; }
    public int sampleCount() { return sampleCount; }

    /** @return protobuf bytes so far (an open series counts with its reserved 5-byte length prefix) */
    public int uncompressedSize() { return size; }

    /** The protobuf before compression, {@code [0 .. uncompressedSize())}; for tests. */
    byte[] uncompressed() { return raw; }

    private void ensure(int n) {
        if (raw.length - size < n) {
            raw = Arrays.copyOf(raw, Math.max(size + n, raw.length * 2));
        }
    }

    private static int varint64Size(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private static int putVarint64(byte[] dst, int pos, long v) {
        while ((v & ~0x7FL) != 0) {
            dst[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        dst[pos++] = (byte) v;
        return pos;
    }
}
