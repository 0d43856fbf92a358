package io.weir.persistence.journal;

import io.weir.persistence.wal.WalDirectory;
import io.weir.persistence.wal.WalPosition;
import io.weir.persistence.wal.WalWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Decides which WAL segments may go: a segment is deleted only when the forwarder has sent everything in it (when
 * there is a backend) and it was last written longer ago than the longest sketch window (start-up replays the
 * WAL to rebuild sketches until snapshots exist). Called on the journaler thread, at most once per check period.
 */
public final class WalRetention {
    private static final long CHECK_PERIOD_NANOS = 5_000_000_000L;

    private final Path walDir;
    private final LongSupplier forwardedPosition;
    private final long keepMillis;
    private long lastCheckNanos;

    /**
     * @param forwardedPosition the forwarder's persisted cursor, or null when there is no backend
     * @param keepMillis        how long a finished segment is kept for sketch replay
     */
    public WalRetention(Path walDir, LongSupplier forwardedPosition, long keepMillis) {
        this.walDir = walDir;
        this.forwardedPosition = forwardedPosition;
        this.keepMillis = keepMillis;
    }

    void maybeDelete(WalWriter wal) throws IOException {
        long now = System.nanoTime();
        if (now - lastCheckNanos < CHECK_PERIOD_NANOS) {
            return;
        }
        lastCheckNanos = now;
        long limitSegment = wal.activeSegment();
        if (forwardedPosition != null) {
            limitSegment = Math.min(limitSegment, WalPosition.segment(forwardedPosition.getAsLong()));
        }
        long oldEnough = System.currentTimeMillis() - keepMillis;
        long deleteBefore = -1;
        for (long index : WalDirectory.listSegments(walDir)) {
            if (index >= limitSegment) {
                break;
            }
            Path p = WalDirectory.segmentPath(walDir, index);
            if (Files.getLastModifiedTime(p).toMillis() > oldEnough) {
                break;
            }
            deleteBefore = index + 1;
        }
        if (deleteBefore > 0) {
            wal.deleteSegmentsBefore(WalPosition.of(deleteBefore, 0));
        }
    }
}
