package io.weir.persistence.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/** A snapshot directory that cannot be used: missing or torn manifest, a file missing, of the wrong size or checksum. */
public final class SnapshotCorruptException extends IOException {
    public SnapshotCorruptException(Path dir, String why) {
        super("snapshot " + dir + ": " + why);
    }

    public SnapshotCorruptException(Path dir, String why, Throwable cause) {
        super("snapshot " + dir + ": " + why, cause);
    }
}
