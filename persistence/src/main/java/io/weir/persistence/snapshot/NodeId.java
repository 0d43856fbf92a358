package io.weir.persistence.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** The node's identity, kept in {@code <data dir>/node.id}, so a snapshot names the node it came from. */
public final class NodeId {
    static final String FILE_NAME = "node.id";

    private NodeId() {}

    /** Reads the id, creating one for a new data dir. */
    public static String loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            String id = Files.readString(file).trim();
            if (id.matches("[0-9a-f-]{36}")) {
                return id;
            }
        }
        String id = UUID.randomUUID().toString();
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, id + "\n");
        SnapshotStore.fsyncFile(tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return id;
    }
}
