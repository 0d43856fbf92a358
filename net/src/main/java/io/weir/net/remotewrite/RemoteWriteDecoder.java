package io.weir.net.remotewrite;

import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyError;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_PROTOBUF;
import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_SNAPPY;
import static io.weir.net.remotewrite.RemoteWriteStatus.DUPLICATE_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.EMPTY_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_VALUE;
import static io.weir.net.remotewrite.RemoteWriteStatus.MISSING_METRIC_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static io.weir.net.remotewrite.RemoteWriteStatus.TOO_LARGE;

/**
 * Thread-confined (one per event loop) decoder of Prometheus remote write 1.0 bodies: snappy block format around a
 * protobuf {@code WriteRequest}. The protobuf reader is hand-written over the decompressed byte[]; it allocates nothing
 * per series, label or sample, and only on the error path builds a message.
 * <pre>
 *   WriteRequest { 1: repeated TimeSeries   3: repeated MetricMetadata (counted, skipped) }
 *   TimeSeries   { 1: repeated Label        2: repeated Sample
 *                  3: repeated Exemplar (counted, skipped)   4: repeated Histogram (counted, skipped) }
 *   Label        { 1: string name           2: string value }
 *   Sample       { 1: double value (I64)    2: int64 timestamp (VARINT) }
 * </pre>
 * Fields may come in any order, a repeated scalar field seen twice keeps the last value (protobuf merge rules),
 * unknown fields are skipped by wire type, non-minimal varints are accepted. Stricter than protobuf-java: a known field
 * with the wrong wire type and any group wire type are malformed. The whole request is validated before OK is
 * returned, so a caller can reject it atomically.
 */
public final class RemoteWriteDecoder {
    private static final int VARINT = 0;
    private static final int I64 = 1;
    private static final int LEN = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int I32 = 5;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Thrown inside the parser only, caught by {@link #decode}; preallocated, no stack trace. */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private static final Abort ABORT = new Abort();

    private final int maxDecodedBytes;

    private byte[] b;
    private int pos;
    /** Index of the series being parsed, -1 outside a series; names the series in error messages. */
    private int series;
    private int errorCode;
    private String errorMessage;

    /** @param maxDecodedBytes the largest decompressed body accepted; larger ones are TOO_LARGE, never decompressed */
    public RemoteWriteDecoder(int maxDecodedBytes) {
        if (maxDecodedBytes < 0) {
            throw new IllegalArgumentException("maxDecodedBytes must be >= 0, was " + maxDecodedBytes);
        }
        this.maxDecodedBytes = maxDecodedBytes;
    }

    public int maxDecodedBytes() {
        return maxDecodedBytes;
    }

    /** @return what was wrong with the last body that did not decode, or null after OK */
    public String errorMessage() {
        return errorMessage;
    }

    /**
     * Decodes one request body into {@code out} (which is cleared first). Bad arguments ({@code off}/{@code len}
     * outside {@code body}) are a caller bug and throw IndexOutOfBoundsException; bad bodies never throw.
     *
     * @return a {@link RemoteWriteStatus} code; on anything but OK {@code out} is empty and {@link #errorMessage()} says why
     */
    public int decode(byte[] body, int off, int len, DecodedWriteRequest out) {
        Objects.checkFromIndexSize(off, len, body.length);
        out.reset();
        errorMessage = null;
        long declared = snappyDeclaredLength(body, off, len);
        if (declared < 0) {
            return error(BAD_SNAPPY, len == 0 ? "snappy: empty body" : "snappy: malformed length header");
        }
        if (declared > maxDecodedBytes) {
            return error(TOO_LARGE, "snappy header declares " + declared + " decoded bytes, over the limit of "
                    + maxDecodedBytes);
        }
        int size = (int) declared;
        byte[] buf = out.ensureBuffer(size, maxDecodedBytes);
        // No isValidCompressedBuffer pass: it would decode twice. RawUncompress checks its input and writes at most
        // the declared length, for which buf has room; a corrupt block fails here.
        try {
            int n = Snappy.uncompress(body, off, len, buf, 0);
            if (n != size) {
                return error(BAD_SNAPPY, "snappy: decoded " + n + " bytes, header declared " + size);
            }
        } catch (IOException | SnappyError e) {
            return error(BAD_SNAPPY, "snappy: corrupt block (" + e.getMessage() + ")");
        }
        out.bufLength(size);
        try {
            parseWriteRequest(buf, size, out);
        } catch (Abort a) {
            out.reset();
            return errorCode;
        } finally {
            b = null;
        }
        return OK;
    }

    private int error(int code, String message) {
        errorCode = code;
        errorMessage = message;
        return code;
    }

    private Abort fail(int code, String message) {
        error(code, series >= 0 ? "series " + series + ": " + message : message);
        return ABORT;
    }

    /** @return the snappy preamble (uncompressed length, varint of at most 32 bits), or -1 when it is malformed */
    private static long snappyDeclaredLength(byte[] body, int off, int len) {
        long result = 0;
        for (int i = 0; i < 5 && i < len; i++) {
            int x = body[off + i];
            result |= (long) (x & 0x7F) << (7 * i);
            if (x >= 0) {
                return result > 0xFFFF_FFFFL ? -1 : result;
            }
        }
        return -1;
    }

    // ---- protobuf messages ----

    private void parseWriteRequest(byte[] buf, int end, DecodedWriteRequest out) {
        b = buf;
        pos = 0;
        series = -1;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                parseSeries(endOf(wireType, end, "WriteRequest.timeseries"), out);
            } else if (field == 3) {
                skipMessage(endOf(wireType, end, "WriteRequest.metadata"));
                out.countMetadata();
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    private void parseSeries(int end, DecodedWriteRequest out) {
        int s = out.beginSeries();
        series = s;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> parseLabel(endOf(wireType, end, "TimeSeries.labels"), out);
                case 2 -> parseSample(endOf(wireType, end, "TimeSeries.samples"), out);
                case 3 -> {
                    skipMessage(endOf(wireType, end, "TimeSeries.exemplars"));
                    out.countExemplar();
                }
                case 4 -> {
                    skipMessage(endOf(wireType, end, "TimeSeries.histograms"));
                    out.countHistogram();
                }
                default -> skipField(field, wireType, end);
            }
        }
        out.endSeries(s);
        out.sortLabels(s);
        int dup = out.duplicateLabel(s);
        if (dup >= 0) {
            throw fail(DUPLICATE_LABEL_NAME, "duplicate label name \"" + out.labelName(dup) + "\"");
        }
        if (!out.hasMetricName(s)) {
            throw fail(MISSING_METRIC_NAME, "no __name__ label (or an empty one) in " + labelSet(out, s));
        }
        series = -1;
    }

