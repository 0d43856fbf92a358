package io.weir.persistence.wal;

import java.io.IOException;
import java.nio.file.Path;

/** Committed WAL bytes are damaged where skipping them would lose acknowledged data. */
public final class WalCorruptionException extends IOException {
    private final Path segment;
    private final long offset;

    public WalCorruptionException(Path segment, long offset, String reason) {
        super("corrupt WAL segment " + segment + " at offset " + offset + ": " + reason);
        this.segment = segment;
        this.offset = offset;
    }

    public Path segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }
}
