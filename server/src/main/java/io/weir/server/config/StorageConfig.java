package io.weir.server.config;

import io.weir.engine.sketch.Share;
import io.weir.engine.sketch.SketchShard;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code storage} section.
 *
 * @param dataDir          as written (a relative path is relative to the working directory); need not exist yet
 * @param memoryLimitBytes off-heap sketch memory; past it new series are refused (and counted); &gt; 0
 * @param exactMaxBytes    largest block of raw samples a series keeps (exact answers) before its sketches take
 *                         over; 0 turns the exact tier off; else in [256 B, 1 MiB]
 * @param seriesCapacity   series the series table's file is laid out for at creation (it grows past them), &gt;= 1024
 * @param seriesIdleTimeoutMillis a series with no sample for longer than this leaves the series table (its id is
 *                         not reused; it resolves again when it returns); 0 = the default,
 *                         {@link WeirConfig#seriesIdleTimeoutMillis()}; else at least a minute and at least the
 *                         longest sketch window
 * @param slabChunkBytes   off-heap memory a shard's slabs reserve at a time ({@code storage.slab_chunk}), also their
 *                         largest block: a power of two, at least the largest block the config lays out, at most
 *                         {@value #MAX_SLAB_CHUNK_BYTES} and a shard's share of the memory limit
 * @param seriesFreeAfterMillis an expired series keeps its labels (for queries that listed it) at least this long
 *                         ({@code storage.series_free_after}); 0 = the default, {@link WeirConfig#seriesFreeAfterMillis()};
 *                         else at least twice {@code query.timeout}
 * @param exactTailMillis  the shortest tail of exact samples a promoted series keeps beside its sketches
 *                         ({@code storage.exact_tail}: windows it holds are answered exactly); 0 = none; else in
 *                         [1m, 1d]
 * @param exactGrowth      room a rebuilt exact block gets to grow, as a share of its used bytes
 *                         ({@code storage.exact_growth}); in (0, 1]
 * @param exactTailShare   share of its window a promoted series' tail spans when longer than {@code exactTailMillis}
 *                         ({@code storage.exact_tail_share}); in (0, 1/2]
 * @param exactTailBudget  share of the bytes of its series' sketches a tail may take ({@code storage.exact_tail_budget});
 *                         in (0, 1]
 * @param exactKeepBytes   exact blocks up to this size are kept whatever the sketches would take
 *                         ({@code storage.exact_keep_bytes}); past it a series moves to its sketches when they are the
 *                         smaller form; in [0, exact_max_bytes]
 */
public record StorageConfig(Path dataDir, long memoryLimitBytes, long exactMaxBytes, long seriesCapacity,
                            long seriesIdleTimeoutMillis, int slabChunkBytes, long seriesFreeAfterMillis,
                            long exactTailMillis, Share exactGrowth, Share exactTailShare, Share exactTailBudget,
                            long exactKeepBytes) {
    public static final Path DEFAULT_DATA_DIR = Path.of("./data");
    public static final long DEFAULT_MEMORY_LIMIT_BYTES = 4L << 30;
    /** Above the ~213 KiB the sketches of every function take, so a series keeps raw samples wherever they are smaller. */
    public static final long DEFAULT_EXACT_MAX_BYTES = 256L << 10;
    public static final long MAX_EXACT_MAX_BYTES = 1L << 20;
    /**
     * The series table's file is laid out for this many series at once (~190 B each on disk) and grows past it, to
     * at least 4 M series; a node that will hold a million series from the start gets faster misses by setting
     * {@code storage.series_capacity} to that.
     */
    public static final long DEFAULT_SERIES_CAPACITY = 1L << 16;
    public static final long MIN_SERIES_IDLE_TIMEOUT_MILLIS = 60_000;
    /**
     * 1 MiB: holds every block the defaults lay out (aggregate <= 16 KiB, quantile 48 KiB, frequency 128 KiB, exact
     * samples 256 KiB) and any block the bucket budgets and {@code exact_max_bytes} allow, in steps small against the
     * 4 GiB default memory limit.
     */
    public static final int DEFAULT_SLAB_CHUNK_BYTES = 1 << 20;
    /** The largest chunk a slab arena takes: chunk sizes are ints, and the next power of two is not one. */
    public static final int MAX_SLAB_CHUNK_BYTES = 1 << 30;
    /** 10 minutes: the last 5 minutes of a long window stay exact for a query up to 5 minutes old. */
    public static final long DEFAULT_EXACT_TAIL_MILLIS = SketchShard.DEFAULT_TAIL_MIN_MS;
    public static final long MIN_EXACT_TAIL_MILLIS = 60_000L;
    public static final long MAX_EXACT_TAIL_MILLIS = 86_400_000L;
    /** 1/8: a steady exact series is rebuilt about every eighth of its window (the trade-off in {@link SketchShard}). */
    public static final Share DEFAULT_EXACT_GROWTH = SketchShard.DEFAULT_EXACT_GROWTH;
    /** 1/36: a 27.8 h window keeps 46 minutes of raw samples beside its sketches. */
    public static final Share DEFAULT_EXACT_TAIL_SHARE = SketchShard.DEFAULT_TAIL_WINDOW_SHARE;
    public static final Share MAX_EXACT_TAIL_SHARE = SketchShard.MAX_TAIL_WINDOW_SHARE;
    /** 1/4: a tail adds at most a quarter to the memory of a promoted series. */
    public static final Share DEFAULT_EXACT_TAIL_BUDGET = SketchShard.DEFAULT_TAIL_BUDGET;
    /** 64 KiB: see {@link SketchShard#DEFAULT_EXACT_KEEP_BYTES}. */
    public static final long DEFAULT_EXACT_KEEP_BYTES = SketchShard.DEFAULT_EXACT_KEEP_BYTES;

    public StorageConfig(Path dataDir, long memoryLimitBytes) {
        this(dataDir, memoryLimitBytes, DEFAULT_EXACT_MAX_BYTES, DEFAULT_SERIES_CAPACITY);
    }

    public StorageConfig(Path dataDir, long memoryLimitBytes, long exactMaxBytes, long seriesCapacity) {
        this(dataDir, memoryLimitBytes, exactMaxBytes, seriesCapacity, 0, DEFAULT_SLAB_CHUNK_BYTES, 0, DEFAULT_EXACT_TAIL_MILLIS,
                DEFAULT_EXACT_GROWTH, DEFAULT_EXACT_TAIL_SHARE, DEFAULT_EXACT_TAIL_BUDGET, DEFAULT_EXACT_KEEP_BYTES);
    }

    public StorageConfig withDataDir(Path newDataDir) {
        return new StorageConfig(newDataDir, memoryLimitBytes, exactMaxBytes, seriesCapacity, seriesIdleTimeoutMillis,
                slabChunkBytes, seriesFreeAfterMillis, exactTailMillis, exactGrowth, exactTailShare, exactTailBudget, exactKeepBytes);
    }

    public StorageConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(exactGrowth, "exactGrowth");
        Objects.requireNonNull(exactTailShare, "exactTailShare");
        Objects.requireNonNull(exactTailBudget, "exactTailBudget");
    }

    public static StorageConfig defaults() {
        return new StorageConfig(DEFAULT_DATA_DIR, DEFAULT_MEMORY_LIMIT_BYTES);
    }
}
