package io.weir.persistence.snapshot;

import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalPosition;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.persistence.wal.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The snapshot directory checks (a table of corruption cases), the decoders under fuzzing, and WAL continuation. */
class SnapshotStoreTest {
    @TempDir
    Path tmp;

    private Path snapshot(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        List<SnapshotManifest.FileEntry> files = new ArrayList<>();
        for (String f : new String[] {"series.zst", "shard-0.zst"}) {
            byte[] body = (f + " body").repeat(50).getBytes(StandardCharsets.UTF_8);
            Files.write(dir.resolve(f), body);
            CRC32C crc = new CRC32C();
            crc.update(body);
            files.add(new SnapshotManifest.FileEntry(f, body.length, (int) crc.getValue()));
        }
        SnapshotManifest m = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, "node-a", 1, WalPosition.of(3, 4096), 10, 1_700_000_000_000L, files);
        Files.writeString(dir.resolve(SnapshotManifest.FILE_NAME), m.text());
        return dir;
    }

    private void corrupt(String what, Consumer<Path> damage, String expected) throws IOException {
        Path dir = snapshot(what);
        SnapshotStore.verify(dir);
        damage.accept(dir);
        SnapshotCorruptException e = assertThrows(SnapshotCorruptException.class, () -> SnapshotStore.verify(dir), what);
        assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    }

    private static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    interface IoAction {
        void run() throws IOException;
    }

    @Test
    void everyKindOfDamageIsNamed() throws IOException {
        SnapshotManifest ok = SnapshotStore.verify(snapshot("fine"));
        assertEquals(WalPosition.of(3, 4096), ok.walPosition());
        assertEquals("node-a", ok.nodeId());
        corrupt("no-manifest", d -> io(() -> Files.delete(d.resolve("MANIFEST"))), "no MANIFEST");
        corrupt("torn-manifest", d -> io(() -> Files.write(d.resolve("MANIFEST"), Arrays.copyOf(read(d.resolve("MANIFEST")), 30))), "truncated");
        corrupt("flipped-manifest", d -> io(() -> flip(d.resolve("MANIFEST"), 20)), "checksum mismatch");
        corrupt("missing-file", d -> io(() -> Files.delete(d.resolve("shard-0.zst"))), "shard-0.zst is missing");
        corrupt("short-file", d -> io(() -> Files.write(d.resolve("series.zst"), Arrays.copyOf(read(d.resolve("series.zst")), 10))), "has 10 bytes");
        corrupt("flipped-file", d -> io(() -> flip(d.resolve("shard-0.zst"), 100)), "shard-0.zst checksum mismatch");
        corrupt("future-version", d -> io(() -> {
            SnapshotManifest m = SnapshotManifest.read(d);
            Files.writeString(d.resolve("MANIFEST"), new SnapshotManifest(SnapshotManifest.FORMAT_VERSION + 1, m.nodeId(),
                    m.shardCount(), m.walPosition(), m.seriesCount(), m.createdMillis(), m.files()).text());
        }), "format version " + (SnapshotManifest.FORMAT_VERSION + 1));
    }

    private static byte[] read(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    private static void flip(Path p, int at) throws IOException {
        byte[] b = Files.readAllBytes(p);
        b[at] ^= 0x10;
        Files.write(p, b);
    }

    @Test
    void namesSortByPositionAndPruneKeepsTheNewest() throws IOException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("snaps"));
        assertEquals(-1, store.newestPosition());
        for (long pos : new long[] {WalPosition.of(0, 500), WalPosition.of(2, 24), WalPosition.of(1, 9000)}) {
            Files.createDirectories(store.root().resolve(SnapshotStore.name(pos, 1_700_000_000_000L + pos % 7)));
        }
        Files.createDirectories(store.root().resolve(".tmp-" + SnapshotStore.name(WalPosition.of(3, 24), 1_700_000_000_000L)));
        assertEquals(1, store.removeTemporaries());
        assertEquals(WalPosition.of(2, 24), store.newestPosition());
        assertEquals(WalPosition.of(0, 500), store.oldestPosition());
        assertEquals(1, store.prune(2));
        assertEquals(WalPosition.of(1, 9000), store.oldestPosition());
        assertEquals(null, store.resolve("../etc"));
    }

    @Test
    void manifestParserRefusesGarbageWithItsOwnException() throws IOException {
        String text = SnapshotManifest.read(snapshot("fuzz")).text();
        Random random = new Random(42);
        for (int round = 0; round < 5_000; round++) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                b = Arrays.copyOf(b, random.nextInt(b.length));
            }
            try {
                SnapshotManifest.parse(tmp, new String(b, StandardCharsets.UTF_8));
            } catch (SnapshotCorruptException expected) {
                // a clear error, nothing else
            }
        }
    }

    @Test
    void seriesListRoundTripsAndRefusesGarbage() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SeriesTable table = SeriesTable.open(tmp.resolve("series"), 1024)) {
            for (int i = 0; i < 50; i++) {
                table.getOrCreate(CanonicalLabels.of("__name__", "m", "i", Integer.toString(i)));
            }
            SeriesListCodec.write(table, 40, out);
        }
        byte[] good = out.toByteArray();
        List<byte[]> got = new ArrayList<>();
        assertEquals(40, SeriesListCodec.read(new ByteArrayInputStream(good), (id, labels) -> {
            assertEquals(got.size(), id);
            got.add(labels);
        }));
        assertArrayEquals(CanonicalLabels.of("__name__", "m", "i", "39"), got.get(39));
        Random random = new Random(7);
        for (int round = 0; round < 5_000; round++) {
            byte[] b = good.clone();
            for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(4) == 0) {
                b = Arrays.copyOf(b, random.nextInt(b.length));
            }
            try {
                SeriesListCodec.read(new ByteArrayInputStream(b), (id, labels) -> { });
            } catch (IOException expected) {
                // a clear error, nothing else
            }
        }
    }

    @Test
    void aWalCreatedAfterASnapshotPositionContinuesAfterIt() throws IOException {
        long position = WalPosition.of(5, 7777);
        Path wal = tmp.resolve("wal");
        try (WalWriter w = WalWriter.createAfter(wal, WalOptions.defaults(), position)) {
            assertEquals(6, WalPosition.segment(w.committedPosition()));
            w.appendSamples(2, new int[] {1, 2}, new long[] {10, 20}, new double[] {1.5, 2.5});
            w.commit();
        }
        assertThrows(IOException.class, () -> WalWriter.createAfter(wal, WalOptions.defaults(), position), "not empty");
        // a reader starting at the snapshot's position finds its (empty) segment and reads on into the next
        int[] samples = {0};
        try (WalWriter w = WalWriter.open(wal, WalOptions.defaults()); WalReader r = WalReader.open(wal, position)) {
            while (r.read(counter(samples), w.committedPosition(), 100) > 0) {
                // all
            }
            // a log behind a snapshot moves past it
            assertEquals(false, w.skipPast(position));
            assertTrue(w.skipPast(WalPosition.of(9, 100)));
            assertEquals(10, w.activeSegment());
        }
        assertEquals(2, samples[0]);
    }

    private static WalVisitor counter(int[] samples) {
        return new WalVisitor() {
            @Override
            public void onSeries(int seriesId, byte[] labels, int off, int len) { }

            @Override
            public void onSamples(int count, int[] ids, long[] ts, double[] values) {
                samples[0] += count;
            }

            @Override
            public void onBackfillSamples(int count, int[] ids, long[] ts, double[] values) {
                onSamples(count, ids, ts, values);
            }

            @Override
            public void onExtras(byte[] fields, int off, int len) {
                // histograms, exemplars and metadata: forwarded from the WAL, never summarised by sketches
            }
        };
    }
}
