package io.weir.persistence.snapshot;

import java.nio.file.Path;

/**
 * A snapshot that was written.
 *
 * @param copyNanos  the longest time one shard writer spent copying its state (its ingest paused that long)
 * @param writeNanos encoding, compressing and writing on the snapshot thread (ingest flowing)
 * @param stateBytes uncompressed sketch state copied
 * @param fileBytes  bytes of the files written
 */
public record SnapshotInfo(String name, Path path, SnapshotManifest manifest, long copyNanos, long writeNanos,
                           long stateBytes, long fileBytes) {
}
