package io.weir.persistence.snapshot;

import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * {@code weir restore}: turns a snapshot into a data dir that {@code weir serve} starts from. The snapshot is
 * checked completely, copied into {@code <data dir>/snapshots}, and a WAL is created whose positions continue after
 * the snapshot's, so the node replays nothing and its own later snapshots and the forwarder see one consistent log.
 * The series table is left out: start-up rebuilds it from the snapshot's series list.
 */
public final class SnapshotRestore {
    private SnapshotRestore() {}

    /** @return the snapshot directory inside the new data dir */
    public static Path restore(Path snapshotDir, Path dataDir) throws IOException {
        SnapshotManifest m = SnapshotStore.verify(snapshotDir);
        if (Files.exists(dataDir)) {
            if (!Files.isDirectory(dataDir)) {
                throw new IOException("data dir " + dataDir + " exists and is not a directory");
            }
            try (Stream<Path> s = Files.list(dataDir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("data dir " + dataDir + " is not empty; restore only into a new or empty directory");
                }
            }
        }
        Files.createDirectories(dataDir);
        SnapshotStore store = new SnapshotStore(dataDir.resolve("snapshots"));
        String name = SnapshotStore.name(m.walPosition(), m.createdMillis());
        Path tmp = store.root().resolve(SnapshotStore.TEMP_PREFIX + name);
        Files.createDirectories(tmp);
        for (SnapshotManifest.FileEntry f : m.files()) {
            Files.copy(snapshotDir.resolve(f.name()), tmp.resolve(f.name()), StandardCopyOption.COPY_ATTRIBUTES);
            SnapshotStore.fsyncFile(tmp.resolve(f.name()));
        }
        Files.copy(snapshotDir.resolve(SnapshotManifest.FILE_NAME), tmp.resolve(SnapshotManifest.FILE_NAME));
        SnapshotStore.fsyncFile(tmp.resolve(SnapshotManifest.FILE_NAME));
        Path dir = store.root().resolve(name);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        SnapshotStore.fsyncDirectory(store.root());
        WalWriter.createAfter(dataDir.resolve("wal"), WalOptions.defaults(), m.walPosition()).close();
        SnapshotStore.verify(dir);
        return dir;
    }
}
