package io.weir.server.config;

import io.weir.net.scrape.ScrapeJob;

import java.util.List;
import java.util.Objects;

/**
 * A node's whole configuration, validated by {@link ConfigLoader}: code that receives one does not re-check it.
 * Immutable.
 */
public record WeirConfig(ServerConfig server, StorageConfig storage, WalConfig wal, BackendConfig backend,
                         SketchConfig sketch, List<ScrapeJob> scrapeConfigs, LogConfig log,
                         io.weir.net.ingest.IngestLimits.Config limits, QueryConfig query,
                         IngestConfig ingest, SnapshotConfig snapshot) {
    public WeirConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(sketch, "sketch");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(snapshot, "snapshot");
        scrapeConfigs = List.copyOf(scrapeConfigs);
    }

    /** A config without scrape jobs, with default logging, limits, query limits and ingest sizes (from the machine). */
    public WeirConfig(ServerConfig server, StorageConfig storage, WalConfig wal, BackendConfig backend, SketchConfig sketch) {
        this(server, storage, wal, backend, sketch, List.of(), LogConfig.defaults(), io.weir.net.ingest.IngestLimits.Config.defaults(),
                QueryConfig.defaults(), IngestConfig.defaults(), SnapshotConfig.defaults());
    }

    /** A series table entry outlives its sketches by default: at least an hour, and twice the longest window. */
    public static final long MIN_DEFAULT_SERIES_IDLE_TIMEOUT_MILLIS = 3_600_000;

    /**
     * How long a series may go without a sample before it leaves the series table: {@code storage.series_idle_timeout},
     * or by default the larger of 1h and twice the longest sketch window (a series leaves its sketches after its
     * window, so the table entry always outlives them).
     */
    public long seriesIdleTimeoutMillis() {
        if (storage.seriesIdleTimeoutMillis() > 0) {
            return storage.seriesIdleTimeoutMillis();
        }
        return Math.max(MIN_DEFAULT_SERIES_IDLE_TIMEOUT_MILLIS, 2 * sketch.longestWindowMillis());
    }

    /**
     * An expired series keeps its labels at least this long, so that a query that listed it just before it expired
     * can still name it: {@code storage.series_free_after}, or by default the larger of 5m and twice
     * {@code query.timeout}.
     */
    public long seriesFreeAfterMillis() {
        if (storage.seriesFreeAfterMillis() > 0) {
            return storage.seriesFreeAfterMillis();
        }
        return Math.max(MIN_DEFAULT_SERIES_FREE_AFTER_MILLIS, 2 * query.timeoutMillis());
    }

    /** The default of {@code storage.series_free_after} unless twice {@code query.timeout} is longer. */
    public static final long MIN_DEFAULT_SERIES_FREE_AFTER_MILLIS = 300_000;

    public WeirConfig withLog(LogConfig newLog) {
        return new WeirConfig(server, storage, wal, backend, sketch, scrapeConfigs, newLog, limits, query, ingest, snapshot);
    }

    /** The embedded defaults: listen {@code :9201}, data dir {@code ./data}, no backend, no sketch targets. */
    public static WeirConfig defaults() {
        return new WeirConfig(ServerConfig.defaults(), StorageConfig.defaults(), WalConfig.defaults(),
                BackendConfig.defaults(), SketchConfig.defaults());
    }
}
