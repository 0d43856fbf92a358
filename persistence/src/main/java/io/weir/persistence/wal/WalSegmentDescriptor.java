package io.weir.persistence.wal;

/**
 * Layout of the header at the start of every segment file {@code <16 hex digit index>.wal}; records follow it.
 * Little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     magic (u32) "WWAL"                        |  0
 *  +-------------------------------+-------------------------------+
 *  |         version (u16)         |        reserved (u16) = 0     |  4
 *  +-------------------------------+-------------------------------+
 *  |                   segment index (u64), equals the             |  8
 *  |                   number in the file name                     |
 *  +---------------------------------------------------------------+
 *  |                 CRC32C (u32) over bytes 0..15                 | 16
 *  +---------------------------------------------------------------+
 *  |                       reserved (u32) = 0                      | 20
 *  +---------------------------------------------------------------+
 * </pre>
 * The index is stored as well as named so a renamed or copied file is caught rather than replayed out of order.
 */
public final class WalSegmentDescriptor {
    private WalSegmentDescriptor() {}

    public static final int MAGIC = 'W' | 'W' << 8 | 'A' << 16 | 'L' << 24;
    public static final short VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int RESERVED_OFFSET = 6;
    public static final int INDEX_OFFSET = 8;
    public static final int CRC_OFFSET = 16;
    public static final int HEADER_LENGTH = 24;

    public static final String SUFFIX = ".wal";

    public static String fileName(long segmentIndex) {
        return String.format("%016x%s", segmentIndex, SUFFIX);
    }

    /** @return the index named by a segment file name, or -1 when the name is not a segment's */
    public static long parseFileName(String name) {
        if (name.length() != 16 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name, 0, 16, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
