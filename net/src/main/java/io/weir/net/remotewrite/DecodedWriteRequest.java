package io.weir.net.remotewrite;

import io.weir.engine.ingest.IngestExtras;
import io.weir.engine.series.CanonicalLabels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 *   extras       native histograms, exemplars, metadata and created timestamps: kept as ranges of buf (RW 1.0
 *                submessages, zero copy) or as fields (RW 2.0, labels resolved from symbols), and written out once,
 *                as RW 1.0 WriteRequest fields, by {@link #writeExtras} into the ring slot that takes the ticket
 * </pre>
 * Contents are only meaningful after {@link RemoteWriteDecoder#decode} returned {@link RemoteWriteStatus#OK}; on any
 * other code the request is left empty.
 */
public final class DecodedWriteRequest implements IngestExtras {
    private static final byte[] METRIC_NAME = "__name__".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** {@code __name__} is exactly eight bytes: one word compare */
    private static final long METRIC_NAME_WORD = (long) LONG_LE.get(METRIC_NAME, 0);

    private byte[] buf = new byte[1024];
    private int bufLength;

    private int seriesCount;
    private int[] seriesFirstLabel = new int[64];
    private int[] seriesLabelCount = new int[64];
    private int[] seriesFirstSample = new int[64];
    private int[] seriesSampleCount = new int[64];
    /** A series' labels key ({@link #hasLabelsKey}): 128 bits, set by the decoder, dropped when its labels change */
    private boolean[] seriesKeyed = new boolean[64];
    private long[] seriesKeyHi = new long[64];
    private long[] seriesKeyLo = new long[64];
    /**
     * A series whose labels the decoder left undecoded ({@link #labelsDeferred}): its key names a label set this
     * node's resolver already holds, so nothing downstream needs the spans. Its label accessors throw.
     */
    private boolean[] seriesDeferred = new boolean[64];
    private int deferredCount;

    private int labelCount;
    private int[] nameOff = new int[512];
    private int[] nameLen = new int[512];
    private int[] valueOff = new int[512];
    private int[] valueLen = new int[512];

    private int sampleCount;
    private long[] timestamps = new long[64];
    private double[] values = new double[64];

    private int[] seriesFirstHistogram = new int[64];
    private int[] seriesHistogramCount = new int[64];
    private int[] seriesFirstExemplar = new int[64];
    private int[] seriesExemplarCount = new int[64];
    /** 0 = none (the RW 2.0 convention) */
    private long[] seriesCreatedTimestamp = new long[64];
    /** The metadata entry of a RW 2.0 series, or -1 */
    private int[] seriesMetadata = new int[64];
    private int createdTimestampCount;

    /** Histogram h: the protobuf Histogram message buf[histOff[h] .. + histLen[h]), the same bytes in RW 1.0 and 2.0. */
    private int histogramCount;
    private int[] histOff = new int[16];
    private int[] histLen = new int[16];

    /** Exemplar e: RW 1.0 message buf[exRawOff .. + exRawLen) when exRawLen >= 0, else value, timestamp and labels. */
    private int exemplarCount;
    private int[] exRawOff = new int[16];
    private int[] exRawLen = new int[16];
    private long[] exValueBits = new long[16];
    private long[] exTimestamp = new long[16];
    private int[] exFirstLabel = new int[16];
    private int[] exLabelCount = new int[16];
    private int exLabelTotal;
    private int[] exNameOff = new int[16];
    private int[] exNameLen = new int[16];
    private int[] exValueOff = new int[16];
    private int[] exValueLen = new int[16];

    /** Metadata m: RW 1.0 MetricMetadata buf[mdRawOff .. + mdRawLen) when mdRawLen >= 0, else type and string ranges. */
    private int metadataCount;
    private int[] mdRawOff = new int[16];
    private int[] mdRawLen = new int[16];
    private int[] mdType = new int[16];
    /** name, help, unit: offset and length pairs at [6m .. 6m+6) */
    private int[] mdStrings = new int[96];
    /** The series a RW 2.0 metadata entry came with (its name is that series' __name__); -1 for RW 1.0 metadata */
    private int[] mdSeries = new int[16];
    private static final int DROPPED_SERIES = -2;

    /** Set once relabeled, until the next decode or clear: a request published again is not relabeled twice. */
    private boolean relabeled;

    public byte[] buf() { return buf; }
    /** @return how many bytes of {@link #buf()} hold the decompressed request */
    public int bufLength() { return bufLength; }

    public int seriesCount() { return seriesCount; }
    /** @return the total number of labels kept, over all series */
    public int labelCount() { return labelCount; }
    /** @return the total number of float samples, over all series */
    public int sampleCount() { return sampleCount; }
    /** @return native histogram samples kept (as extras) */
    public int histogramCount() { return histogramCount; }
    /** @return exemplars kept (as extras) */
    public int exemplarCount() { return exemplarCount; }
    /** @return metric metadata entries kept (as extras) */
    public int metadataCount() { return metadataCount; }
    /** @return series that carry a created timestamp (RW 2.0), kept in the extras */
    public int createdTimestampCount() { return createdTimestampCount; }

    public int seriesHistogramCount(int series) { return seriesHistogramCount[series]; }
    public int seriesExemplarCount(int series) { return seriesExemplarCount[series]; }
    public long seriesCreatedTimestamp(int series) { return seriesCreatedTimestamp[series]; }

    public int seriesFirstLabel(int series) {
        checkDecoded(series);
        return seriesFirstLabel[series];
    }

    public int seriesLabelCount(int series) {
        checkDecoded(series);
        return seriesLabelCount[series];
    }

    /**
     * @return whether the decoder skipped the series' labels because its {@link #hasLabelsKey key} names a label set
     *         already resolved on this thread (see {@link RemoteWriteDecoder#deferKnownLabels}): the series has a key
     *         but no label spans, and {@link #seriesFirstLabel} / {@link #seriesLabelCount} throw for it
     */
    public boolean labelsDeferred(int series) { return seriesDeferred[series]; }

    /** @return whether any series has {@link #labelsDeferred deferred} labels */
    public boolean hasDeferredLabels() { return deferredCount > 0; }

    private void checkDecoded(int series) {
        if (seriesDeferred[series]) {
            // loud rather than an empty label set: a reader that forgot labelsDeferred would publish a series without labels
            throw new IllegalStateException("the labels of series " + series + " were not decoded (a known label set)");
        }
    }
    public int seriesFirstSample(int series) { return seriesFirstSample[series]; }
    public int seriesSampleCount(int series) { return seriesSampleCount[series]; }

    /**
     * @return whether the decoder left a key for the series' label set ({@link #labelsKeyHi}, {@link #labelsKeyLo}): a
     *         {@link io.weir.engine.series.LabelSetHash#hashEncoded} of the labels' wire bytes, so that resolving the
     *         series need not hash its labels again; false for series built or relabeled here, and RW 2.0 ones
     */
    public boolean hasLabelsKey(int series) { return seriesKeyed[series]; }
    public long labelsKeyHi(int series) { return seriesKeyHi[series]; }
    public long labelsKeyLo(int series) { return seriesKeyLo[series]; }

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
        checkDecoded(series);
        int size = 0;
        for (int l = seriesFirstLabel[series], end = l + seriesLabelCount[series]; l < end; l++) {
            size += CanonicalLabels.labelSize(nameLen[l], valueLen[l]);
        }
        return size;
    }

    /** Writes the series' label set in {@link CanonicalLabels} form; returns the position after it. */
    public int putCanonicalLabels(int series, byte[] dst, int pos) {
        checkDecoded(series);
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
        histogramCount = seriesFirstHistogram[s];
        exemplarCount = seriesFirstExemplar[s];
        exLabelTotal = exemplarCount == 0 ? 0 : exFirstLabel[exemplarCount - 1] + exLabelCount[exemplarCount - 1];
        if (seriesCreatedTimestamp[s] != 0) {
            createdTimestampCount--;
        }
        seriesCount = s;
    }

    /**
     * Adds a native histogram sample to the series being built: {@code src[off .. + len)} is an encoded RW 1.0
     * Histogram message (copied into the request's buffer, kept as an extra).
     */
    public void addHistogramMessage(byte[] src, int off, int len) {
        addHistogram(append(src, off, len), len);
    }

    /** Adds an exemplar to the series being built; its labels follow with {@link #addExemplarLabelCopy}. */
    public void addExemplar(double value, long timestampMs) {
        beginExemplar(Double.doubleToRawLongBits(value), timestampMs);
    }

    /** Adds a label of the exemplar added last, copying name and value (UTF-8) into the request's buffer. */
    public void addExemplarLabelCopy(byte[] name, int nameOff, int nameLength, byte[] value, int valueOff, int valueLength) {
        int n = append(name, nameOff, nameLength);
        int v = append(value, valueOff, valueLength);
        addExemplarLabel(n, nameLength, v, valueLength);
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

    // ---- relabeling (ingest.relabel_configs) rewrites a decoded request in place, before it is published ----

    /**
     * @return true once the request was relabeled (a scrape loop publishes the same request again after a full ring,
     *         and rules applied twice need not give the same labels)
     */
    public boolean relabeled() { return relabeled; }

    public void markRelabeled() { relabeled = true; }

    /**
     * Replaces the labels of series {@code s} by the label set {@code canonical[off .. + len)} in
     * {@link CanonicalLabels} form (sorted, unique names, no empty values), copied behind the buffer's contents. The
     * series' labels then need not follow the previous series' in the label arrays; nothing reads them in order.
     */
    public void replaceLabels(int s, byte[] canonical, int off, int len) {
        int first = labelCount;
        CanonicalLabels.forEach(canonical, off, len, labelCopier);
        seriesFirstLabel[s] = first;
        seriesLabelCount[s] = labelCount - first;
        seriesKeyed[s] = false;
        undefer(s);
        int m = seriesMetadata[s];
        int name = metricNameLabel(s);
        if (m >= 0 && name >= 0) { // RW 2.0 metadata is named by its series: it follows a renamed one
            mdStrings[6 * m] = valueOff[name];
            mdStrings[6 * m + 1] = valueLen[name];
        }
    }

    /** Made once: {@link #replaceLabels} visits each label without allocating. */
    private final CanonicalLabels.Visitor labelCopier = (src, nameOff, nameLength, valueOff, valueLength) -> {
        int name = append(src, nameOff, nameLength);
        int value = append(src, valueOff, valueLength);
        addLabel(name, nameLength, value, valueLength);
    };

    /**
     * Removes the series with {@code drop[s]} set, with their samples, histograms, exemplars, created timestamps and
     * (RW 2.0) metadata; the others keep their order. RW 1.0 metadata stays: it names a metric family, not a series.
     * Histograms and exemplars are not moved (each series names its own range), so the request is complete
     * afterwards: nothing may be added.
     */
    public void removeSeries(boolean[] drop) {
        int kept = 0;
        int samplesKept = 0;
        for (int s = 0; s < seriesCount; s++) {
            if (drop[s]) {
                if (seriesDeferred[s]) {
                    deferredCount--;
                }
                if (seriesMetadata[s] >= 0) {
                    mdSeries[seriesMetadata[s]] = DROPPED_SERIES;
                }
                histogramCount -= seriesHistogramCount[s];
                exemplarCount -= seriesExemplarCount[s];
                if (seriesCreatedTimestamp[s] != 0) {
                    createdTimestampCount--;
                }
                continue;
            }
            int first = seriesFirstSample[s];
            int count = seriesSampleCount[s];
            System.arraycopy(timestamps, first, timestamps, samplesKept, count);
            System.arraycopy(values, first, values, samplesKept, count);
            seriesFirstLabel[kept] = seriesFirstLabel[s];
            seriesLabelCount[kept] = seriesLabelCount[s];
            seriesFirstSample[kept] = samplesKept;
            seriesSampleCount[kept] = count;
            seriesKeyed[kept] = seriesKeyed[s];
            seriesKeyHi[kept] = seriesKeyHi[s];
            seriesKeyLo[kept] = seriesKeyLo[s];
            seriesDeferred[kept] = seriesDeferred[s];
            seriesFirstHistogram[kept] = seriesFirstHistogram[s];
            seriesHistogramCount[kept] = seriesHistogramCount[s];
            seriesFirstExemplar[kept] = seriesFirstExemplar[s];
            seriesExemplarCount[kept] = seriesExemplarCount[s];
            seriesCreatedTimestamp[kept] = seriesCreatedTimestamp[s];
            seriesMetadata[kept] = seriesMetadata[s];
            if (seriesMetadata[kept] >= 0) {
                mdSeries[seriesMetadata[kept]] = kept;
            }
            samplesKept += count;
            kept++;
        }
        seriesCount = kept;
        sampleCount = samplesKept;
        removeMetadataOfDroppedSeries();
    }

    /** Drops the RW 2.0 metadata that {@link #removeSeries} marked with its series, keeping the order of the rest. */
    private void removeMetadataOfDroppedSeries() {
        int kept = 0;
        for (int m = 0; m < metadataCount; m++) {
            int s = mdSeries[m];
            if (s == DROPPED_SERIES) {
                continue;
            }
            mdRawOff[kept] = mdRawOff[m];
            mdRawLen[kept] = mdRawLen[m];
            mdType[kept] = mdType[m];
            System.arraycopy(mdStrings, 6 * m, mdStrings, 6 * kept, 6);
            mdSeries[kept] = s;
            if (s >= 0) {
                seriesMetadata[s] = kept;
            }
            kept++;
        }
        metadataCount = kept;
    }

    // ---- written by RemoteWriteDecoder (and the builder methods above) ----

    void reset() {
        relabeled = false;
        bufLength = 0;
        seriesCount = 0;
        labelCount = 0;
        sampleCount = 0;
        histogramCount = 0;
        exemplarCount = 0;
        exLabelTotal = 0;
        metadataCount = 0;
        createdTimestampCount = 0;
        deferredCount = 0;
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
            seriesKeyed = Arrays.copyOf(seriesKeyed, n);
            seriesKeyHi = Arrays.copyOf(seriesKeyHi, n);
            seriesKeyLo = Arrays.copyOf(seriesKeyLo, n);
            seriesDeferred = Arrays.copyOf(seriesDeferred, n);
            seriesFirstHistogram = Arrays.copyOf(seriesFirstHistogram, n);
            seriesHistogramCount = Arrays.copyOf(seriesHistogramCount, n);
            seriesFirstExemplar = Arrays.copyOf(seriesFirstExemplar, n);
            seriesExemplarCount = Arrays.copyOf(seriesExemplarCount, n);
            seriesCreatedTimestamp = Arrays.copyOf(seriesCreatedTimestamp, n);
            seriesMetadata = Arrays.copyOf(seriesMetadata, n);
        }
        seriesFirstLabel[s] = labelCount;
        seriesFirstSample[s] = sampleCount;
        seriesKeyed[s] = false;
        seriesDeferred[s] = false;
        seriesFirstHistogram[s] = histogramCount;
        seriesFirstExemplar[s] = exemplarCount;
        seriesCreatedTimestamp[s] = 0;
        seriesMetadata[s] = -1;
        seriesCount = s + 1;
        return s;
    }

    public void endSeries(int s) {
        seriesLabelCount[s] = labelCount - seriesFirstLabel[s];
        seriesSampleCount[s] = sampleCount - seriesFirstSample[s];
        seriesHistogramCount[s] = histogramCount - seriesFirstHistogram[s];
        seriesExemplarCount[s] = exemplarCount - seriesFirstExemplar[s];
    }

    /** Gives the series a key for its label set: see {@link #hasLabelsKey}. */
    void labelsKey(int s, long hi, long lo) {
        seriesKeyed[s] = true;
        seriesKeyHi[s] = hi;
        seriesKeyLo[s] = lo;
    }

    /** Marks the open series' labels as not decoded: its key ({@link #labelsKey}) stands for them. */
    void deferLabels(int s) {
        if (!seriesDeferred[s]) {
            seriesDeferred[s] = true;
            deferredCount++;
        }
    }

    /** The labels added from now on are series {@code s}'s (not the open series'), until {@link #endLabels}. */
    void beginLabels(int s) {
        seriesFirstLabel[s] = labelCount;
    }

    void endLabels(int s) {
        seriesLabelCount[s] = labelCount - seriesFirstLabel[s];
    }

    /** The open series' labels are decoded after all (the decoder found a reason to need them). */
    void undefer(int s) {
        if (seriesDeferred[s]) {
            seriesDeferred[s] = false;
            deferredCount--;
        }
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

    /** Keeps a Histogram message of the open series: buf[off .. + len). */
    void addHistogram(int off, int len) {
        int h = histogramCount;
        if (h == histOff.length) {
            histOff = Arrays.copyOf(histOff, h * 2);
            histLen = Arrays.copyOf(histLen, h * 2);
        }
        histOff[h] = off;
        histLen[h] = len;
        histogramCount = h + 1;
    }

    /** Keeps a RW 1.0 Exemplar message of the open series as it is on the wire: buf[off .. + len). */
    void addRawExemplar(int off, int len) {
        int e = newExemplar();
        exRawOff[e] = off;
        exRawLen[e] = len;
        exFirstLabel[e] = exLabelTotal;
        exLabelCount[e] = 0;
    }

    /** Starts an exemplar of the open series given by fields; its labels follow with {@link #addExemplarLabel}. */
    void beginExemplar(long valueBits, long timestamp) {
        int e = newExemplar();
        exRawLen[e] = -1;
        exValueBits[e] = valueBits;
        exTimestamp[e] = timestamp;
        exFirstLabel[e] = exLabelTotal;
        exLabelCount[e] = 0;
    }

    void addExemplarLabel(int nOff, int nLen, int vOff, int vLen) {
        int l = exLabelTotal;
        if (l == exNameOff.length) {
            int n = l * 2;
            exNameOff = Arrays.copyOf(exNameOff, n);
            exNameLen = Arrays.copyOf(exNameLen, n);
            exValueOff = Arrays.copyOf(exValueOff, n);
            exValueLen = Arrays.copyOf(exValueLen, n);
        }
        exNameOff[l] = nOff;
        exNameLen[l] = nLen;
        exValueOff[l] = vOff;
        exValueLen[l] = vLen;
        exLabelTotal = l + 1;
        exLabelCount[exemplarCount - 1]++;
    }

    private int newExemplar() {
        int e = exemplarCount;
        if (e == exRawOff.length) {
            int n = e * 2;
            exRawOff = Arrays.copyOf(exRawOff, n);
            exRawLen = Arrays.copyOf(exRawLen, n);
            exValueBits = Arrays.copyOf(exValueBits, n);
            exTimestamp = Arrays.copyOf(exTimestamp, n);
            exFirstLabel = Arrays.copyOf(exFirstLabel, n);
            exLabelCount = Arrays.copyOf(exLabelCount, n);
        }
        exemplarCount = e + 1;
        return e;
    }

    void createdTimestamp(int s, long timestamp) {
        if (seriesCreatedTimestamp[s] == 0 && timestamp != 0) {
            createdTimestampCount++;
        } else if (seriesCreatedTimestamp[s] != 0 && timestamp == 0) {
            createdTimestampCount--;
        }
        seriesCreatedTimestamp[s] = timestamp;
    }

    /** Keeps a RW 1.0 MetricMetadata message as it is on the wire: buf[off .. + len). */
    void addRawMetadata(int off, int len) {
        int m = newMetadata();
        mdRawOff[m] = off;
        mdRawLen[m] = len;
        mdSeries[m] = -1;
    }

    /** Keeps metadata given by fields (RW 2.0): the metric type number and ranges of buf (length 0 = absent). */
    void addMetadata(int type, int nameOff, int nameLen, int helpOff, int helpLen, int unitOff, int unitLen) {
        int m = newMetadata();
        mdRawLen[m] = -1;
        int s = seriesCount - 1; // the decoder adds a series' metadata once the series is complete
        mdSeries[m] = s;
        seriesMetadata[s] = m;
        mdType[m] = type;
        int at = 6 * m;
        mdStrings[at] = nameOff;
        mdStrings[at + 1] = nameLen;
        mdStrings[at + 2] = helpOff;
        mdStrings[at + 3] = helpLen;
        mdStrings[at + 4] = unitOff;
        mdStrings[at + 5] = unitLen;
    }

    private int newMetadata() {
        int m = metadataCount;
        if (m == mdRawOff.length) {
            int n = m * 2;
            mdRawOff = Arrays.copyOf(mdRawOff, n);
            mdRawLen = Arrays.copyOf(mdRawLen, n);
            mdType = Arrays.copyOf(mdType, n);
            mdStrings = Arrays.copyOf(mdStrings, 6 * n);
            mdSeries = Arrays.copyOf(mdSeries, n);
        }
        metadataCount = m + 1;
        return m;
    }

    // ---- extras as RW 1.0 WriteRequest fields (ring slot -> WAL EXTRAS record -> forwarder) ----
    //   WriteRequest.timeseries (1): TimeSeries { labels 1, exemplars 3, histograms 4, created_timestamp 6 }
    //                                for each series with histograms, exemplars or a created timestamp;
    //                                no float samples (those travel as SAMPLES records)
    //   WriteRequest.metadata (3):   MetricMetadata { type 1, metric_family_name 2, help 4, unit 5 }
    // Field 6 is not in RW 1.0: receivers skip it as an unknown field, and the WAL keeps it.

    private static final int TAG_TIMESERIES = 1 << 3 | 2;
    private static final int TAG_METADATA = 3 << 3 | 2;
    private static final int TAG_LABELS = 1 << 3 | 2;
    private static final int TAG_EXEMPLARS = 3 << 3 | 2;
    private static final int TAG_HISTOGRAMS = 4 << 3 | 2;
    private static final int TAG_CREATED_TIMESTAMP = 6 << 3;
    private static final int TAG_STRING_1 = 1 << 3 | 2;
    private static final int TAG_STRING_2 = 2 << 3 | 2;
    private static final int TAG_EXEMPLAR_VALUE = 2 << 3 | 1;
    private static final int TAG_EXEMPLAR_TIMESTAMP = 3 << 3;
    private static final int TAG_METADATA_TYPE = 1 << 3;
    private static final int TAG_METADATA_HELP = 4 << 3 | 2;
    private static final int TAG_METADATA_UNIT = 5 << 3 | 2;

    /** @return true when the request carries anything besides float samples */
    public boolean hasExtras() {
        return histogramCount + exemplarCount + metadataCount + createdTimestampCount > 0;
    }

    private boolean seriesHasExtras(int s) {
        return seriesHistogramCount[s] + seriesExemplarCount[s] > 0 || seriesCreatedTimestamp[s] != 0;
    }

    /**
     * @return bytes of the extras, as a long: a 2.0 request resolves each series' labels from the symbol table, so its
     *         extras can be many times larger than the body; callers refuse a request whose extras are too large
     *         before asking for {@link #extrasLength()}
     */
    public long extrasSize() {
        if (!hasExtras()) {
            return 0;
        }
        long size = 0;
        for (int s = 0; s < seriesCount; s++) {
            if (seriesHasExtras(s)) {
                size += field(seriesExtrasSize(s));
            }
        }
        for (int m = 0; m < metadataCount; m++) {
            size += field(metadataSize(m));
        }
        return size;
    }

    /** @return {@link #extrasSize()}; only valid when that is at most Integer.MAX_VALUE (the caller checked) */
    @Override
    public int extrasLength() {
        return (int) extrasSize();
    }

    @Override
    public int writeExtras(byte[] dst, int pos) {
        if (!hasExtras()) {
            return pos;
        }
        for (int s = 0; s < seriesCount; s++) {
            if (!seriesHasExtras(s)) {
                continue;
            }
            dst[pos++] = TAG_TIMESERIES;
            pos = CanonicalLabels.putVarint(dst, pos, (int) seriesExtrasSize(s));
            for (int l = seriesFirstLabel[s], end = l + seriesLabelCount[s]; l < end; l++) {
                pos = putLabel(dst, pos, nameOff[l], nameLen[l], valueOff[l], valueLen[l]);
            }
            for (int e = seriesFirstExemplar[s], end = e + seriesExemplarCount[s]; e < end; e++) {
                dst[pos++] = TAG_EXEMPLARS;
                if (exRawLen[e] >= 0) {
                    pos = putBytes(dst, pos, exRawOff[e], exRawLen[e]);
                    continue;
                }
                pos = CanonicalLabels.putVarint(dst, pos, (int) exemplarSize(e));
                for (int l = exFirstLabel[e], end2 = l + exLabelCount[e]; l < end2; l++) {
                    pos = putLabel(dst, pos, exNameOff[l], exNameLen[l], exValueOff[l], exValueLen[l]);
                }
                if (exValueBits[e] != 0) {
                    dst[pos++] = TAG_EXEMPLAR_VALUE;
                    long bits = exValueBits[e];
                    for (int i = 0; i < 8; i++) {
                        dst[pos++] = (byte) (bits >>> (i << 3));
                    }
                }
                if (exTimestamp[e] != 0) {
                    dst[pos++] = TAG_EXEMPLAR_TIMESTAMP;
                    pos = putVarint64(dst, pos, exTimestamp[e]);
                }
            }
            for (int h = seriesFirstHistogram[s], end = h + seriesHistogramCount[s]; h < end; h++) {
                dst[pos++] = TAG_HISTOGRAMS;
                pos = putBytes(dst, pos, histOff[h], histLen[h]);
            }
            if (seriesCreatedTimestamp[s] != 0) {
                dst[pos++] = TAG_CREATED_TIMESTAMP;
                pos = putVarint64(dst, pos, seriesCreatedTimestamp[s]);
            }
        }
        for (int m = 0; m < metadataCount; m++) {
            dst[pos++] = TAG_METADATA;
            if (mdRawLen[m] >= 0) {
                pos = putBytes(dst, pos, mdRawOff[m], mdRawLen[m]);
                continue;
            }
            pos = CanonicalLabels.putVarint(dst, pos, (int) metadataSize(m));
            if (mdType[m] != 0) {
                dst[pos++] = TAG_METADATA_TYPE;
                pos = CanonicalLabels.putVarint(dst, pos, mdType[m]);
            }
            int at = 6 * m;
            pos = putString(dst, pos, TAG_STRING_2, mdStrings[at], mdStrings[at + 1]);
            pos = putString(dst, pos, TAG_METADATA_HELP, mdStrings[at + 2], mdStrings[at + 3]);
            pos = putString(dst, pos, TAG_METADATA_UNIT, mdStrings[at + 4], mdStrings[at + 5]);
        }
        return pos;
    }

    // Sizes are longs: a 2.0 request can reference one long label string from many places, and only the caller's
    // check of extrasSize() against a limit makes the parts small enough for int (when writing).
    private long seriesExtrasSize(int s) {
        long size = 0;
        for (int l = seriesFirstLabel[s], end = l + seriesLabelCount[s]; l < end; l++) {
            size += field(labelSize(nameLen[l], valueLen[l]));
        }
        for (int e = seriesFirstExemplar[s], end = e + seriesExemplarCount[s]; e < end; e++) {
            size += field(exRawLen[e] >= 0 ? exRawLen[e] : exemplarSize(e));
        }
        for (int h = seriesFirstHistogram[s], end = h + seriesHistogramCount[s]; h < end; h++) {
            size += field(histLen[h]);
        }
        if (seriesCreatedTimestamp[s] != 0) {
            size += 1 + varint64Size(seriesCreatedTimestamp[s]);
        }
        return size;
    }

    private long exemplarSize(int e) {
        long size = 0;
        for (int l = exFirstLabel[e], end = l + exLabelCount[e]; l < end; l++) {
            size += field(labelSize(exNameLen[l], exValueLen[l]));
        }
        if (exValueBits[e] != 0) {
            size += 9;
        }
        if (exTimestamp[e] != 0) {
            size += 1 + varint64Size(exTimestamp[e]);
        }
        return size;
    }

    private long metadataSize(int m) {
        if (mdRawLen[m] >= 0) {
            return mdRawLen[m];
        }
        int at = 6 * m;
        long size = mdType[m] != 0 ? 1 + CanonicalLabels.varintSize(mdType[m]) : 0;
        for (int i = 1; i < 6; i += 2) {
            int len = mdStrings[at + i];
            size += len == 0 ? 0 : field(len);
        }
        return size;
    }

    /** A Label message: name (1) and value (2), each omitted when empty as protobuf does. */
    private static long labelSize(int nameLength, int valueLength) {
        return (nameLength == 0 ? 0 : field(nameLength)) + (valueLength == 0 ? 0 : field(valueLength));
    }

    /** Bytes of a LEN field with a one-byte tag and a payload of {@code len} bytes. */
    private static long field(long len) {
        return 1 + varint64Size(len) + len;
    }

    private int putLabel(byte[] dst, int pos, int nOff, int nLen, int vOff, int vLen) {
        dst[pos++] = TAG_LABELS;
        pos = CanonicalLabels.putVarint(dst, pos, (int) labelSize(nLen, vLen));
        pos = putString(dst, pos, TAG_STRING_1, nOff, nLen);
        return putString(dst, pos, TAG_STRING_2, vOff, vLen);
    }

    private int putString(byte[] dst, int pos, int tag, int off, int len) {
        if (len == 0) {
            return pos;
        }
        dst[pos++] = (byte) tag;
        return putBytes(dst, pos, off, len);
    }

    /** Length prefix, then buf[off .. + len). */
    private int putBytes(byte[] dst, int pos, int off, int len) {
        pos = CanonicalLabels.putVarint(dst, pos, len);
        System.arraycopy(buf, off, dst, pos, len);
        return pos + len;
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

    /**
     * Sorts the series' labels by name and looks for a repeated name, as {@link #sortLabels} then
     * {@link #duplicateLabel}: labels that arrive sorted with unique names (Prometheus sends them so) take one pass of
     * neighbour comparisons, the same comparisons that would have found them sorted and unique.
     *
     * @return the first label of a pair with equal names (after sorting), or -1
     */
    int sortLabelsFindDuplicate(int s) {
        int from = seriesFirstLabel[s];
        int to = from + seriesLabelCount[s];
        for (int i = from + 1; i < to; i++) {
            if (compareName(i - 1, nameOff[i], nameLen[i]) >= 0) {
                sortLabels(s);
                return duplicateLabel(s);
            }
        }
        return -1;
    }

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

    /** Byte-wise unsigned order of two names; the sign is what {@link Arrays#compareUnsigned} gives. */
    private int compareName(int label, int otherOff, int otherLen) {
        int o = nameOff[label];
        int len = nameLen[label];
        int common = Math.min(len, otherLen);
        if (common <= Long.BYTES && Math.max(o, otherOff) <= buf.length - Long.BYTES) {
            // most names are at most 8 bytes: one big-endian word each, the bytes past the shorter name masked off
            long keep = common == 0 ? 0 : -1L << (Long.SIZE - Byte.SIZE * common);
            int c = Long.compareUnsigned((long) LONG_BE.get(buf, o) & keep, (long) LONG_BE.get(buf, otherOff) & keep);
            return c != 0 ? c : Integer.compare(len, otherLen);
        }
        return Arrays.compareUnsigned(buf, o, o + len, buf, otherOff, otherOff + otherLen);
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
        return metricNameLabel(s) >= 0;
    }

    /** @return the label holding the series' {@code __name__}, or -1 */
    int metricNameLabel(int s) {
        for (int l = seriesFirstLabel[s], end = l + seriesLabelCount[s]; l < end; l++) {
            if (nameLen[l] == METRIC_NAME.length && (long) LONG_LE.get(buf, nameOff[l]) == METRIC_NAME_WORD) {
                return l;
            }
        }
        return -1;
    }
}
