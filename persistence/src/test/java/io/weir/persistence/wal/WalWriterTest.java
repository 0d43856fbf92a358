package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalWriterTest {
    @TempDir
    Path dir;

    private long filesBytes() throws Exception {
        long sum = 0;
        for (long i : WalDirectory.listSegments(dir)) {
            sum += Files.size(WalDirectory.segmentPath(dir, i));
        }
        return sum;
    }

    @Test
    void deleteSegmentsBeforeKeepsTheActiveOneAndTracksDiskBytes() throws Exception {
        WalOptions options = WalOptions.defaults().withSegmentSize(8 * 1024).withFsync(FsyncPolicy.NEVER, Duration.ZERO);
        try (WalWriter writer = WalWriter.open(dir, options)) {
            long mid = 0;
            for (int i = 0; i < 800; i++) {
                append(writer, series(i));
                long end = writer.commit();
                if (i == 400) {
                    mid = end;
                }
            }
            assertEquals(filesBytes(), writer.diskBytes());
            long active = writer.activeSegment();
            assertTrue(active >= 4);
            assertEquals(active + 1, writer.segmentsCreated());

            int deleted = writer.deleteSegmentsBefore(mid);
            assertEquals(WalPosition.segment(mid), deleted);
            assertEquals(WalPosition.segment(mid), WalDirectory.listSegments(dir)[0]);
            assertEquals(filesBytes(), writer.diskBytes());
            assertThrows(WalSegmentMissingException.class, () -> WalReader.open(dir, WalPosition.of(0, WalSegmentDescriptor.HEADER_LENGTH)));

            writer.deleteSegmentsBefore(Long.MAX_VALUE); // everything but the active segment
            assertArrayEquals(new long[] {active}, WalDirectory.listSegments(dir));
            assertEquals(filesBytes(), writer.diskBytes());
            append(writer, series(-1));
            long end = writer.commit();
            assertEquals(List.of(series(-1)).getFirst(), readAll(dir, end).getLast());
        }
        try (WalWriter reopened = WalWriter.open(dir, options)) {
            assertEquals(filesBytes(), reopened.diskBytes());
        }
    }

    @Test
    void fsyncPolicies() throws Exception {
        WalOptions base = WalOptions.defaults().withSegmentSize(1 << 20);
        try (WalWriter always = WalWriter.open(dir.resolve("always"), base.withFsync(FsyncPolicy.ALWAYS, Duration.ofSeconds(1)))) {
            for (int i = 0; i < 10; i++) {
                append(always, series(i));
                always.commit();
            }
            always.commit(); // nothing appended: nothing to sync
            assertEquals(10, always.fsyncCount());
            assertEquals(10, always.recordCount());
        }
        try (WalWriter never = WalWriter.open(dir.resolve("never"), base.withFsync(FsyncPolicy.NEVER, Duration.ZERO))) {
            for (int i = 0; i < 10; i++) {
                append(never, series(i));
                never.commit();
            }
            never.syncIfDue(System.nanoTime() + Duration.ofHours(1).toNanos());
            assertEquals(0, never.fsyncCount());
            never.close(); // close fsyncs under every policy
            assertEquals(1, never.fsyncCount());
        }
        Duration interval = Duration.ofHours(1); // long enough that only explicit clocks trigger it
        try (WalWriter interval1 = WalWriter.open(dir.resolve("interval"), base.withFsync(FsyncPolicy.INTERVAL, interval))) {
            for (int i = 0; i < 10; i++) {
                append(interval1, series(i));
                interval1.commit();
            }
            assertEquals(0, interval1.fsyncCount(), "commits inside the interval do not fsync");
            interval1.syncIfDue(System.nanoTime());
            assertEquals(0, interval1.fsyncCount());
            interval1.syncIfDue(System.nanoTime() + interval.toNanos());
            assertEquals(1, interval1.fsyncCount());
            interval1.syncIfDue(System.nanoTime() + 2 * interval.toNanos());
            assertEquals(1, interval1.fsyncCount(), "nothing unsynced: no fsync");
        }
        try (WalWriter interval2 = WalWriter.open(dir.resolve("interval2"), base.withFsync(FsyncPolicy.INTERVAL, Duration.ofNanos(1)))) {
            append(interval2, series(1));
            interval2.commit();
            assertEquals(1, interval2.fsyncCount(), "an elapsed interval fsyncs at commit");
        }
    }

    @Test
    void rejectsBadOptionsNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WalOptions.defaults().withSegmentSize(100));
        assertTrue(e.getMessage().contains("segmentSizeBytes=100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WalOptions.defaults().withFsync(FsyncPolicy.INTERVAL, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> WalOptions.defaults().withZstdLevel(99));
    }

    @Test
    void appendSamplesAndCommitAllocateNothingAfterWarmUp() throws Exception {
        int batch = 2000;
        WalOptions options = WalOptions.defaults().withSegmentSize(64L << 20).withFsync(FsyncPolicy.NEVER, Duration.ZERO);
        SplittableRandom rnd = new SplittableRandom(5);
        Samples[] batches = new Samples[16];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = samples(rnd, batch, 1_700_000_000_000L + i * 15_000L);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WalWriter writer = WalWriter.open(dir, options)) {
            for (int i = 0; i < 2000; i++) { // warm-up: JIT, buffer growth, segment rolls
                Samples s = batches[i % batches.length];
                writer.appendSamples(batch, s.ids(), s.ts(), s.values());
                writer.commit();
            }
            int rounds = 5000;
            long bytesBefore = writer.bytesWritten();
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                Samples s = batches[i % batches.length];
                writer.appendSamples(batch, s.ids(), s.ts(), s.values());
                writer.commit();
            }
            long nanos = System.nanoTime() - t0;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            long samples = (long) rounds * batch;
            long written = writer.bytesWritten() - bytesBefore;
            System.out.printf("WAL appendSamples+commit: %d bytes allocated for %d samples (%.5f B/sample); "
                            + "%.1f M samples/s with fsync NEVER; %.2f bytes/sample on disk (raw 16, ratio %.1fx); %d segments rolled%n",
                    allocated, samples, (double) allocated / samples, samples / (nanos / 1e9) / 1e6,
                    (double) written / samples, 16.0 * samples / written, writer.segmentsCreated());
            assertTrue(allocated < samples, "allocated " + allocated + " bytes for " + samples + " samples");
        }
    }
}
