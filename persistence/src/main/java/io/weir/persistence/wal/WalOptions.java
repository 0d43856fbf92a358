package io.weir.persistence.wal;

import java.time.Duration;

/**
 * WAL settings, validated once at construction so the writer never re-checks them.
 *
 * @param segmentSizeBytes   maximum size of one segment file, header included; records never span segments
 * @param fsyncPolicy        when commits are fsynced
 * @param fsyncIntervalNanos for {@link FsyncPolicy#INTERVAL}: the longest time committed bytes may stay unsynced
 * @param zstdLevel          zstd level for SAMPLES blocks; low levels keep the journaler fast
 */
public record WalOptions(long segmentSizeBytes, FsyncPolicy fsyncPolicy, long fsyncIntervalNanos, int zstdLevel) {

    public static final long DEFAULT_SEGMENT_SIZE = 128L << 20;
    /** Positions keep the in-segment offset in 32 bits; staying under 2 GiB keeps offsets non-negative ints. */
    public static final long MAX_SEGMENT_SIZE = (1L << 31) - 1;
    public static final long MIN_SEGMENT_SIZE = 4096;

    public WalOptions {
        if (segmentSizeBytes < MIN_SEGMENT_SIZE || segmentSizeBytes > MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("wal segmentSizeBytes=" + segmentSizeBytes + " must be in ["
                    + MIN_SEGMENT_SIZE + ", " + MAX_SEGMENT_SIZE + "]");
        }
        if (fsyncPolicy == null) {
            throw new IllegalArgumentException("wal fsyncPolicy must be set");
        }
        if (fsyncPolicy == FsyncPolicy.INTERVAL && fsyncIntervalNanos <= 0) {
            throw new IllegalArgumentException("wal fsyncIntervalNanos=" + fsyncIntervalNanos + " must be > 0 for INTERVAL");
        }
        if (zstdLevel < -7 || zstdLevel > 22) {
            throw new IllegalArgumentException("wal zstdLevel=" + zstdLevel + " must be in [-7, 22]");
        }
    }

    /** 128 MiB segments, fsync every commit, zstd level 1. */
    public static WalOptions defaults() {
        return new WalOptions(DEFAULT_SEGMENT_SIZE, FsyncPolicy.ALWAYS, Duration.ofMillis(100).toNanos(), 1);
    }

    public WalOptions withSegmentSize(long bytes) {
        return new WalOptions(bytes, fsyncPolicy, fsyncIntervalNanos, zstdLevel);
    }

    public WalOptions withFsync(FsyncPolicy policy, Duration interval) {
        return new WalOptions(segmentSizeBytes, policy, interval.toNanos(), zstdLevel);
    }

    public WalOptions withZstdLevel(int level) {
        return new WalOptions(segmentSizeBytes, fsyncPolicy, fsyncIntervalNanos, level);
    }
}
