package io.weir.server.config;

import java.util.Objects;

/**
 * A node's whole configuration, validated by {@link ConfigLoader}: code that receives one does not re-check it.
 * Immutable.
 */
public record WeirConfig(ServerConfig server, StorageConfig storage, WalConfig wal, BackendConfig backend,
                         SketchConfig sketch, SnapshotConfig snapshot) {
    public WeirConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(sketch, "sketch");
        Objects.requireNonNull(snapshot, "snapshot");
    }

    /** The embedded defaults: listen {@code :9201}, data dir {@code ./data}, no backend, no sketch targets. */
    public static WeirConfig defaults() {
        return new WeirConfig(ServerConfig.defaults(), StorageConfig.defaults(), WalConfig.defaults(),
                BackendConfig.defaults(), SketchConfig.defaults(), SnapshotConfig.defaults());
    }
}
