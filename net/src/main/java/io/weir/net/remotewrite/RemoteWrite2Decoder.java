package io.weir.net.remotewrite;

import java.util.Arrays;

import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_PROTOBUF;
import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_SYMBOL_REFERENCE;
import static io.weir.net.remotewrite.RemoteWriteStatus.DUPLICATE_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.EMPTY_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.MISSING_METRIC_NAME;

/**
 * Thread-confined (one per event loop) decoder of Prometheus remote write 2.0 bodies ({@code io.prometheus.write.v2.Request},
 * snappy block format) into the same {@link DecodedWriteRequest} the 1.0 decoder fills, so everything after decoding is
 * shared. Strings are ranges of the decompressed buffer, resolved through the symbol table; nothing is allocated per
 * series, label or sample once the scratch arrays have grown.
 * <pre>
 *   Request    { 4: repeated string symbols (symbols[0] is "" by convention)   5: repeated TimeSeries }
 *   TimeSeries { 1: repeated uint32 labels_refs (name, value pairs of symbol indexes)   2: repeated Sample
 *                3: repeated Histogram (kept whole: fields 1-15 are RW 1.0's)   4: repeated Exemplar
 *                5: Metadata   6: int64 created_timestamp (0 = none) }
 *   Exemplar   { 1: repeated uint32 labels_refs   2: double value   3: int64 timestamp }
 *   Metadata   { 1: MetricType type (0-7)   3: uint32 help_ref   4: uint32 unit_ref }
 * </pre>
 * Symbols may come after the series that use them, so the request is read twice: symbols first, then series. Fields 1-3
 * are reserved in 2.0 (they are 1.0's WriteRequest fields): a body that has them is a 1.0 request sent with the 2.0
 * Content-Type, refused with 400 rather than read as empty. Labels are checked as in 1.0 (non-empty unique names, a
 * {@code __name__}, UTF-8, empty values dropped); a reference out of range or an odd-length list is
 * {@link RemoteWriteStatus#BAD_SYMBOL_REFERENCE}. Histograms, exemplars and metadata are kept (see
 * {@link DecodedWriteRequest#writeExtras}): exemplar labels resolved, metadata named by the series' {@code __name__}.
 */
public final class RemoteWrite2Decoder extends SnappyProtobufDecoder {
    private int symbolCount;
    private int[] symOff = new int[256];
    private int[] symLen = new int[256];
    /** labels_refs of the series being read, in wire order. */
    private int refCount;
    private int[] refs = new int[64];
    /** labels_refs of the exemplar being read (an exemplar may come between a series' labels_refs fields). */
    private int exRefCount;
    private int[] exRefs = new int[16];

    /** @param maxDecodedBytes the largest decompressed body accepted; larger ones are TOO_LARGE, never decompressed */
    public RemoteWrite2Decoder(int maxDecodedBytes) {
        super(maxDecodedBytes);
    }

    @Override
    void parse(int end, DecodedWriteRequest out) {
        readSymbols(end);
        pos = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 5) {
                parseSeries(endOf(wireType, end, "Request.timeseries"), out);
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    private void readSymbols(int end) {
        symbolCount = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 4) {
                int len = lengthOf(wireType, end, "Request.symbols");
                if (!Utf8.isValid(b, pos, len)) {
                    throw fail(BAD_PROTOBUF, "symbol " + symbolCount + " is not valid UTF-8: " + utf8OrHex(pos, len));
                }
                int n = symbolCount;
                if (n == symOff.length) {
                    symOff = Arrays.copyOf(symOff, n * 2);
                    symLen = Arrays.copyOf(symLen, n * 2);
                }
                symOff[n] = pos;
                symLen[n] = len;
                symbolCount = n + 1;
                pos += len;
            } else if (field >= 1 && field <= 3) {
                throw fail(BAD_PROTOBUF, "field " + field + " is reserved in io.prometheus.write.v2.Request: this looks"
                        + " like a remote write 1.0 prometheus.WriteRequest; send it with Content-Type"
                        + " application/x-protobuf (or ;proto=prometheus.WriteRequest)");
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    private void parseSeries(int end, DecodedWriteRequest out) {
        int s = out.beginSeries();
        series = s;
        refCount = 0;
        boolean hasMetadata = false;
        long metadataType = 0;
        long helpRef = 0;
        long unitRef = 0;
        long createdTimestamp = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> readRefs(wireType, end, false, "TimeSeries.labels_refs");
                case 2 -> parseSample(endOf(wireType, end, "TimeSeries.samples"), out);
                case 3 -> {
                    int hEnd = endOf(wireType, end, "TimeSeries.histograms");
                    int hStart = pos;
                    checkHistogram(hEnd);
                    out.addHistogram(hStart, hEnd - hStart);
                }
                case 4 -> parseExemplar(endOf(wireType, end, "TimeSeries.exemplars"), out);
                case 5 -> {
                    // a singular message seen twice merges field by field: later fields win, earlier ones stay
                    int mEnd = endOf(wireType, end, "TimeSeries.metadata");
                    hasMetadata = true;
                    while (pos < mEnd) {
                        long mTag = readTag(mEnd);
                        int mField = (int) (mTag >>> 3);
                        int mWire = (int) mTag & 7;
                        switch (mField) {
                            case 1 -> metadataType = readUint(mWire, mEnd, "Metadata.type");
                            case 3 -> helpRef = readUint(mWire, mEnd, "Metadata.help_ref");
                            case 4 -> unitRef = readUint(mWire, mEnd, "Metadata.unit_ref");
                            default -> skipField(mField, mWire, mEnd);
                        }
                    }
                }
                case 6 -> {
                    expectWireType(wireType, VARINT, "TimeSeries.created_timestamp");
                    createdTimestamp = readVarint(end);
                }
                default -> skipField(field, wireType, end);
            }
        }
        addSeriesLabels(out);
        out.endSeries(s);
        int dup = out.sortLabelsFindDuplicate(s);
        if (dup >= 0) {
            throw fail(DUPLICATE_LABEL_NAME, "duplicate label name \"" + out.labelName(dup) + "\" in " + labelSet(out, s));
        }
        int name = out.metricNameLabel(s);
        if (name < 0) {
            throw fail(MISSING_METRIC_NAME, "no __name__ label (or an empty one) in " + labelSet(out, s));
        }
        out.createdTimestamp(s, createdTimestamp);
        if (hasMetadata) {
            addMetadata(out, name, metadataType, helpRef, unitRef);
        }
        series = -1;
    }

