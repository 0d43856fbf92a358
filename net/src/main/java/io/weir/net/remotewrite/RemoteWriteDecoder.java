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

    private final LabelSetHash labelsKey = new LabelSetHash();

    /** @param maxDecodedBytes the largest decompressed body accepted; larger ones are TOO_LARGE, never decompressed */
    public RemoteWriteDecoder(int maxDecodedBytes) {
        super(maxDecodedBytes);
    }

    @Override
    void parse(int end, DecodedWriteRequest out) {
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
        while (pos < end) {
            int fieldStart = pos;
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> {
                    if (fieldStart != labelsEnd) {
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
        int dup = out.sortLabelsFindDuplicate(s);
        if (dup >= 0) {
            throw fail(DUPLICATE_LABEL_NAME, "duplicate label name \"" + out.labelName(dup) + "\"");
        }
        if (!out.hasMetricName(s)) {
            throw fail(MISSING_METRIC_NAME, "no __name__ label (or an empty one) in " + labelSet(out, s));
        }
        if (labelsContiguous) {
            // the wire bytes of the label fields determine the label set: their hash is the set's key for the
            // resolver's front cache, one pass over bytes already in cache instead of a hash of the sorted spans
            labelsKey.hashEncoded(b, labelsStart, labelsEnd - labelsStart);
            out.labelsKey(s, labelsKey.hi(), labelsKey.lo());
        }
        series = -1;
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
