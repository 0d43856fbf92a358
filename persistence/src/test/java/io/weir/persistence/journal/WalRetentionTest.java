package io.weir.persistence.journal;

import io.weir.persistence.wal.FsyncPolicy;
import io.weir.persistence.wal.WalDirectory;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalPosition;
import io.weir.persistence.wal.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Which segments go: before the oldest kept snapshot and the forwarder; with no snapshot, only after the window. */
class WalRetentionTest {
    @TempDir
    Path dir;

    private WalWriter walWithSegments(int segments) throws Exception {
        WalWriter wal = WalWriter.open(dir, WalOptions.defaults().withSegmentSize(4096).withFsync(FsyncPolicy.NEVER, Duration.ofSeconds(1)));
        int[] ids = new int[50];
        long[] ts = new long[50];
        double[] values = new double[50];
        while (wal.activeSegment() < segments - 1) {
            for (int i = 0; i < 50; i++) {
                ids[i] = i;
                ts[i] = System.nanoTime() + i;
                values[i] = Math.random();
            }
            wal.appendSamples(50, ids, ts, values);
            wal.commit();
        }
        return wal;
    }

    @Test
    void segmentsGoOnlyWhenTheOldestKeptSnapshotAndTheForwarderArePastThem() throws Exception {
        try (WalWriter wal = walWithSegments(8)) {
            // no snapshot yet, a 1 h window: everything was written just now, nothing goes
            new WalRetention(dir, null, 3_600_000, () -> -1).maybeDelete(wal);
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, WalDirectory.listSegments(dir));
            // a snapshot in segment 5, the forwarder in segment 3: the forwarder holds them back
            new WalRetention(dir, () -> WalPosition.of(3, 100), 3_600_000, () -> WalPosition.of(5, 100)).maybeDelete(wal);
            assertArrayEquals(new long[] {3, 4, 5, 6, 7}, WalDirectory.listSegments(dir));
            // the forwarder catches up: the snapshot's segment is the limit (replay starts inside it)
            new WalRetention(dir, () -> WalPosition.of(7, 100), 3_600_000, () -> WalPosition.of(5, 100)).maybeDelete(wal);
            assertArrayEquals(new long[] {5, 6, 7}, WalDirectory.listSegments(dir));
            // never the active segment, whatever the inputs say
            new WalRetention(dir, null, 3_600_000, () -> WalPosition.of(99, 0)).maybeDelete(wal);
            assertArrayEquals(new long[] {7}, WalDirectory.listSegments(dir));
        }
    }

    @Test
    void withoutASnapshotSegmentsOlderThanTheWindowGo() throws Exception {
        try (WalWriter wal = walWithSegments(4)) {
            new WalRetention(dir, null, 0, () -> -1).maybeDelete(wal);
            assertArrayEquals(new long[] {3}, WalDirectory.listSegments(dir));
        }
    }
}
