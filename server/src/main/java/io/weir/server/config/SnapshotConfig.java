package io.weir.server.config;

/**
 * The {@code snapshot} section.
 *
 * @param intervalMillis how often the node takes a snapshot (also on SIGTERM and on request); &gt; 0
 * @param keep           snapshots kept on disk, newest first; &gt;= 1. The WAL after the oldest one is kept, so
 *                       start-up can fall back from an unreadable snapshot to an older one.
 * @param writeBytesPerSecond  pace of a snapshot's write ({@code snapshot.write_rate}); &gt; 0
 * @param shutdownTimeoutMillis how long stopping waits for the last snapshot ({@code snapshot.shutdown_timeout});
 *                       past it the node stops without one and start-up replays the WAL after the previous one; &gt; 0
 */
public record SnapshotConfig(long intervalMillis, int keep, long writeBytesPerSecond, long shutdownTimeoutMillis) {
    public static final long DEFAULT_INTERVAL_MILLIS = 15 * 60_000L;
    public static final int DEFAULT_KEEP = 3;
    public static final int MAX_KEEP = 100;
    /**
     * Sketch state compressed and written a second by a periodic or requested snapshot (the one at shutdown is not
     * paced). Measured on 2 cores busy with ingest (docs/benchmarks.md, "Ingest while a snapshot is written"):
     * unpaced, a snapshot of 1 M series (457 MB of state, written in 2.3 s) cut ingest by ~30% while it lasted and
     * reserving its copy's memory stalled it for seconds; paced at 32 MiB/s, one of 809 MB took 42 s and ingest
     * ran 9% below the 15 s before it.
     */
    public static final long DEFAULT_WRITE_BYTES_PER_SECOND = 32L << 20;
    /**
     * Two minutes: the snapshot at shutdown is not paced and writes 1 M series (457 MB of state) in 2.3 s
     * (docs/benchmarks.md), so this is room for a far larger node or a slow disk. A service manager that stops the
     * node needs a stop timeout above it (systemd's default, 90 s, is below).
     */
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 120_000;

    public SnapshotConfig(long intervalMillis, int keep) {
        this(intervalMillis, keep, DEFAULT_WRITE_BYTES_PER_SECOND, DEFAULT_SHUTDOWN_TIMEOUT_MILLIS);
    }

    public static SnapshotConfig defaults() {
        return new SnapshotConfig(DEFAULT_INTERVAL_MILLIS, DEFAULT_KEEP, DEFAULT_WRITE_BYTES_PER_SECOND,
                DEFAULT_SHUTDOWN_TIMEOUT_MILLIS);
    }
}