    /** Appends the refs of a packed (LEN) or unpacked (VARINT) labels_refs field to {@link #refs}. */
    private void readRefs(int wireType, int end, boolean exemplar, String what) {
        if (wireType == LEN) {
            int packedEnd = endOf(wireType, end, what);
            while (pos < packedEnd) {
                addRef(checkRef(readVarint(packedEnd), what), exemplar);
            }
        } else {
            expectWireType(wireType, VARINT, what);
            addRef(checkRef(readVarint(end), what), exemplar);
        }
    }

    private int checkRef(long ref, String what) {
        if (ref < 0 || ref >= symbolCount) {
            throw fail(BAD_SYMBOL_REFERENCE, what + ": symbol index " + Long.toUnsignedString(ref) + " out of range (the"
                    + " request has " + symbolCount + " symbols)");
        }
        return (int) ref;
    }

    private void addRef(int ref, boolean exemplar) {
        if (exemplar) {
            if (exRefCount == exRefs.length) {
                exRefs = Arrays.copyOf(exRefs, exRefCount * 2);
            }
            exRefs[exRefCount++] = ref;
        } else {
            if (refCount == refs.length) {
                refs = Arrays.copyOf(refs, refCount * 2);
            }
            refs[refCount++] = ref;
        }
    }

    private long readUint(int wireType, int end, String what) {
        expectWireType(wireType, VARINT, what);
        return readVarint(end) & 0xFFFF_FFFFL; // uint32 / enum: a longer varint keeps its low 32 bits, as protobuf does
    }

    private void addSeriesLabels(DecodedWriteRequest out) {
        if ((refCount & 1) != 0) {
            throw fail(BAD_SYMBOL_REFERENCE, "TimeSeries.labels_refs has " + refCount
                    + " entries; it must hold name, value pairs");
        }
        for (int i = 0; i < refCount; i += 2) {
            int n = refs[i];
            int v = refs[i + 1];
            if (symLen[n] == 0) {
                throw fail(EMPTY_LABEL_NAME, "empty label name (labels_refs[" + i + "] = " + n + ", value \""
                        + utf8OrHex(symOff[v], symLen[v]) + "\")");
            }
            if (symLen[v] != 0) { // Prometheus semantics: an empty value is the label's absence
                out.addLabel(symOff[n], symLen[n], symOff[v], symLen[v]);
            }
        }
    }

    private void parseExemplar(int end, DecodedWriteRequest out) {
        exRefCount = 0;
        long valueBits = 0;
        long timestamp = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> readRefs(wireType, end, true, "Exemplar.labels_refs");
                case 2 -> {
                    expectWireType(wireType, I64, "Exemplar.value");
                    valueBits = readFixed64(end);
                }
                case 3 -> {
                    expectWireType(wireType, VARINT, "Exemplar.timestamp");
                    timestamp = readVarint(end);
                }
                default -> skipField(field, wireType, end);
            }
        }
        if ((exRefCount & 1) != 0) {
            throw fail(BAD_SYMBOL_REFERENCE, "Exemplar.labels_refs has " + exRefCount
                    + " entries; it must hold name, value pairs");
        }
        out.beginExemplar(valueBits, timestamp);
        for (int i = 0; i < exRefCount; i += 2) {
            int n = exRefs[i];
            int v = exRefs[i + 1];
            if (symLen[n] == 0) {
                throw fail(EMPTY_LABEL_NAME, "exemplar label with an empty name (labels_refs[" + i + "] = " + n + ")");
            }
            if (symLen[v] != 0) {
                out.addExemplarLabel(symOff[n], symLen[n], symOff[v], symLen[v]);
            }
        }
    }

    private void addMetadata(DecodedWriteRequest out, int nameLabel, long type, long helpRef, long unitRef) {
        if (type > 7) {
            throw fail(BAD_PROTOBUF, "Metadata.type " + type + " is not a MetricType (0-7)");
        }
        if (helpRef >= symbolCount || unitRef >= symbolCount) {
            throw fail(BAD_SYMBOL_REFERENCE, "Metadata " + (helpRef >= symbolCount ? "help_ref " + helpRef : "unit_ref "
                    + unitRef) + " out of range (the request has " + symbolCount + " symbols)");
        }
        int h = (int) helpRef;
        int u = (int) unitRef;
        if (type == 0 && symLen[h] == 0 && symLen[u] == 0) {
            return; // nothing said: RW 2.0 senders send an empty Metadata for series without any
        }
        out.addMetadata((int) type, out.labelValueOffset(nameLabel), out.labelValueLength(nameLabel),
                symOff[h], symLen[h], symOff[u], symLen[u]);
    }
}
