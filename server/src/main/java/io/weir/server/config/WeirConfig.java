package io.weir.server.config;

import java.util.Objects;

/**
 * A node's whole configuration, validated by {@link ConfigLoader}: code that receives one does not re-check it.
 * Immutable.
 */
public record WeirConfig(ServerConfig server, StorageConfig storage, WalConfig wal, BackendConfig backend,
                         SketchConfig sketch, LogConfig log, io.weir.net.ingest.IngestLimits.Config limits) {
    public WeirConfig(ServerConfig server, StorageConfig storage, WalConfig wal, BackendConfig backend, SketchConfig sketch) {
        this(server, storage, wal, backend, sketch, LogConfig.defaults(), io.weir.net.ingest.IngestLimits.Config.defaults());
    }

    public WeirConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(sketch, "sketch");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(limits, "limits");
    }

    public WeirConfig withLog(LogConfig newLog) {
        return new WeirConfig(server, storage, wal, backend, sketch, newLog, limits);
    }

    /** The embedded defaults: listen {@code :9201}, data dir {@code ./data}, no backend, no sketch targets. */
    public static WeirConfig defaults() {
        return new WeirConfig(ServerConfig.defaults(), StorageConfig.defaults(), WalConfig.defaults(),
                BackendConfig.defaults(), SketchConfig.defaults());
    }
}
