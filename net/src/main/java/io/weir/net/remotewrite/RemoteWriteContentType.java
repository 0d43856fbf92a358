package io.weir.net.remotewrite;

/**
 * Content negotiation of {@code POST /api/v1/write} (remote write 2.0 specification): the {@code proto} parameter of
 * {@code Content-Type} names the message. No header at all is read as 1.0, which is what older senders send.
 * <pre>
 *   (absent)                                                        -> 1.0
 *   application/x-protobuf                                          -> 1.0
 *   application/x-protobuf;proto=prometheus.WriteRequest            -> 1.0
 *   application/x-protobuf;proto=io.prometheus.write.v2.Request     -> 2.0
 *   application/x-protobuf;proto=(anything else), any other type    -> UNSUPPORTED (415)
 * </pre>
 * Media type and parameter names are case-insensitive, values may be quoted, whitespace around ';' and '=' is ignored.
 */
public final class RemoteWriteContentType {
    public static final int UNSUPPORTED = 0;
    public static final int V1 = 1;
    public static final int V2 = 2;

    public static final String V1_PROTO = "prometheus.WriteRequest";
    public static final String V2_PROTO = "io.prometheus.write.v2.Request";
    public static final String ACCEPTED = "application/x-protobuf (remote write 1.0), application/x-protobuf;proto="
            + V1_PROTO + " (1.0) or application/x-protobuf;proto=" + V2_PROTO + " (2.0)";

    private RemoteWriteContentType() {}

    /** @return {@link #V1}, {@link #V2} or {@link #UNSUPPORTED} */
    public static int version(String contentType) {
        if (contentType == null) {
            return V1;
        }
        int semi = contentType.indexOf(';');
        String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        if (!media.equalsIgnoreCase("application/x-protobuf")) {
            return UNSUPPORTED;
        }
        String proto = null;
        while (semi >= 0) {
            int next = contentType.indexOf(';', semi + 1);
            String param = (next < 0 ? contentType.substring(semi + 1) : contentType.substring(semi + 1, next)).trim();
            int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("proto")) {
                String value = param.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                proto = value;
            }
            semi = next;
        }
        if (proto == null || proto.equals(V1_PROTO)) {
            return V1;
        }
        return proto.equals(V2_PROTO) ? V2 : UNSUPPORTED;
    }
}
