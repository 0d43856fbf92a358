package io.weir.persistence.snapshot;

import io.weir.persistence.wal.WalPosition;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The snapshot directories of a node ({@code <data dir>/snapshots}): each snapshot is a directory
 * {@code snapshot-<WAL position, 16 hex>-<created ms>} holding its data files and {@link SnapshotManifest}. A
 * snapshot is written under a {@code .tmp-} name and renamed when complete, so a crash mid-write leaves only a
 * temporary directory, which {@link #removeTemporaries} deletes. Names sort oldest to newest.
 */
public final class SnapshotStore {
    private static final System.Logger LOG = System.getLogger(SnapshotStore.class.getName());
    static final String PREFIX = "snapshot-";
    static final String TEMP_PREFIX = ".tmp-";
    private static final Pattern NAME = Pattern.compile("snapshot-[0-9a-f]{16}-[0-9]{13}");

    private final Path root;

    public SnapshotStore(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
    }

    public Path root() { return root; }

    public static String name(long walPosition, long createdMillis) {
        return String.format("%s%016x-%013d", PREFIX, walPosition, createdMillis);
    }

    public static boolean isName(String name) {
        return NAME.matcher(name).matches();
    }

    /** The directory of a snapshot by name, or null for a name that is not a snapshot's (never a path outside). */
    public Path resolve(String name) {
        return isName(name) ? root.resolve(name) : null;
    }

    /** Deletes directories left by a snapshot write that never finished (a crash). @return how many */
    public int removeTemporaries() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
            for (Path p : ds) {
                LOG.log(System.Logger.Level.INFO, "removing unfinished snapshot " + p);
                deleteRecursively(p);
                n++;
            }
        }
        return n;
    }

    /** Snapshot directories, newest first (by WAL position, then creation time). */
    public List<Path> newestFirst() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, PREFIX + "*")) {
            for (Path p : ds) {
                if (isName(p.getFileName().toString()) && Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        return out;
    }

    /** WAL position named by a snapshot directory name. */
    public static long positionOf(Path dir) {
        return Long.parseUnsignedLong(dir.getFileName().toString().substring(PREFIX.length(), PREFIX.length() + 16), 16);
    }

    /**
     * Checks a snapshot directory completely: manifest, and every file it names present with its size and
     * checksum. Reads every byte.
     *
     * @throws SnapshotCorruptException naming what is wrong
     */
    public static SnapshotManifest verify(Path dir) throws IOException {
        SnapshotManifest m = SnapshotManifest.read(dir);
        byte[] buf = new byte[1 << 16];
        for (SnapshotManifest.FileEntry f : m.files()) {
            Path p = dir.resolve(f.name());
            if (!Files.isRegularFile(p)) {
                throw new SnapshotCorruptException(dir, "file " + f.name() + " is missing");
            }
            long size = Files.size(p);
            if (size != f.size()) {
                throw new SnapshotCorruptException(dir, "file " + f.name() + " has " + size + " bytes, manifest says " + f.size());
            }
            CRC32C crc = new CRC32C();
            try (InputStream in = Files.newInputStream(p)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    crc.update(buf, 0, n);
                }
            }
            if ((int) crc.getValue() != f.crc32c()) {
                throw new SnapshotCorruptException(dir, "file " + f.name() + " checksum mismatch");
            }
        }
        return m;
    }

    /** Deletes all but the newest {@code keep} snapshots. @return how many were deleted */
    public int prune(int keep) throws IOException {
        List<Path> all = newestFirst();
        int n = 0;
        for (int i = keep; i < all.size(); i++) {
            deleteRecursively(all.get(i));
            n++;
        }
        if (n > 0) {
            fsyncDirectory(root);
        }
        return n;
    }

    /** The WAL position of the newest snapshot directory, or -1 when there is none. */
    public long newestPosition() throws IOException {
        List<Path> all = newestFirst();
        return all.isEmpty() ? -1 : positionOf(all.getFirst());
    }

    /**
     * The WAL position of the oldest snapshot kept, or -1 when there is none: the WAL after it must stay, so
     * that start-up can fall back to any kept snapshot (the newest may turn out unreadable) and replay from it.
     */
    public long oldestPosition() throws IOException {
        List<Path> all = newestFirst();
        return all.isEmpty() ? -1 : positionOf(all.getLast());
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "snapshots in " + root;
    }

    static String describe(long position) {
        return WalPosition.toString(position);
    }
}
