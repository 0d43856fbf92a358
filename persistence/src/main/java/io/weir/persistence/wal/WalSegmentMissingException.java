package io.weir.persistence.wal;

import java.io.IOException;
import java.nio.file.Path;

/** A reader needs a segment that is not on disk: deleted under its position, or a gap in the numbering. */
public final class WalSegmentMissingException extends IOException {
    public WalSegmentMissingException(Path segment, String why) {
        super("WAL segment " + segment + " is missing: " + why);
    }
}