    private void parseLabel(int end, DecodedWriteRequest out) {
        int nameOff = 0;
        int nameLen = 0;
        int valueOff = 0;
        int valueLen = 0;
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

    private void parseSample(int end, DecodedWriteRequest out) {
        long valueBits = 0;
        long timestamp = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                expectWireType(wireType, I64, "Sample.value");
                valueBits = readFixed64(end);
            } else if (field == 2) {
                expectWireType(wireType, VARINT, "Sample.timestamp");
                timestamp = readVarint(end);
            } else {
                skipField(field, wireType, end);
            }
        }
        out.addSample(timestamp, Double.longBitsToDouble(valueBits));
    }

    /** Walks a message we do not decode, so that a malformed one is still caught (one level deep). */
    private void skipMessage(int end) {
        while (pos < end) {
            long tag = readTag(end);
            skipField((int) (tag >>> 3), (int) tag & 7, end);
        }
    }

    // ---- wire primitives; each one checks against the end of the enclosing message ----

    private long readTag(int end) {
        int start = pos;
        long tag = readVarint(end);
        if (tag > 0xFFFF_FFFFL || tag < 0) {
            pos = start;
            throw fail(BAD_PROTOBUF, "tag out of range at offset " + start);
        }
        if (tag >>> 3 == 0) {
            throw fail(BAD_PROTOBUF, "field number 0 at offset " + start);
        }
        return tag;
    }

    private long readVarint(int end) {
        int p = pos;
        if (p < end && b[p] >= 0) {
            pos = p + 1;
            return b[p];
        }
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                throw fail(BAD_PROTOBUF, "truncated varint at offset " + pos);
            }
            byte x = b[p++];
            result |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                pos = p;
                return result;
            }
        }
        throw fail(BAD_PROTOBUF, "varint longer than 10 bytes at offset " + pos);
    }

    private long readFixed64(int end) {
        if (end - pos < 8) {
            throw fail(BAD_PROTOBUF, "truncated fixed64 at offset " + pos);
        }
        long v = (long) LONG_LE.get(b, pos);
        pos += 8;
        return v;
    }

    /** Reads the length prefix of a LEN field and checks it fits in the enclosing message. */
    private int lengthOf(int wireType, int end, String what) {
        expectWireType(wireType, LEN, what);
        int start = pos;
        long len = readVarint(end);
        if (len < 0 || len > end - pos) {
            throw fail(BAD_PROTOBUF, what + ": length " + Long.toUnsignedString(len) + " at offset " + start
                    + " runs past the end of the enclosing message (" + (end - pos) + " bytes left)");
        }
        return (int) len;
    }

    /** @return the end offset of the LEN field whose length prefix is at {@code pos}; leaves pos after the prefix */
    private int endOf(int wireType, int end, String what) {
        int len = lengthOf(wireType, end, what);
        return pos + len;
    }

    private void expectWireType(int wireType, int expected, String what) {
        if (wireType != expected) {
            throw fail(BAD_PROTOBUF, what + ": wrong wire type " + wireType + " (expected " + expected + ") at offset "
                    + pos);
        }
    }

    private void skipField(int field, int wireType, int end) {
        switch (wireType) {
            case VARINT -> readVarint(end);
            case I64 -> skipBytes(8, end, field);
            case LEN -> pos = endOf(LEN, end, "unknown field");
            case I32 -> skipBytes(4, end, field);
            case START_GROUP, END_GROUP -> throw fail(BAD_PROTOBUF, "field " + field + ": group wire type "
                    + wireType + " is not supported (offset " + pos + ")");
            default -> throw fail(BAD_PROTOBUF, "field " + field + ": invalid wire type " + wireType
                    + " (offset " + pos + ")");
        }
    }

    private void skipBytes(int n, int end, int field) {
        if (end - pos < n) {
            throw fail(BAD_PROTOBUF, "field " + field + ": truncated " + (n == 8 ? "fixed64" : "fixed32")
                    + " at offset " + pos);
        }
        pos += n;
    }

    // ---- error path only ----

    private String utf8OrHex(int off, int len) {
        if (Utf8.isValid(b, off, len)) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(len * 4);
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return sb.toString();
    }

    private static String labelSet(DecodedWriteRequest out, int s) {
        StringBuilder sb = new StringBuilder("{");
        for (int l = out.seriesFirstLabel(s), end = l + out.seriesLabelCount(s); l < end; l++) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(out.labelName(l)).append("=\"").append(out.labelValue(l)).append('"');
        }
        return sb.append('}').toString();
    }
}
