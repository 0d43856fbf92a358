package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTailingTest {
    @TempDir
    Path dir;

    @Test
    void readerTailingALiveWriterSeesEveryRecordOnceInOrder() throws Exception {
        WalOptions options = WalOptions.defaults().withSegmentSize(32 * 1024).withFsync(FsyncPolicy.NEVER, Duration.ZERO);
        List<Rec> written = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        try (WalWriter writer = WalWriter.open(dir, options)) {
            Collector seen = new Collector();
            CompletableFuture<Long> tail = CompletableFuture.supplyAsync(() -> {
                try (WalReader reader = WalReader.open(dir, WalReader.OLDEST)) {
                    long calls = 0;
                    while (true) {
                        boolean finished = done.get(); // read before the limit: after done, one last pass drains
                        long limit = writer.committedPosition();
                        while (reader.read(seen, limit, 16) > 0) {
                            assertTrue(reader.position() <= limit, "read beyond committed position");
                        }
                        assertEquals(limit, reader.position());
                        calls++;
                        if (finished) {
                            return calls;
                        }
                        Thread.onSpinWait();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            SplittableRandom rnd = new SplittableRandom(11);
            for (int i = 0; i < 3000; i++) {
                int kind = rnd.nextInt(5);
                Rec rec = kind == 0 ? series(i) : kind == 1 ? extras(rnd) : samples(rnd, 1 + rnd.nextInt(100), i * 1000L);
                append(writer, rec);
                written.add(rec);
                if (rnd.nextInt(3) == 0) {
                    writer.commit();
                }
            }
            writer.commit();
            done.set(true);
            long polls = tail.get(60, TimeUnit.SECONDS);
            assertEquals(written.size(), seen.records.size());
            assertEquals(written, seen.records);
            assertTrue(writer.segmentsCreated() > 3, "tailing must cross segments");
            System.out.println("tailing reader: " + polls + " polls, " + writer.segmentsCreated() + " segments");
        }
    }
}
