package io.weir.persistence.wal;

/**
 * A WAL position is one {@code long}: {@code (segmentIndex << 32) | offsetInSegment}. Positions order like the log,
 * so readers and snapshots compare them with {@code <}.
 */
public final class WalPosition {
    private WalPosition() {}

    public static long of(long segmentIndex, long offset) {
        return (segmentIndex << 32) | offset;
    }

    public static long segment(long position) {
        return position >>> 32;
    }

    public static int offset(long position) {
        return (int) position;
    }

    public static String toString(long position) {
        return segment(position) + ":" + offset(position);
    }
}
