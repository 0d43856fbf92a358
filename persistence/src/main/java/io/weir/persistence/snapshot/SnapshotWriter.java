package io.weir.persistence.snapshot;

import com.github.luben.zstd.ZstdOutputStream;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.snapshot.SnapshotCut;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CheckedOutputStream;
import java.util.zip.CRC32C;

/**
 * Writes a cut to a new snapshot directory on the snapshot thread: the series list and one file per shard, each
 * zstd-compressed, checksummed and fsynced, then the manifest, then the rename that makes it visible. Owned by one
 * thread at a time.
 */
public final class SnapshotWriter {
    static final String SERIES_FILE = "series.zst";
    private static final int ZSTD_LEVEL = 1;

    private final SnapshotStore store;
    private final String nodeId;
    private final WriteThrottle throttle;

    public SnapshotWriter(SnapshotStore store, String nodeId) {
        this(store, nodeId, WriteThrottle.unlimited());
    }

    /** @param throttle paces every file's write (see {@link WriteThrottle}) */
    public SnapshotWriter(SnapshotStore store, String nodeId, WriteThrottle throttle) {
        this.store = store;
        this.nodeId = nodeId;
        this.throttle = throttle;
    }

    /** The pace for reserving the memory of a snapshot's copy (see {@link WriteThrottle#allocationPace}). */
    public java.util.function.LongConsumer reservePace() {
        return throttle.allocationPace();
    }

    /** Any thread: the write in progress, and every later one, go at full speed (the node is stopping). */
    public void hurry() {
        throttle.lift();
    }

    static String shardFile(int shard) {
        return "shard-" + shard + ".zst";
    }

    /** Writes the cut; the caller still owns (and releases) it. */
    public SnapshotInfo write(SnapshotCut cut, SeriesTable series) throws IOException {
        long t0 = System.nanoTime();
        long created = System.currentTimeMillis();
        String name = SnapshotStore.name(cut.logPosition(), created);
        Path tmp = store.root().resolve(SnapshotStore.TEMP_PREFIX + name);
        Path dir = store.root().resolve(name);
        Files.createDirectories(tmp);
        try {
            List<SnapshotManifest.FileEntry> files = new ArrayList<>();
            files.add(writeFile(tmp, SERIES_FILE, throttle, out -> SeriesListCodec.write(series, cut.seriesInLog(), out)));
            long stateBytes = 0;
            for (int s = 0; s < cut.shardCount(); s++) {
                var state = cut.shard(s);
                stateBytes += state.bytes();
                files.add(writeFile(tmp, shardFile(s), throttle, state::writeTo));
            }
            SnapshotManifest manifest = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, nodeId, cut.shardCount(),
                    cut.logPosition(), cut.seriesInLog(), created, files);
            Path m = tmp.resolve(SnapshotManifest.FILE_NAME);
            Files.writeString(m, manifest.text());
            SnapshotStore.fsyncFile(m);
            SnapshotStore.fsyncDirectory(tmp);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            SnapshotStore.fsyncDirectory(store.root());
            long fileBytes = files.stream().mapToLong(SnapshotManifest.FileEntry::size).sum();
            return new SnapshotInfo(name, dir, manifest, cut.copyNanos(), System.nanoTime() - t0, stateBytes, fileBytes);
        } catch (IOException | RuntimeException e) {
            SnapshotStore.deleteRecursively(tmp);
            throw e;
        }
    }

    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static SnapshotManifest.FileEntry writeFile(Path dir, String name, WriteThrottle throttle, Body body) throws IOException {
        Path file = dir.resolve(name);
        CRC32C crc = new CRC32C();
        try (OutputStream out = new BufferedOutputStream(throttle.pace(new ZstdOutputStream(
                new CheckedOutputStream(Files.newOutputStream(file), crc), ZSTD_LEVEL)), 1 << 16)) {
            body.writeTo(out);
        }
        SnapshotStore.fsyncFile(file);
        return new SnapshotManifest.FileEntry(name, Files.size(file), (int) crc.getValue());
    }
}
