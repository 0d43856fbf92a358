package io.weir.server.config;

import java.util.Objects;

/**
 * The {@code wal} section.
 *
 * @param fsync               when appended batches are forced to disk
 * @param fsyncIntervalMillis period for {@link FsyncPolicy#INTERVAL}; &gt; 0 (kept, unused, for other policies)
 * @param maxDiskBytes        WAL kept for the backend forwarder while the backend is down; &gt; 0
 */
public record WalConfig(FsyncPolicy fsync, long fsyncIntervalMillis, long maxDiskBytes) {
    public static final FsyncPolicy DEFAULT_FSYNC = FsyncPolicy.INTERVAL;
    public static final long DEFAULT_FSYNC_INTERVAL_MILLIS = 1_000;
    public static final long DEFAULT_MAX_DISK_BYTES = 16L << 30;

    public WalConfig {
        Objects.requireNonNull(fsync, "fsync");
    }

    public static WalConfig defaults() {
        return new WalConfig(DEFAULT_FSYNC, DEFAULT_FSYNC_INTERVAL_MILLIS, DEFAULT_MAX_DISK_BYTES);
    }
}
