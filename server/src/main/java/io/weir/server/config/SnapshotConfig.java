package io.weir.server.config;

/**
 * The {@code snapshot} section.
 *
 * @param intervalMillis how often the node takes a snapshot (also on SIGTERM and on request); &gt; 0
 * @param keep           snapshots kept on disk, newest first; &gt;= 1. The WAL after the oldest one is kept, so
 *                       start-up can fall back from an unreadable snapshot to an older one.
 */
public record SnapshotConfig(long intervalMillis, int keep) {
    public static final long DEFAULT_INTERVAL_MILLIS = 15 * 60_000L;
    public static final int DEFAULT_KEEP = 3;
    public static final int MAX_KEEP = 100;

    public static SnapshotConfig defaults() {
        return new SnapshotConfig(DEFAULT_INTERVAL_MILLIS, DEFAULT_KEEP);
    }
}
