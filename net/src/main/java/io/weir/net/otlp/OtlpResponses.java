package io.weir.net.otlp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hand-encoded OTLP/HTTP answers: {@code ExportMetricsServiceResponse { 1: ExportMetricsPartialSuccess {
 * 1: int64 rejected_data_points  2: string error_message } }} on success, and {@code google.rpc.Status { 1: int32 code
 * 2: string message }} on failure, as the OTLP/HTTP spec asks.
 */
public final class OtlpResponses {
    /** google.rpc.Code values used in failure answers. */
    public static final int INVALID_ARGUMENT = 3;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int UNAVAILABLE = 14;
    public static final int UNIMPLEMENTED = 12;

    private static final byte[] EMPTY = new byte[0];

    private OtlpResponses() {}

    /** @return the response body: empty when every point was kept, else a partial_success */
    public static byte[] export(long rejectedPoints, String message) {
        if (rejectedPoints == 0 && message == null) {
            return EMPTY;
        }
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        if (rejectedPoints != 0) {
            partial.write(1 << 3);
            varint(partial, rejectedPoints);
        }
        if (message != null) {
            string(partial, 2, message);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytes(out, 1, partial.toByteArray());
        return out.toByteArray();
    }

    /** @return a google.rpc.Status body */
    public static byte[] status(int code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1 << 3);
        varint(out, code);
        string(out, 2, message);
        return out.toByteArray();
    }

    /** @return the Status in the OTLP/HTTP JSON form (for requests that were sent as JSON) */
    public static String statusJson(int code, String message) {
        StringBuilder sb = new StringBuilder("{\"code\":").append(code).append(",\"message\":\"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append("\"}").toString();
    }

    private static void string(ByteArrayOutputStream out, int field, String s) {
        bytes(out, field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] b) {
        out.write(field << 3 | 2);
        varint(out, b.length);
        out.writeBytes(b);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
