package io.weir.net.remotewrite;

/**
 * Result codes of {@link RemoteWriteDecoder#decode} and the HTTP status each one maps to. Ints rather than an enum so the
 * hot path returns a primitive; {@link #name(int)} is for logs and metrics labels.
 */
public final class RemoteWriteStatus {
    public static final int OK = 0;
    /** The snappy header declares more decoded bytes than the configured cap (nothing was decompressed). */
    public static final int TOO_LARGE = 1;
    public static final int BAD_SNAPPY = 2;
    public static final int BAD_PROTOBUF = 3;
    public static final int MISSING_METRIC_NAME = 4;
    public static final int EMPTY_LABEL_NAME = 5;
    public static final int INVALID_LABEL_NAME = 6;
    public static final int INVALID_LABEL_VALUE = 7;
    public static final int DUPLICATE_LABEL_NAME = 8;
    /** RW 2.0: a symbol reference out of range, or an odd-length labels_refs list. */
    public static final int BAD_SYMBOL_REFERENCE = 9;

    private static final String[] NAMES = {
        "OK", "TOO_LARGE", "BAD_SNAPPY", "BAD_PROTOBUF", "MISSING_METRIC_NAME", "EMPTY_LABEL_NAME",
        "INVALID_LABEL_NAME", "INVALID_LABEL_VALUE", "DUPLICATE_LABEL_NAME", "BAD_SYMBOL_REFERENCE",
    };

    private RemoteWriteStatus() {}

    /** @return 204 for OK, 413 for TOO_LARGE, 400 for every other code (senders never retry a 400) */
    public static int httpStatus(int code) {
        return switch (code) {
            case OK -> 204;
            case TOO_LARGE -> 413;
            default -> 400;
        };
    }

    public static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "UNKNOWN(" + code + ")";
    }

    /** @return the number of distinct codes; codes are 0 .. count-1 */
    public static int count() {
        return NAMES.length;
    }
}
