package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void manyRecordsAcrossRolloversAndReopens() throws Exception {
        WalOptions options = WalOptions.defaults().withSegmentSize(64 * 1024).withFsync(FsyncPolicy.NEVER, java.time.Duration.ZERO);
        SplittableRandom rnd = new SplittableRandom(42);
        List<Rec> expected = new ArrayList<>();
        long committed = 0;
        long ts = 1_700_000_000_000L;
        for (int session = 0; session < 4; session++) {
            try (WalWriter writer = WalWriter.open(dir, options)) {
                assertEquals(0, writer.repairs());
                if (session > 0) {
                    assertEquals(committed, writer.committedPosition(), "reopen continues after the last record");
                }
                for (int commit = 0; commit < 50; commit++) {
                    for (int r = 0; r < 1 + rnd.nextInt(5); r++) {
                        int kind = rnd.nextInt(5);
                        Rec rec = kind == 0 ? series(rnd.nextInt(100_000)) : kind == 1 ? extras(rnd)
                                : kind == 2 ? new BackfillSamples(samples(rnd, 1 + rnd.nextInt(500), ts += 15_000))
                                : samples(rnd, 1 + rnd.nextInt(500), ts += 15_000);
                        append(writer, rec);
                        expected.add(rec);
                    }
                    long end = writer.commit();
                    assertTrue(end > committed);
                    assertEquals(end, writer.committedPosition());
                    committed = end;
                }
            }
        }
        long segments = WalDirectory.listSegments(dir).length;
        assertTrue(segments > 4, "expected several rollovers, got " + segments + " segments");
        assertEquals(expected, readAll(dir, committed));
        assertEquals(expected, readAll(dir, WalReader.NO_LIMIT));
    }

    @Test
    void readerResumesFromAnyRecordPosition() throws Exception {
        WalOptions options = WalOptions.defaults().withSegmentSize(8 * 1024).withFsync(FsyncPolicy.NEVER, java.time.Duration.ZERO);
        List<Rec> expected = new ArrayList<>();
        long end;
        try (WalWriter writer = WalWriter.open(dir, options)) {
            for (int i = 0; i < 300; i++) {
                Rec rec = series(i);
                append(writer, rec);
                expected.add(rec);
                writer.commit();
            }
            end = writer.committedPosition();
        }
        List<Long> starts = recordStarts(dir);
        assertEquals(expected.size(), starts.size());
        for (int i = 0; i < starts.size(); i += 37) {
            Collector c = new Collector();
            try (WalReader reader = WalReader.open(dir, starts.get(i))) {
                while (reader.read(c, end, 64) > 0) { }
                assertEquals(end, reader.position());
            }
            assertEquals(expected.subList(i, expected.size()), c.records);
        }
    }

    @Test
    void oversizedBatchIsRejectedBeforeAnythingIsWritten() throws Exception {
        WalOptions options = WalOptions.defaults().withSegmentSize(4096);
        try (WalWriter writer = WalWriter.open(dir, options)) {
            Samples big = samples(new SplittableRandom(1), 1000, 0);
            assertThrows(IllegalArgumentException.class, () -> append(writer, big));
            append(writer, series(1));
            writer.commit();
        }
        assertEquals(List.of(series(1)), readAll(dir, WalReader.NO_LIMIT));
    }
}
