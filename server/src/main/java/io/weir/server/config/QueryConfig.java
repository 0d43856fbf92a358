package io.weir.server.config;

/**
 * The {@code query} section: limits every query runs under.
 *
 * @param timeoutMillis   a query's deadline (also the cap on a request's {@code timeout} parameter); past it 503
 *                        {@code timeout} and the evaluation stops
 * @param maxConcurrency  queries evaluated at once; as many more wait in a bounded queue, past that 503
 * @param maxSeries       series one query may read from sketches; past it 422
 * @param maxSamples      points (series x steps) one query may read from sketches; past it 422, as Prometheus'
 *                        {@code query.max-samples}
 * @param readParallelism threads that read one leaf's series at once, the query's own thread included; the
 *                        others come from a pool of that many - 1 threads shared by all queries. Default: the
 *                        cores, so a query on an idle node reads on all of them (a busy node's query thread reads
 *                        what no pool thread took, so it never waits for the pool)
 * @param cacheBytes      the most range-query results kept for the next request of the same panel may take
 *                        ({@code query.cache_size}); 0 keeps none
 * @param cacheOffsetMillis how far behind the clock a range result's steps must be to be kept
 *                        ({@code query.cache_offset}): samples older than that are not expected any more, and one
 *                        that comes anyway drops the kept results that select its series
 * @param keptStateBytes  the heap reads may keep per series for the next read (decoded labels, label sets, the cut of
 *                        the last exact read; {@code query.kept_state_size}): past it, the state of series not read
 *                        lately is let go ({@code KeptStateSweep})
 */
public record QueryConfig(long timeoutMillis, int maxConcurrency, long maxSeries, long maxSamples, int readParallelism,
                          long cacheBytes, long cacheOffsetMillis, long keptStateBytes) {
    public static final long DEFAULT_TIMEOUT_MILLIS = 120_000;
    /**
     * Holds ~200 dashboard panels of 50 series x 1,440 steps, and a day of 1,000 series at 60 s steps with its points
     * written out (a result may take a quarter: ~56 MB for that one); 64 MiB kept such a panel as values only, whose
     * points were then formatted again at every refresh (57-70 ms against 99-112 ms a request, docs/benchmarks.md).
     */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;
    /** As VictoriaMetrics' {@code -search.cacheTimestampOffset}. */
    public static final long DEFAULT_CACHE_OFFSET_MILLIS = 5 * 60_000L;
    /**
     * ~500,000 series' read state at ~520 bytes each (three labels; more with more labels): every series of the
     * dashboards of a large node, an eighth of the default heap.
     */
    public static final long DEFAULT_KEPT_STATE_BYTES = 256L << 20;
    public static final long MAX_CACHE_OFFSET_MILLIS = 86_400_000L;
    public static final int DEFAULT_MAX_CONCURRENCY = 20;
    public static final long DEFAULT_MAX_SERIES = 100_000;
    public static final long DEFAULT_MAX_SAMPLES = 50_000_000;

    public static final int MAX_READ_PARALLELISM = 1024;

    public QueryConfig {
        if (timeoutMillis <= 0 || maxConcurrency <= 0 || maxSeries <= 0 || maxSamples <= 0 || readParallelism <= 0) {
            throw new IllegalArgumentException("query limits must be positive");
        }
        if (cacheBytes < 0 || cacheOffsetMillis < 0 || keptStateBytes < 0) {
            throw new IllegalArgumentException("query cache size and offset, and kept state size, must not be negative");
        }
    }

    public QueryConfig(long timeoutMillis, int maxConcurrency, long maxSeries, long maxSamples, int readParallelism) {
        this(timeoutMillis, maxConcurrency, maxSeries, maxSamples, readParallelism, DEFAULT_CACHE_BYTES, DEFAULT_CACHE_OFFSET_MILLIS,
                DEFAULT_KEPT_STATE_BYTES);
    }

    public QueryConfig(long timeoutMillis, int maxConcurrency, long maxSeries, long maxSamples) {
        this(timeoutMillis, maxConcurrency, maxSeries, maxSamples, defaultReadParallelism());
    }

    public static QueryConfig defaults() {
        return new QueryConfig(DEFAULT_TIMEOUT_MILLIS, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_SERIES, DEFAULT_MAX_SAMPLES,
                defaultReadParallelism(), DEFAULT_CACHE_BYTES, DEFAULT_CACHE_OFFSET_MILLIS, DEFAULT_KEPT_STATE_BYTES);
    }

    /**
     * Threads that may read sketches at once: every query thread, every read pool thread, and a few others (the
     * snapshot thread, /metrics, admin requests). A slab arena gives each a reader slot; one more reader than slots
     * spins until a slot frees, so the count follows the query limits instead of being a constant.
     */
    public int sketchReaders() {
        return maxConcurrency + readParallelism + 8;
    }

    /** The machine's cores (the default of {@code query.read_parallelism}). */
    public static int defaultReadParallelism() {
        return Math.min(MAX_READ_PARALLELISM, Runtime.getRuntime().availableProcessors());
    }
}
