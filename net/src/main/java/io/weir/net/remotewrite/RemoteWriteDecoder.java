package io.weir.net.remotewrite;

import io.weir.engine.series.LabelSetHash;

import static io.weir.net.remotewrite.RemoteWriteStatus.DUPLICATE_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.EMPTY_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_VALUE;
import static io.weir.net.remotewrite.RemoteWriteStatus.MISSING_METRIC_NAME;

/**
 * Thread-confined (one per event loop) decoder of Prometheus remote write 1.0 bodies: snappy block format around a
 * protobuf {@code WriteRequest}. The protobuf reader is hand-written over the decompressed byte[]; it allocates nothing
 * per series, label or sample, and only on the error path builds a message.
 * <pre>
 *   WriteRequest { 1: repeated TimeSeries   3: repeated MetricMetadata (kept whole, a range of buf) }
 *   TimeSeries   { 1: repeated Label        2: repeated Sample
 *                  3: repeated Exemplar (kept whole)          4: repeated Histogram (kept whole) }
 *   Label        { 1: string name           2: string value }
 *   Sample       { 1: double value (I64)    2: int64 timestamp (VARINT) }
 * </pre>
 * Fields may come in any order, a repeated scalar field seen twice keeps the last value (protobuf merge rules),
 * unknown fields are skipped by wire type, non-minimal varints are accepted. Stricter than protobuf-java: a known field
 * with the wrong wire type and any group wire type are malformed. The whole request is validated before OK is
 * returned, so a caller can reject it atomically.
 */
public final class RemoteWriteDecoder extends SnappyProtobufDecoder {
    private static final byte NAME_TAG = 1 << 3 | LEN;
    private static final byte VALUE_TAG = 2 << 3 | LEN;

    private static final byte LABEL_TAG = 1 << 3 | LEN;

    private final LabelSetHash labelsKey = new LabelSetHash();
    /** null: every series' labels are decoded */
    private KnownLabelSets known;
    private boolean deferring;
    /** Per series of the request being decoded: where its deferred label fields are, b[deferredFrom .. deferredTo) */
    private int[] deferredFrom = new int[64];
    private int[] deferredTo = new int[64];

    /** @param maxDecodedBytes the largest decompressed body accepted; larger ones are TOO_LARGE, never decompressed */
    public RemoteWriteDecoder(int maxDecodedBytes) {
        super(maxDecodedBytes);
    }

    /**
     * From now on, a series whose label fields hash ({@link LabelSetHash#hashEncoded}) to a key that {@code known}
     * knows has its labels left undecoded ({@link DecodedWriteRequest#labelsDeferred}): a sender writes the same
     * label sets request after request, and a known key is one whose bytes were decoded, validated and resolved
     * before (its labels were then checked exactly as they would be now). Saves the per-label parse, UTF-8 check,
     * sort check and span bookkeeping (~30 % of the event loop's time on a request of 2,000 known series,
     * docs/benchmarks.md). Series with histograms or exemplars are always decoded (those carry their series' labels
     * to the WAL).
     * <p>
     * The keys are asked for after the whole body is parsed, all of them prefetched first ({@link
     * KnownLabelSets#prefetch}): asked one at a time during the parse, each would wait for its own cache miss (the
     * front cache is megabytes at 100,000 series). Until then a series' label run is a candidate; the runs of
     * unknown sets are decoded and checked at the end. A body that fails is decoded again with every set decoded,
     * so that its error is the one a decode of everything reports first.
     *
     * @param known null to decode every label set (the default; and where the labels are rewritten downstream)
     */
    public void deferKnownLabels(KnownLabelSets known) {
        this.known = known;
        this.deferring = known != null;
    }

    /** {@link #decode} with every label set decoded, whatever {@link #deferKnownLabels} set. */
    public int decodeAllLabels(byte[] body, int off, int len, DecodedWriteRequest out) {
        boolean was = deferring;
        deferring = false;
        try {
            return decode(body, off, len, out);
        } finally {
            deferring = was;
        }
    }

    @Override
    public int decode(byte[] body, int off, int len, DecodedWriteRequest out) {
        int code = super.decode(body, off, len, out);
        if (code != RemoteWriteStatus.OK && deferring && code != RemoteWriteStatus.BAD_SNAPPY
                && code != RemoteWriteStatus.TOO_LARGE) {
            return decodeAllLabels(body, off, len, out);
        }
        return code;
    }

