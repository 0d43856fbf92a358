package io.weir.net.remotewrite;

import io.weir.engine.series.CanonicalLabels;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One decoded remote-write request as flat arrays; thread-confined and reused request after request, so decoding a
 * request no larger than one seen before allocates nothing.
 * <pre>
 *   buf          decompressed protobuf; every label name and value is a range of it (zero copy)
 *   series s     labels  [seriesFirstLabel(s),  + seriesLabelCount(s))   sorted by name, byte-wise unsigned,
 *                                                                         names unique, empty values dropped
 *                samples [seriesFirstSample(s), + seriesSampleCount(s))  in wire order
 *   label l      name  = buf[labelNameOffset(l)  .. + labelNameLength(l)]     (UTF-8, non-empty)
 *                value = buf[labelValueOffset(l) .. + labelValueLength(l)]    (UTF-8, non-empty)
 *   sample i     timestamps()[i] (ms), values()[i] (raw bits kept: NaN payloads and the stale marker survive)
 * </pre>
 * Contents are only meaningful after {@link RemoteWriteDecoder#decode} returned {@link RemoteWriteStatus#OK}; on any
 * other code the request is left empty.
 */
public final class DecodedWriteRequest {
    private static final byte[] METRIC_NAME = "__name__".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[1024];
    private int bufLength;

    private int seriesCount;
    private int[] seriesFirstLabel = new int[64];
    private int[] seriesLabelCount = new int[64];
    private int[] seriesFirstSample = new int[64];
    private int[] seriesSampleCount = new int[64];

    private int labelCount;
    private int[] nameOff = new int[512];
    private int[] nameLen = new int[512];
    private int[] valueOff = new int[512];
    private int[] valueLen = new int[512];

    private int sampleCount;
    private long[] timestamps = new long[64];
    private double[] values = new double[64];

    private int histogramCount;
    private int exemplarCount;
    private int metadataCount;

    public byte[] buf() { return buf; }
    /** @return how many bytes of {@link #buf()} hold the decompressed request */
    public int bufLength() { return bufLength; }

    public int seriesCount() { return seriesCount; }
    /** @return the total number of labels kept, over all series */
    public int labelCount() { return labelCount; }
    /** @return the total number of float samples, over all series */
    public int sampleCount() { return sampleCount; }
    /** @return native histogram samples seen and skipped (not decoded) */
    public int histogramCount() { return histogramCount; }
    /** @return exemplars seen and skipped */
    public int exemplarCount() { return exemplarCount; }
    /** @return metric metadata entries seen and skipped */
    public int metadataCount() { return metadataCount; }

    public int seriesFirstLabel(int series) { return seriesFirstLabel[series]; }
    public int seriesLabelCount(int series) { return seriesLabelCount[series]; }
    public int seriesFirstSample(int series) { return seriesFirstSample[series]; }
    public int seriesSampleCount(int series) { return seriesSampleCount[series]; }

    public int labelNameOffset(int label) { return nameOff[label]; }
    public int labelNameLength(int label) { return nameLen[label]; }
    public int labelValueOffset(int label) { return valueOff[label]; }
    public int labelValueLength(int label) { return valueLen[label]; }

    public long timestamp(int sample) { return timestamps[sample]; }
    public double value(int sample) { return values[sample]; }

    /** Backing arrays, valid up to the counts above; the arrays are replaced when they grow, so re-read per request. */
    public int[] labelNameOffsets() { return nameOff; }
    public int[] labelNameLengths() { return nameLen; }
    public int[] labelValueOffsets() { return valueOff; }
    public int[] labelValueLengths() { return valueLen; }
    public long[] timestamps() { return timestamps; }
    public double[] values() { return values; }

    /** @return the size of the series' label set in {@link CanonicalLabels} form */
    public int canonicalLabelsSize(int series) {
        int size = 0;
        for (int l = seriesFirstLabel[series], end = l + seriesLabelCount[series]; l < end; l++) {
            size += CanonicalLabels.labelSize(nameLen[l], valueLen[l]);
        }
        return size;
    }

    /** Writes the series' label set in {@link CanonicalLabels} form; returns the position after it. */
    public int putCanonicalLabels(int series, byte[] dst, int pos) {
        for (int l = seriesFirstLabel[series], end = l + seriesLabelCount[series]; l < end; l++) {
            pos = CanonicalLabels.putLabel(dst, pos, buf, nameOff[l], nameLen[l], valueOff[l], valueLen[l]);
        }
        return pos;
    }

    /** Allocates: for tests, logs and error messages. */
    public String labelName(int label) {
        return new String(buf, nameOff[label], nameLen[label], StandardCharsets.UTF_8);
    }

    /** Allocates: for tests, logs and error messages. */
    public String labelValue(int label) {
        return new String(buf, valueOff[label], valueLen[label], StandardCharsets.UTF_8);
    }

    // ---- building a request from a source that is not a remote-write body (OTLP, scrapes) ----
    // Labels are copied into buf behind whatever it holds; the request is then published like a decoded one.

    /** Empties the request for building with {@link #beginSeries}, {@link #addLabel(String, String)}, ... */
    public void clear() {
        reset();
    }

    /** Adds a label of the series being built, copying name and value into the request's buffer. */
    public void addLabel(String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        addLabel(n, 0, n.length, v, 0, v.length);
    }

    /** Adds a label from byte ranges (UTF-8), copying them; an empty value is the label's absence and is dropped. */
    public void addLabel(byte[] name, int nameOff, int nameLength, byte[] value, int valueOff, int valueLength) {
        if (valueLength == 0) {
            return;
        }
        int n = append(name, nameOff, nameLength);
        int v = append(value, valueOff, valueLength);
        addLabel(n, nameLength, v, valueLength);
    }

    /**
     * Ends the series being built: sorts its labels and checks them as the remote-write decoder does.
     *
     * @return {@link RemoteWriteStatus#OK}, or the code of the first problem (the caller decides to drop the series
     *         with {@link #dropLastSeries} or refuse the request)
     */
    public int finishSeries(int s) {
        endSeries(s);
        sortLabels(s);
        for (int l = seriesFirstLabel[s], end = l + seriesLabelCount[s]; l < end; l++) {
            if (nameLen[l] == 0) {
                return RemoteWriteStatus.EMPTY_LABEL_NAME;
            }
        }
        if (duplicateLabel(s) >= 0) {
            return RemoteWriteStatus.DUPLICATE_LABEL_NAME;
        }
        return hasMetricName(s) ? RemoteWriteStatus.OK : RemoteWriteStatus.MISSING_METRIC_NAME;
    }

    /** Forgets the last series begun (its labels and samples), e.g. one that {@link #finishSeries} refused. */
    public void dropLastSeries() {
        int s = seriesCount - 1;
        labelCount = seriesFirstLabel[s];
        sampleCount = seriesFirstSample[s];
        seriesCount = s;
    }

    private int append(byte[] src, int off, int len) {
        int at = bufLength;
        if (buf.length - at < len) {
            buf = Arrays.copyOf(buf, Math.max(at + len, buf.length * 2));
        }
        System.arraycopy(src, off, buf, at, len);
        bufLength = at + len;
        return at;
    }

    // ---- written by RemoteWriteDecoder (and the builder methods above) ----

    void reset() {
        bufLength = 0;
        seriesCount = 0;
        labelCount = 0;
        sampleCount = 0;
        histogramCount = 0;
        exemplarCount = 0;
        metadataCount = 0;
    }

    /** @return a buffer of at least {@code size} bytes; grows geometrically but never past {@code cap} unless asked */
    byte[] ensureBuffer(int size, int cap) {
        if (buf.length < size) {
            long grown = Math.min((long) buf.length * 2, cap);
            buf = new byte[(int) Math.max(size, grown)];
        }
        return buf;
    }

    void bufLength(int length) { bufLength = length; }

    /** Starts a series; its labels and samples are those added until {@link #endSeries} / {@link #finishSeries}. */
    public int beginSeries() {
        int s = seriesCount;
        if (s == seriesFirstLabel.length) {
            int n = s * 2;
            seriesFirstLabel = Arrays.copyOf(seriesFirstLabel, n);
            seriesLabelCount = Arrays.copyOf(seriesLabelCount, n);
            seriesFirstSample = Arrays.copyOf(seriesFirstSample, n);
            seriesSampleCount = Arrays.copyOf(seriesSampleCount, n);
        }
        seriesFirstLabel[s] = labelCount;
        seriesFirstSample[s] = sampleCount;
        seriesCount = s + 1;
        return s;
    }

    public void endSeries(int s) {
        seriesLabelCount[s] = labelCount - seriesFirstLabel[s];
        seriesSampleCount[s] = sampleCount - seriesFirstSample[s];
    }

    void addLabel(int nOff, int nLen, int vOff, int vLen) {
        int l = labelCount;
        if (l == nameOff.length) {
            int n = l * 2;
            nameOff = Arrays.copyOf(nameOff, n);
            nameLen = Arrays.copyOf(nameLen, n);
            valueOff = Arrays.copyOf(valueOff, n);
            valueLen = Arrays.copyOf(valueLen, n);
        }
        nameOff[l] = nOff;
        nameLen[l] = nLen;
        valueOff[l] = vOff;
        valueLen[l] = vLen;
        labelCount = l + 1;
    }

    public void addSample(long timestamp, double value) {
        int i = sampleCount;
        if (i == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, i * 2);
            values = Arrays.copyOf(values, i * 2);
        }
        timestamps[i] = timestamp;
        values[i] = value;
        sampleCount = i + 1;
    }

    void countHistogram() { histogramCount++; }
    void countExemplar() { exemplarCount++; }
    void countMetadata() { metadataCount++; }

    /** Insertion sort of the series' labels by name: label sets are small and usually arrive sorted (one pass). */
    void sortLabels(int s) {
        int from = seriesFirstLabel[s];
        int to = from + seriesLabelCount[s];
        for (int i = from + 1; i < to; i++) {
            int no = nameOff[i];
            int nl = nameLen[i];
            if (compareName(i - 1, no, nl) <= 0) {
                continue;
            }
            int vo = valueOff[i];
            int vl = valueLen[i];
            int j = i - 1;
            do {
                nameOff[j + 1] = nameOff[j];
                nameLen[j + 1] = nameLen[j];
                valueOff[j + 1] = valueOff[j];
                valueLen[j + 1] = valueLen[j];
                j--;
            } while (j >= from && compareName(j, no, nl) > 0);
            nameOff[j + 1] = no;
            nameLen[j + 1] = nl;
            valueOff[j + 1] = vo;
            valueLen[j + 1] = vl;
        }
    }

    private int compareName(int label, int otherOff, int otherLen) {
        int o = nameOff[label];
        return Arrays.compareUnsigned(buf, o, o + nameLen[label], buf, otherOff, otherOff + otherLen);
    }

    /** @return the first label of a pair with equal names (labels must be sorted), or -1 */
    int duplicateLabel(int s) {
        int from = seriesFirstLabel[s];
        int to = from + seriesLabelCount[s];
        for (int i = from + 1; i < to; i++) {
            if (compareName(i - 1, nameOff[i], nameLen[i]) == 0) {
                return i;
            }
        }
        return -1;
    }

    boolean hasMetricName(int s) {
        for (int l = seriesFirstLabel[s], end = l + seriesLabelCount[s]; l < end; l++) {
            int o = nameOff[l];
            if (Arrays.equals(buf, o, o + nameLen[l], METRIC_NAME, 0, METRIC_NAME.length)) {
                return true;
            }
        }
        return false;
    }
}
