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
import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static io.weir.net.remotewrite.RemoteWriteStatus.TOO_LARGE;

/**
 * What the remote write 1.0 and 2.0 decoders share, thread-confined like them (one per event loop): the snappy block
 * format around the protobuf, the checked wire primitives (each one bounded by the end of the enclosing message), and
 * the error path. A subclass parses one message type over the decompressed byte[] and reports a problem with
 * {@link #fail}, which unwinds to {@link #decode} through one preallocated exception; nothing is allocated per field.
 */
public abstract sealed class SnappyProtobufDecoder permits RemoteWriteDecoder, RemoteWrite2Decoder {
    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int I32 = 5;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Thrown inside the parser only, caught by {@link #decode}; preallocated, no stack trace. */
    static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private static final Abort ABORT = new Abort();

    private final int maxDecodedBytes;

    byte[] b;
    int pos;
    /** Index of the series being parsed, -1 outside a series; names the series in error messages. */
    int series;
    private int errorCode;
    private String errorMessage;

    /** @param maxDecodedBytes the largest decompressed body accepted; larger ones are TOO_LARGE, never decompressed */
    SnappyProtobufDecoder(int maxDecodedBytes) {
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
        b = buf;
        pos = 0;
        series = -1;
        try {
            parse(size, out);
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

    final Abort fail(int code, String message) {
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

    /** Parses the decompressed request {@code b[0 .. end)} into {@code out}; problems are thrown with {@link #fail}. */
    abstract void parse(int end, DecodedWriteRequest out);

    /** Sample { 1: double value, 2: int64 timestamp }: the same message in RW 1.0 and 2.0. */
    final void parseSample(int end, DecodedWriteRequest out) {
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

    // ---- messages kept whole and forwarded as they are: checked as deeply as a protobuf parser on the backend
    //      would, so that one bad submessage cannot make the backend refuse a forwarded batch ----

    /** Histogram, RW 1.0 fields 1-15 and RW 2.0 field 16 (custom_values); packed or unpacked repeated fields. */
    final void checkHistogram(int end) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1, 4, 6, 14, 15 -> {
                    expectWireType(wireType, VARINT, "Histogram", field);
                    readVarint(end);
                }
                case 2, 3, 5, 7 -> {
                    expectWireType(wireType, I64, "Histogram", field);
                    readFixed64(end);
                }
                case 8, 11 -> checkBucketSpan(endOf(wireType, end, "Histogram.spans"));
                case 9, 12 -> {
                    if (wireType == LEN) {
                        int packedEnd = endOf(wireType, end, "Histogram.deltas");
                        while (pos < packedEnd) {
                            readVarint(packedEnd);
                        }
                    } else {
                        expectWireType(wireType, VARINT, "Histogram.deltas");
                        readVarint(end);
                    }
                }
                case 10, 13, 16 -> {
                    if (wireType == LEN) {
                        int len = lengthOf(wireType, end, "Histogram packed doubles");
                        if (len % 8 != 0) {
                            throw fail(BAD_PROTOBUF, "Histogram field " + field + ": packed doubles of " + len + " bytes");
                        }
                        pos += len;
                    } else {
                        expectWireType(wireType, I64, "Histogram", field);
                        readFixed64(end);
                    }
                }
                default -> skipField(field, wireType, end);
            }
        }
    }

    private void checkBucketSpan(int end) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1 || field == 2) {
                expectWireType(wireType, VARINT, "BucketSpan", field);
                readVarint(end);
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    /** RW 1.0 Exemplar { 1: repeated Label, 2: double value, 3: int64 timestamp }. */
    final void checkExemplar(int end) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> checkStrings(endOf(wireType, end, "Exemplar.labels"), "Exemplar label");
                case 2 -> {
                    expectWireType(wireType, I64, "Exemplar.value");
                    readFixed64(end);
                }
                case 3 -> {
                    expectWireType(wireType, VARINT, "Exemplar.timestamp");
                    readVarint(end);
                }
                default -> skipField(field, wireType, end);
            }
        }
    }

    /** RW 1.0 MetricMetadata { 1: MetricType type, 2: string metric_family_name, 4: string help, 5: string unit }. */
    final void checkMetadata(int end) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                expectWireType(wireType, VARINT, "MetricMetadata.type");
                readVarint(end);
            } else if (field == 2 || field == 4 || field == 5) {
                checkUtf8(lengthOf(wireType, end, "MetricMetadata string"), "MetricMetadata string");
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    /** A message whose fields 1 and 2 are strings (Label): both must be UTF-8, as a proto3 parser insists. */
    private void checkStrings(int end, String what) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1 || field == 2) {
                checkUtf8(lengthOf(wireType, end, what), what);
            } else {
                skipField(field, wireType, end);
            }
        }
    }

    /** Checks the {@code len} bytes at pos are UTF-8 and moves past them. */
    private void checkUtf8(int len, String what) {
        if (!Utf8.isValid(b, pos, len)) {
            throw fail(BAD_PROTOBUF, what + " is not valid UTF-8: " + utf8OrHex(pos, len));
        }
        pos += len;
    }

    /** Walks a message we do not decode, so that a malformed one is still caught (one level deep). */
    final void skipMessage(int end) {
        while (pos < end) {
            long tag = readTag(end);
            skipField((int) (tag >>> 3), (int) tag & 7, end);
        }
    }

    // ---- wire primitives; each one checks against the end of the enclosing message ----

    final long readTag(int end) {
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

    final long readVarint(int end) {
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

    final long readFixed64(int end) {
        if (end - pos < 8) {
            throw fail(BAD_PROTOBUF, "truncated fixed64 at offset " + pos);
        }
        long v = (long) LONG_LE.get(b, pos);
        pos += 8;
        return v;
    }

    /** Reads the length prefix of a LEN field and checks it fits in the enclosing message. */
    final int lengthOf(int wireType, int end, String what) {
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
    final int endOf(int wireType, int end, String what) {
        int len = lengthOf(wireType, end, what);
        return pos + len;
    }

    /** As {@link #expectWireType(int, int, String)}; the message naming the field is built only on failure. */
    final void expectWireType(int wireType, int expected, String message, int field) {
        if (wireType != expected) {
            expectWireType(wireType, expected, message + " field " + field);
        }
    }

    final void expectWireType(int wireType, int expected, String what) {
        if (wireType != expected) {
            throw fail(BAD_PROTOBUF, what + ": wrong wire type " + wireType + " (expected " + expected + ") at offset "
                    + pos);
        }
    }

    final void skipField(int field, int wireType, int end) {
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

    final void skipBytes(int n, int end, int field) {
        if (end - pos < n) {
            throw fail(BAD_PROTOBUF, "field " + field + ": truncated " + (n == 8 ? "fixed64" : "fixed32")
                    + " at offset " + pos);
        }
        pos += n;
    }

    // ---- error path only ----

    final String utf8OrHex(int off, int len) {
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

    static String labelSet(DecodedWriteRequest out, int s) {
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