    @Override
    void parse(int end, DecodedWriteRequest out) {
        parseRequest(end, out);
        if (out.hasDeferredLabels()) {
            settleDeferred(out);
        }
    }

    private void parseRequest(int end, DecodedWriteRequest out) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                parseSeries(endOf(wireType, end, "WriteRequest.timeseries"), out);
            } else if (field == 3) {
                int mdEnd = endOf(wireType, end, "WriteRequest.metadata");
                int mdStart = pos;
                checkMetadata(mdEnd);
                out.addRawMetadata(mdStart, mdEnd - mdStart);
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    private void parseSeries(int end, DecodedWriteRequest out) {
        int s = out.beginSeries();
        series = s;
        // the label fields' bytes, b[labelsStart .. labelsEnd), while no other field comes between them
        int labelsStart = -1;
        int labelsEnd = -1;
        boolean labelsContiguous = true;
        // the first run of label fields as hashed ahead when deferring: its end and key, reused if it is the whole set
        int hashedEnd = -1;
        long hashedHi = 0;
        long hashedLo = 0;
        boolean deferred = false;
        while (pos < end) {
            int fieldStart = pos;
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> {
                    if (labelsStart < 0 && deferring) {
                        int runEnd = labelRunEnd(fieldStart, end);
                        if (runEnd > 0) {
                            // a candidate: whether its set is known is asked at the end (settleDeferred)
                            labelsKey.hashEncoded(b, fieldStart, runEnd - fieldStart);
                            hashedEnd = runEnd;
                            hashedHi = labelsKey.hi();
                            hashedLo = labelsKey.lo();
                            labelsStart = fieldStart;
                            labelsEnd = runEnd;
                            pos = runEnd;
                            deferred = true;
                            out.deferLabels(s);
                            continue;
                        }
                    }
                    if (fieldStart != labelsEnd) {
                        if (deferred) {
                            // a label field after other fields: the run deferred is not the whole set
                            decodeDeferred(s, labelsStart, labelsEnd, out);
                            deferred = false;
                        }
                        labelsContiguous = labelsStart < 0;
                        labelsStart = fieldStart;
                    }
                    parseLabel(endOf(wireType, end, "TimeSeries.labels"), out);
                    labelsEnd = pos;
                }
                case 2 -> parseSample(endOf(wireType, end, "TimeSeries.samples"), out);
                case 3 -> {
                    int exEnd = endOf(wireType, end, "TimeSeries.exemplars");
                    int exStart = pos;
                    checkExemplar(exEnd);
                    out.addRawExemplar(exStart, exEnd - exStart);
                }
                case 4 -> {
                    int hEnd = endOf(wireType, end, "TimeSeries.histograms");
                    int hStart = pos;
                    checkHistogram(hEnd);
                    out.addHistogram(hStart, hEnd - hStart);
                }
                default -> skipField(field, wireType, end);
            }
        }
        out.endSeries(s);
        if (deferred && (out.seriesHistogramCount(s) > 0 || out.seriesExemplarCount(s) > 0)) {
            // histograms and exemplars carry their series' labels into the WAL: those need the spans
            decodeDeferred(s, labelsStart, labelsEnd, out);
            deferred = false;
            out.endSeries(s);
        }
        if (deferred) {
            // checked at the end if its set is not known (a known set's bytes were checked when it was resolved)
            if (s >= deferredFrom.length) {
                deferredFrom = java.util.Arrays.copyOf(deferredFrom, 2 * s);
                deferredTo = java.util.Arrays.copyOf(deferredTo, 2 * s);
            }
            deferredFrom[s] = labelsStart;
            deferredTo[s] = labelsEnd;
            out.labelsKey(s, hashedHi, hashedLo);
            series = -1;
            return;
        }
        checkLabelSet(s, out);
        if (labelsContiguous) {
            // the wire bytes of the label fields determine the label set: their hash is the set's key for the
            // resolver's front cache, one pass over bytes already in cache instead of a hash of the sorted spans
            if (labelsEnd != hashedEnd) {
                labelsKey.hashEncoded(b, labelsStart, labelsEnd - labelsStart);
                hashedHi = labelsKey.hi();
                hashedLo = labelsKey.lo();
            }
            out.labelsKey(s, hashedHi, hashedLo);
        }
        series = -1;
    }

    /** The checks of a decoded label set that need all of it: one name once, a {@code __name__}. */
    private void checkLabelSet(int s, DecodedWriteRequest out) {
        int dup = out.sortLabelsFindDuplicate(s);
        if (dup >= 0) {
            throw fail(DUPLICATE_LABEL_NAME, "duplicate label name \"" + out.labelName(dup) + "\"");
        }
        if (!out.hasMetricName(s)) {
            throw fail(MISSING_METRIC_NAME, "no __name__ label (or an empty one) in " + labelSet(out, s));
        }
    }

    /**
     * After the parse: asks which candidate sets are known, all keys prefetched first so that their cache misses
     * overlap; decodes and checks the others (their spans go behind the labels decoded so far).
     */
    private void settleDeferred(DecodedWriteRequest out) {
        int n = out.seriesCount();
        KnownLabelSets k = known;
        for (int s = 0; s < n; s++) {
            if (out.labelsDeferred(s)) {
                k.prefetch(out.labelsKeyLo(s));
            }
        }
        for (int s = 0; s < n; s++) {
            if (out.labelsDeferred(s) && !k.known(out.labelsKeyHi(s), out.labelsKeyLo(s))) {
                series = s;
                out.beginLabels(s);
                decodeDeferred(s, deferredFrom[s], deferredTo[s], out);
                out.endLabels(s);
                checkLabelSet(s, out);
            }
        }
        series = -1;
    }

    /**
     * The end of the run of label fields starting at {@code from} (each a one-byte tag and a length of one or two
     * bytes, within {@code end}), or -1 where anything else shows up before the run ends cleanly: the fields are then
     * parsed (and any error reported) the ordinary way.
     */
    private int labelRunEnd(int from, int end) {
        int p = from;
        while (p < end && b[p] == LABEL_TAG) {
            if (p + 2 > end) {
                return -1;
            }
            int len = b[p + 1];
            p += 2;
            if (len < 0) {
                if (p >= end || b[p] < 0) {
                    return -1;
                }
                len = (len & 0x7F) | b[p] << 7;
                p++;
            }
            if (len > end - p) {
                return -1;
            }
            p += len;
        }
        return p;
    }

    /** Decodes the deferred label fields b[from .. to) of the open series {@code s} after all. */
    private void decodeDeferred(int s, int from, int to, DecodedWriteRequest out) {
        out.undefer(s);
        int resume = pos;
        pos = from;
        while (pos < to) {
            long tag = readTag(to);
            parseLabel(endOf((int) tag & 7, to, "TimeSeries.labels"), out);
        }
        pos = resume;
    }

    private void parseLabel(int end, DecodedWriteRequest out) {
        int nameOff = 0;
        int nameLen = 0;
        int valueOff = 0;
        int valueLen = 0;
        int p = pos;
        int n;
        if (end - p >= 4 && b[p] == NAME_TAG && (n = b[p + 1]) >= 0 && n <= end - p - 4
                && b[p + 2 + n] == VALUE_TAG && b[p + 3 + n] == end - p - 4 - n) {
            // what senders write: the name, then the value, each with a one-byte length, and nothing else; this reads
            // it as the loop below would, without the loop's tag and length checks
            nameOff = p + 2;
            nameLen = n;
            valueOff = p + 4 + n;
            valueLen = end - valueOff;
            pos = end;
        }
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                nameLen = lengthOf(wireType, end, "Label.name");
                nameOff = pos;
                pos += nameLen;
            } else if (field == 2) {
                valueLen = lengthOf(wireType, end, "Label.value");
                valueOff = pos;
                pos += valueLen;
            } else {
                skipField(field, wireType, end);
            }
        }
        if (nameLen == 0) {
            throw fail(EMPTY_LABEL_NAME, "empty label name (value \"" + utf8OrHex(valueOff, valueLen) + "\")");
        }
        if (!Utf8.isValid(b, nameOff, nameLen)) {
            throw fail(INVALID_LABEL_NAME, "label name is not valid UTF-8: " + utf8OrHex(nameOff, nameLen));
        }
        if (valueLen == 0) {
            return; // Prometheus semantics: an empty value is the label's absence
        }
        if (!Utf8.isValid(b, valueOff, valueLen)) {
            throw fail(INVALID_LABEL_VALUE, "value of label \"" + utf8OrHex(nameOff, nameLen)
                    + "\" is not valid UTF-8: " + utf8OrHex(valueOff, valueLen));
        }
        out.addLabel(nameOff, nameLen, valueOff, valueLen);
    }
}
