package io.weir.persistence.journal;

import io.weir.persistence.wal.WalDirectory;
import io.weir.persistence.wal.WalPosition;
import io.weir.persistence.wal.WalWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Decides which WAL segments may go. A segment is deleted only when the forwarder has sent everything in it (when
 * there is a backend) and start-up no longer needs it: once a snapshot exists, start-up replays only the WAL after
 * the newest snapshot's position, so segments before that position's segment may go; with no snapshot yet,
 * start-up replays the whole WAL, so a segment is kept until it was last written longer ago than the longest
 * sketch window. Called on the journaler thread, at most once per check period.
 */
public final class WalRetention {
    private static final long CHECK_PERIOD_NANOS = 5_000_000_000L;

    private final Path walDir;
    private final LongSupplier forwardedPosition;
    private final long keepMillis;
    private final LongSupplier snapshotPosition;
    private long lastCheckNanos;

    /**
     * @param forwardedPosition the forwarder's persisted cursor, or null when there is no backend
     * @param keepMillis        how long a finished segment is kept for sketch replay
     */
    public WalRetention(Path walDir, LongSupplier forwardedPosition, long keepMillis) {
        this(walDir, forwardedPosition, keepMillis, null);
    }

    /**
     * @param snapshotPosition the WAL position of the newest snapshot on disk, or negative when there is none;
     *                         null when the node takes no snapshots
     */
    public WalRetention(Path walDir, LongSupplier forwardedPosition, long keepMillis, LongSupplier snapshotPosition) {
        this.walDir = walDir;
        this.forwardedPosition = forwardedPosition;
        this.keepMillis = keepMillis;
        this.snapshotPosition = snapshotPosition;
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
        long snapshot = snapshotPosition == null ? -1 : snapshotPosition.getAsLong();
        if (snapshot >= 0) {
            limitSegment = Math.min(limitSegment, WalPosition.segment(snapshot));
            wal.deleteSegmentsBefore(WalPosition.of(limitSegment, 0));
            return;
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
