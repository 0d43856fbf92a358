package io.weir.persistence.snapshot;

import io.weir.persistence.wal.WalPosition;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What a snapshot directory holds, written last (after every data file is fsynced) so that a directory with a
 * valid manifest names only complete files. A text file, one field per line, ending in a CRC32C of the lines
 * above it:
 * <pre>
 *   weir-snapshot 1
 *   node 6f1c...                 the node that took it
 *   shard_count 2
 *   wal_position 4294967320      every sample logged before this position is in the snapshot, none after
 *   series 1234                  series ids 0..series-1 are in the series file
 *   created_ms 1764561234567
 *   file series.zst 1234 0a1b2c3d
 *   file shard-0.zst 5678 4e5f6a7b
 *   checksum 89abcdef
 * </pre>
 */
public record SnapshotManifest(int formatVersion, String nodeId, int shardCount, long walPosition, int seriesCount,
                               long createdMillis, List<FileEntry> files) {
    public static final String FILE_NAME = "MANIFEST";
    /**
     * 7: quantile and frequency blocks carry the most counters or slots they may grow to (their tables start small
     * and grow with the data; before, the field was unset and every block had its spec's full size); 6: the last exact-samples checkpoint carries the moments of the samples after it, kept as they come (before, its
     * moment fields were unset until the next checkpoint); 5: exact-samples checkpoints carry the moments of the chunk after them (88 bytes instead of 32); 4: exact-samples streams gained decimal step codes (a 3-bit scale in the stream start, the checkpoints and the
     * header); 3: quantile and frequency blocks moved onto the shared bucket ring (new header and bucket offsets); 2: exact-samples
     * blocks gained checkpoints (a 128-byte header). An older snapshot is refused, and recovery falls back.
     */
    public static final int FORMAT_VERSION = 7;
    static final String MAGIC = "weir-snapshot";

    /** One data file: its name in the snapshot directory, byte size and CRC32C of its bytes as stored. */
    public record FileEntry(String name, long size, int crc32c) {}

    public SnapshotManifest {
        files = List.copyOf(files);
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(MAGIC).append(' ').append(formatVersion).append('\n');
        sb.append("node ").append(nodeId).append('\n');
        sb.append("shard_count ").append(shardCount).append('\n');
        sb.append("wal_position ").append(walPosition).append('\n');
        sb.append("series ").append(seriesCount).append('\n');
        sb.append("created_ms ").append(createdMillis).append('\n');
        for (FileEntry f : files) {
            sb.append("file ").append(f.name()).append(' ').append(f.size()).append(' ').append(hex(f.crc32c())).append('\n');
        }
        CRC32C crc = new CRC32C();
        crc.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        sb.append("checksum ").append(hex((int) crc.getValue())).append('\n');
        return sb.toString();
    }

    public FileEntry file(String name) {
        for (FileEntry f : files) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    static String hex(int v) {
        return String.format("%08x", v);
    }

    /** @throws SnapshotCorruptException when the manifest is missing, torn or malformed */
    public static SnapshotManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SnapshotCorruptException(dir, "no " + FILE_NAME);
        }
        return parse(dir, new String(bytes, StandardCharsets.UTF_8));
    }

    static SnapshotManifest parse(Path dir, String text) throws SnapshotCorruptException {
        int last = text.lastIndexOf("checksum ");
        if (last < 0 || !text.endsWith("\n")) {
            throw new SnapshotCorruptException(dir, FILE_NAME + " is truncated (no checksum line)");
        }
        CRC32C crc = new CRC32C();
        crc.update(text.substring(0, last).getBytes(StandardCharsets.UTF_8));
        String stored = text.substring(last + "checksum ".length()).trim();
        if (!stored.equals(hex((int) crc.getValue()))) {
            throw new SnapshotCorruptException(dir, FILE_NAME + " checksum mismatch");
        }
        int version = -1;
        String node = null;
        int shards = -1;
        long position = -1;
        int series = -1;
        long created = -1;
        List<FileEntry> files = new ArrayList<>();
        try {
            for (String line : text.substring(0, last).split("\n")) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case MAGIC -> version = Integer.parseInt(f[1]);
                    case "node" -> node = f[1];
                    case "shard_count" -> shards = Integer.parseInt(f[1]);
                    case "wal_position" -> position = Long.parseLong(f[1]);
                    case "series" -> series = Integer.parseInt(f[1]);
                    case "created_ms" -> created = Long.parseLong(f[1]);
                    case "file" -> {
                        if (f[1].contains("/") || f[1].startsWith(".")) {
                            throw new SnapshotCorruptException(dir, "bad file name " + f[1]);
                        }
                        files.add(new FileEntry(f[1], Long.parseLong(f[2]), Integer.parseUnsignedInt(f[3], 16)));
                    }
                    default -> throw new SnapshotCorruptException(dir, "unknown line in " + FILE_NAME + ": " + line);
                }
            }
        } catch (RuntimeException e) {
            throw new SnapshotCorruptException(dir, "malformed " + FILE_NAME + ": " + e);
        }
        if (version != FORMAT_VERSION) {
            throw new SnapshotCorruptException(dir, "format version " + version + " (this build reads " + FORMAT_VERSION + ")");
        }
        if (node == null || shards < 1 || position < 0 || series < 0 || created < 0) {
            throw new SnapshotCorruptException(dir, FILE_NAME + " lacks a field");
        }
        return new SnapshotManifest(version, node, shards, position, series, created, files);
    }

    @Override
    public String toString() {
        return "snapshot of node " + nodeId + " at WAL " + WalPosition.toString(walPosition) + ", " + seriesCount
                + " series, " + shardCount + " shard(s)";
    }
}
