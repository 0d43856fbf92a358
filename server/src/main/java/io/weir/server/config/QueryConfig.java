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
 */
public record QueryConfig(long timeoutMillis, int maxConcurrency, long maxSeries, long maxSamples, int readParallelism) {
    public static final long DEFAULT_TIMEOUT_MILLIS = 120_000;
    public static final int DEFAULT_MAX_CONCURRENCY = 20;
    public static final long DEFAULT_MAX_SERIES = 100_000;
    public static final long DEFAULT_MAX_SAMPLES = 50_000_000;

    public static final int MAX_READ_PARALLELISM = 1024;

    public QueryConfig {
        if (timeoutMillis <= 0 || maxConcurrency <= 0 || maxSeries <= 0 || maxSamples <= 0 || readParallelism <= 0) {
            throw new IllegalArgumentException("query limits must be positive");
        }
    }

    public QueryConfig(long timeoutMillis, int maxConcurrency, long maxSeries, long maxSamples) {
        this(timeoutMillis, maxConcurrency, maxSeries, maxSamples, defaultReadParallelism());
    }

    public static QueryConfig defaults() {
        return new QueryConfig(DEFAULT_TIMEOUT_MILLIS, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_SERIES, DEFAULT_MAX_SAMPLES,
                defaultReadParallelism());
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
