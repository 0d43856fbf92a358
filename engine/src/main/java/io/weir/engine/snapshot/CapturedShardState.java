package io.weir.engine.snapshot;

import java.io.IOException;
import java.io.OutputStream;

/** One shard's state as copied at a cut, owned by the snapshot thread from then on. Close it to free the copy. */
public interface CapturedShardState extends AutoCloseable {
    /** Series-family states in the copy. */
    int entries();

    /** Bytes of state in the copy. */
    long bytes();

    /** Encodes the copy (uncompressed; the snapshot file compresses). */
    void writeTo(OutputStream out) throws IOException;

    @Override
    void close();
}
