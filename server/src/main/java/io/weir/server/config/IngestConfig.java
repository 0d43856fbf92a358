package io.weir.server.config;

import io.weir.net.relabel.RelabelRule;

import java.util.List;

/**
 * The {@code ingest} section: sizes of the write path, with defaults computed from the machine (cores) so that an
 * unconfigured node fits the box it runs on. Validated by {@link ConfigLoader}. (Query threads are
 * {@code query.max_concurrency}, one concept in one place.)
 *
 * @param shards        shard writers (sketch shards); a power of two in [1, 256]
 * @param ringSlots     ingest ring slots; a power of two in [8, 2^20]; a full ring answers 429
 * @param batchCapacity samples per ring slot, in [16, 65536]
 * @param relabelConfigs {@code relabel_configs} applied to every series of remote write, OTLP and scrapes before
 *                       the WAL; empty (the default) = off
 */
public record IngestConfig(int shards, int ringSlots, int batchCapacity, List<RelabelRule> relabelConfigs) {
    public static final int DEFAULT_RING_SLOTS = 1024;
    public static final int DEFAULT_BATCH_CAPACITY = 2048;
    public static final int MAX_SHARDS = 256;

    public IngestConfig {
        relabelConfigs = List.copyOf(relabelConfigs);
    }

    /** Sizes without relabeling. */
    public IngestConfig(int shards, int ringSlots, int batchCapacity) {
        this(shards, ringSlots, batchCapacity, List.of());
    }

    /** Defaults for this machine. */
    public static IngestConfig defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new IngestConfig(defaultShards(cores), DEFAULT_RING_SLOTS, DEFAULT_BATCH_CAPACITY);
    }

    /**
     * One shard writer per two cores, a power of two: the event loops (one per core, mostly idle between requests)
     * and the journaler need the rest. On 2 cores: 1 shard.
     */
    public static int defaultShards(int cores) {
        return Math.min(MAX_SHARDS, Integer.highestOneBit(Math.max(1, cores / 2)));
    }
}
