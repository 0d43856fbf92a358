package io.weir.server;

import com.lmax.disruptor.EventHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.LateWrites;
import io.weir.engine.ingest.ShardWriter;
import io.weir.engine.metrics.LatencyHistogram;
import io.weir.engine.metrics.MetricRegistry;
import io.weir.engine.query.KeptStateSweep;
import io.weir.engine.query.SketchQueryEngine;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SeriesSketchTargets;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.net.backend.BackendClient;
import io.weir.net.backend.Forwarder;
import io.weir.net.backend.ForwarderCursor;
import io.weir.net.http.HttpServer;
import io.weir.net.security.WebSecurity;
import io.weir.net.http.Router;
import io.weir.net.ingest.IngestLimits;
import io.weir.net.ingest.IngestRelabeling;
import io.weir.net.ingest.IngestPath;
import io.weir.net.ingest.OtlpMetricsEndpoint;
import io.weir.net.ingest.RemoteWriteEndpoint;
import io.weir.net.query.MetadataEndpoint;
import io.weir.net.query.QueryCounters;
import io.weir.net.query.QueryEndpoint;
import io.weir.net.query.QueryResultJson;
import io.weir.net.scrape.Scraper;
import io.weir.persistence.journal.Journaler;
import io.weir.persistence.journal.WalRetention;
import io.weir.persistence.wal.FsyncPolicy;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalWriter;
import io.weir.server.config.WeirConfig;
import io.weir.engine.snapshot.BlockCopyShardSnapshot;
import io.weir.engine.snapshot.ShardStateSnapshot;
import io.weir.persistence.snapshot.NodeId;
import io.weir.persistence.snapshot.SnapshotStore;
import io.weir.persistence.snapshot.SnapshotWriter;
import io.weir.persistence.snapshot.WriteThrottle;
import io.weir.persistence.snapshot.Snapshotter;
import io.weir.persistence.snapshot.StartupRecovery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One Weir node: series table, sketch shards, WAL, ingest ring, forwarder and the HTTP port, wired together and
 * started in dependency order (start-up replays the WAL into sketches before the port opens), stopped in reverse.
 */
public final class WeirNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WeirNode.class.getName());
    /**
     * How often the kept read state is swept ({@link KeptStateSweep}): state not read for this long may go, so a
     * dashboard refreshed less often than this rebuilds its series' label sets when the budget is full.
     */
    private static final long KEPT_STATE_SWEEP_SECONDS = 30;

    private final WeirConfig config;
    /** Idle clock of the shard writers and the series table: the wall clock, or data time in tests and churn runs. */
    private final LongSupplier clockMs;
    /** Samples at sealed timestamps, seen by the shard writers: they drop the query side's cached range results. */
    private final LateWrites lateWrites;
    private final List<AutoCloseable> closeInReverse = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final MetricRegistry metrics = new MetricRegistry();
    private final IngestStats ingestStats = new IngestStats();
    private HttpServer http;
    private SeriesTable series;
    private SketchShard[] shards;
    private WalWriter wal;
    private Journaler journaler;
    private IngestRing ring;
    private Forwarder forwarder;
    private BackendClient backend;
    private IngestPath ingest;
    private Scraper scraper;
    private volatile boolean closed;
    private volatile Snapshotter snapshotter;
    private StartupRecovery.Result recovery;

    private WeirNode(WeirConfig config, LongSupplier clockMs) {
        this.config = config;
        this.clockMs = clockMs;
        this.lateWrites = new LateWrites(config.query().cacheOffsetMillis());
    }

    public static WeirNode start(WeirConfig config, BuildInfo build) throws IOException, InterruptedException {
        return start(config, build, System::currentTimeMillis);
    }

    /**
     * @param clockMs the clock by which series go idle (sketch eviction, series expiry); {@code System::currentTimeMillis}
     *                in production, a clock that follows the data in tests and churn runs
     */
    public static WeirNode start(WeirConfig config, BuildInfo build, LongSupplier clockMs) throws IOException, InterruptedException {
        WeirNode node = new WeirNode(config, clockMs);
        try {
            node.open(build);
        } catch (IOException | InterruptedException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void open(BuildInfo build) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path dataDir = config.storage().dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        lockDataDir(dataDir);

        String nodeId = NodeId.loadOrCreate(dataDir);
        SeriesSketchTargets targets = new SeriesSketchTargets(config.sketch().targets(), config.sketch().aggregateBuckets(),
                config.sketch().quantileBuckets(), config.sketch().frequencyBuckets());
        // the table opens (after a crash: Chronicle Map's recovery, then the labels, the index and the targets) on its
        // own thread while the snapshot's sketch states are restored on this one; recovery waits for it only when
        // it needs the table
        CompletableFuture<SeriesTable> tableOpening = new CompletableFuture<>();
        Thread opener = Thread.ofPlatform().name("weir-series-open").start(() -> {
            try {
                SeriesTable table = StartupRecovery.openSeriesTable(dataDir.resolve("series"), config.storage().seriesCapacity());
                try {
                    table.expireAfter(config.seriesIdleTimeoutMillis(), config.seriesFreeAfterMillis());
                    long a0 = System.nanoTime();
                    targets.attach(table);
                    LOG.log(System.Logger.Level.INFO, String.format("matched %d series against the sketch targets in %d ms",
                            table.size(), (System.nanoTime() - a0) / 1_000_000));
                } catch (RuntimeException | Error e) {
                    table.close();
                    throw e;
                }
                tableOpening.complete(table);
            } catch (Throwable e) {
                tableOpening.completeExceptionally(e);
            }
        });
        closeInReverse.add(() -> {
            opener.join();
            if (tableOpening.state() == Future.State.SUCCESS) {
                tableOpening.resultNow().close();
            }
        });
        Supplier<SeriesTable> table = () -> {
            try {
                return tableOpening.join();
            } catch (CompletionException e) {
                throw new StartupRecovery.TableUnavailable(e.getCause());
            }
        };

        int shardCount = config.ingest().shards();
        shards = new SketchShard[shardCount];
        long perShardMemory = config.storage().memoryLimitBytes() / shardCount;
        for (int s = 0; s < shardCount; s++) {
            shards[s] = new SketchShard(shardCount, new SlabArena(perShardMemory, config.storage().slabChunkBytes(), config.query().sketchReaders()), targets,
                    (int) config.storage().exactMaxBytes()).exactTail(config.storage().exactTailMillis())
                    .exactGrowth(config.storage().exactGrowth()).exactTailShare(config.storage().exactTailShare())
                    .exactTailBudget(config.storage().exactTailBudget())
                    .exactKeepBytes((int) config.storage().exactKeepBytes());
            shards[s].clock(clockMs.getAsLong()); // series restored or replayed below count as active now
            closeInReverse.add(shards[s]);
        }

        Path walDir = dataDir.resolve("wal");
        FsyncPolicy fsync = FsyncPolicy.valueOf(config.wal().fsync().name());
        wal = WalWriter.open(walDir, WalOptions.defaults().withFsync(fsync, Duration.ofMillis(config.wal().fsyncIntervalMillis())));
        closeInReverse.add(wal);
        SnapshotStore snapshots = new SnapshotStore(dataDir.resolve("snapshots"));
        ShardStateSnapshot shardState = new BlockCopyShardSnapshot();
        try {
            recovery = StartupRecovery.recover(snapshots, table, shards, shardState, wal, walDir);
        } catch (StartupRecovery.TableUnavailable e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw e;
            }
        }
        series = table.get();
        long replayed = recovery.replayedSamples();

        if (config.backend().enabled()) {
            var executor = Executors.newVirtualThreadPerTaskExecutor();
            closeInReverse.add(executor::shutdownNow);
            backend = new BackendClient(config.backend().url(), config.backend().remoteWriteUrl(),
                    Duration.ofMillis(config.backend().timeoutMillis()), executor,
                    config.backend().access().requestHeaders(), config.backend().access().sslContext());
            closeInReverse.add(backend);
            ForwarderCursor cursor = new ForwarderCursor(dataDir.resolve("forwarder.cursor"));
            long from = cursor.load(WalReader.OLDEST);
            WalWriter w = wal;
            forwarder = new Forwarder(WalReader.open(walDir, from), from, w::committedPosition, series, backend, cursor,
                    config.backend().forwardBatchSamples());
        }

        Forwarder f = forwarder;
        long retainedAtStart = snapshots.oldestPosition();
        WalRetention retention = new WalRetention(walDir, f == null ? null : f::ackedPosition, targets.longestWindowMillis(),
                () -> snapshotter == null ? retainedAtStart : snapshotter.retainedPosition());
        journaler = new Journaler(wal, series, retention);
        @SuppressWarnings("unchecked")
        EventHandler<IngestBatch>[] writers = new EventHandler[shardCount];
        for (int s = 0; s < shardCount; s++) {
            writers[s] = new ShardWriter(s, shards[s], clockMs, lateWrites);
        }
        ring = new IngestRing(config.ingest().ringSlots(), config.ingest().batchCapacity(), journaler, writers);
        ring.start();
        // the ring drains into the WAL before the WAL closes: registered after it, closed before it
        closeInReverse.add(ring);
        snapshotter = new Snapshotter(ring, shardState, shards, series, new SnapshotWriter(snapshots, nodeId, new WriteThrottle(config.snapshot().writeBytesPerSecond())), snapshots,
                config.snapshot().keep(), retainedAtStart);
        // closed after the port (no more writes) and before the ring: the last snapshot covers everything
        closeInReverse.add(() -> snapshotter.closeWithSnapshot(config.snapshot().shutdownTimeoutMillis()));
        if (forwarder != null) {
            forwarder.start();
            closeInReverse.add(forwarder);
        }

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("weir-timer").daemon(true).factory());
        timer.scheduleAtFixedRate(() -> ingestStats.tick(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        long every = config.snapshot().intervalMillis();
        timer.scheduleAtFixedRate(snapshotter::request, every, every, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(this::expireSeries, 0, 1, TimeUnit.SECONDS);
        closeInReverse.add(timer::shutdownNow);

        int cores = Runtime.getRuntime().availableProcessors();
        int maxQueries = config.query().maxConcurrency();
        // query.max_concurrency running, as many waiting; past that the endpoints answer 503
        ThreadPoolExecutor queries = new ThreadPoolExecutor(maxQueries, maxQueries, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxQueries),
                Thread.ofPlatform().name("weir-query-", 0).daemon(true).factory());
        closeInReverse.add(queries::shutdownNow);

        Router router = routes(build, queries, timer);
        registerMetrics();
        WebSecurity security = config.server().security().start();
        closeInReverse.add(security);
        metrics.counter("weir_http_auth_refusals_total", "Requests refused for missing or wrong credentials or roles (401/403).",
                security.refusals()::sum);
        http = new HttpServer(config.server().host(), config.server().port(), Math.max(1, cores), config.server().maxRequestBytes(), router, security,
                config.server().responseCompressionLevel());
        closeInReverse.add(http);
        startScraper(build);
        LOG.log(System.Logger.Level.INFO, String.format(
                "weir ready: listening on %s:%d, data dir %s, backend %s, %d series, %d samples replayed from the WAL, %d shard(s), started in %d ms",
                config.server().host().isEmpty() ? "*" : config.server().host(), http.port(), dataDir,
                backend == null ? "none (sketch-only)" : backend.base(), series.size(), replayed, shardCount,
                (System.nanoTime() - t0) / 1_000_000));
    }

    /** scrape_configs: scraped samples go through the same ingest path; stopped first, before the ring drains. */
    private void startScraper(BuildInfo build) {
        if (config.scrapeConfigs().isEmpty()) {
            return;
        }
        scraper = new Scraper(config.scrapeConfigs(), ingest, "Weir/" + build.version());
        closeInReverse.add(scraper);
        Scraper sc = scraper;
        metrics.gauge("weir_scrape_targets", "Scrape targets.", sc::targetCount)
                .gauge("weir_scrape_targets_up", "Scrape targets whose last scrape succeeded.", sc::targetsUp)
                .counter("weir_scrapes_total", "Scrapes done.", () -> sc.stats().scrapes())
                .counter("weir_scrape_failures_total", "Scrapes that failed (target down, timeout, bad body, sample_limit).", () -> sc.stats().failures())
                .counter("weir_scrape_samples_total", "Scraped samples kept (after metric relabeling).", () -> sc.stats().samples())
                .counter("weir_scrape_publish_retries_total", "Scrape batches retried because the ring or WAL was full.", () -> sc.stats().retries())
                .counter("weir_scrape_batches_dropped_total", "Scrape batches given up because the ring or WAL stayed full until the next scrape.", () -> sc.stats().droppedBatches())
                .counter("weir_scrape_wal_failures_total", "Scrape batches the WAL failed to write.", () -> sc.stats().walFailures());
    }

    Scraper scraper() { return scraper; }

    private void lockDataDir(Path dataDir) throws IOException {
        FileChannel ch = FileChannel.open(dataDir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IOException("data dir " + dataDir + " is in use by another Weir process");
        }
        closeInReverse.add(() -> {
            lock.release();
            ch.close();
        });
    }

    private Router routes(BuildInfo build, ThreadPoolExecutor queries, ScheduledExecutorService timer) {
        LatencyHistogram queryLatency = metrics.histogram("weir_query_duration_seconds", "Query latency, parse to response.");
        QueryCounters answers = new QueryCounters();
        metrics.counter("weir_queries_sketch_total", "Queries answered from sketches.", answers.sketch()::sum);
        metrics.counter("weir_queries_mixed_total",
                "Queries answered from sketches with sub-expressions fetched from the backend (X-Weir-Source: mixed).",
                answers.mixed()::sum);
        metrics.counter("weir_queries_backend_total", "Queries answered by the backend.", answers.backend()::sum);
        metrics.counter("weir_query_errors_total", "Queries answered with an error.", answers.errors()::sum);
        int readParallelism = config.query().readParallelism();
        ExecutorService readPool = null;
        if (readParallelism > 1) {
            AtomicInteger readers = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(readParallelism - 1, r -> {
                Thread t = new Thread(r, "weir-query-read-" + readers.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            closeInReverse.add(pool::shutdownNow);
            readPool = pool;
        }
        SketchQueryEngine engine = new SketchQueryEngine(series, shards, backend == null, readPool, readParallelism);
        KeptStateSweep keptState = new KeptStateSweep(series, shards, config.query().keptStateBytes());
        timer.scheduleWithFixedDelay(keptState::run, KEPT_STATE_SWEEP_SECONDS, KEPT_STATE_SWEEP_SECONDS, TimeUnit.SECONDS);
        metrics.gauge("weir_query_kept_state_bytes",
                        "Heap kept per series for the next read (decoded labels, label sets, last cuts; estimate, after the last sweep).",
                        keptState::keptBytes)
                .counter("weir_query_kept_state_let_go_total",
                        "Series' read state let go past query.kept_state_size (labels' and cuts, each counted).", keptState::letGo);
        RangeResultCache rangeCache = new RangeResultCache(config.query().cacheBytes(), lateWrites, clockMs, QueryResultJson::point);
        metrics.counter("weir_query_cache_hits_total", "Range queries that reused a cached result (query.cache_size).", rangeCache::hits)
                .counter("weir_query_cache_misses_total", "Cacheable range queries that found no cached result.", rangeCache::misses)
                .gauge("weir_query_cache_bytes", "Bytes the cached range results take (estimate).", rangeCache::bytes);
        long timeout = config.query().timeoutMillis();
        long maxSeries = config.query().maxSeries();
        long maxSamples = config.query().maxSamples();
        Set<HttpMethod> getPost = Set.of(HttpMethod.GET, HttpMethod.POST);
        WalWriter w = wal;
        long maxDisk = config.wal().maxDiskBytes();
        IngestLimits limits = new IngestLimits(config.limits(), series::liveSeries);
        for (int i = 0; i < IngestLimits.KEYS.length; i++) {
            metrics.add("weir_ingest_limit_refusals_total", MetricRegistry.Type.COUNTER,
                    "Requests refused by an ingest limit (limits.*), whatever source sent them.", "limit=\"" + IngestLimits.KEYS[i] + "\"",
                    limits.refusals()[i]::sum);
        }
        IngestRelabeling relabeling = new IngestRelabeling(config.ingest().relabelConfigs());
        metrics.counter("weir_ingest_relabel_dropped_series_total",
                        "Series dropped by ingest.relabel_configs before the WAL (counted once per request that carried them).",
                        relabeling::droppedSeries)
                .counter("weir_ingest_relabel_dropped_samples_total",
                        "Float and native histogram samples of the series dropped by ingest.relabel_configs.",
                        relabeling::droppedSamples);
        IngestPath ingest = new IngestPath(series, ring, ingestStats, () -> w.diskBytes() > maxDisk, limits, relabeling);
        this.ingest = ingest;
        RemoteWriteEndpoint write = new RemoteWriteEndpoint(ingest, config.server().maxRequestBytes());
        OtlpMetricsEndpoint otlp = new OtlpMetricsEndpoint(ingest, config.server().maxRequestBytes());
        metrics.counter("weir_otlp_rejected_points_total", "OTLP data points refused in partial_success answers.", otlp::rejectedPoints);
        MetadataEndpoint metadata = new MetadataEndpoint(series, backend, queries, build.version(), config.server().responseCompressionLevel());
        OpsEndpoints ops = new OpsEndpoints(this, build);
        SnapshotEndpoints snapshotEndpoints = new SnapshotEndpoints(snapshotter);
        return new Router()
                .route("/api/v1/write", Set.of(HttpMethod.POST), write)
                .route("/opentelemetry/v1/metrics", Set.of(HttpMethod.POST), otlp)
                .route("/v1/metrics", Set.of(HttpMethod.POST), otlp)
                .route("/api/v1/query", getPost, new QueryEndpoint(false, engine, rangeCache, backend, queries, timeout, maxSeries, maxSamples, queryLatency, answers,
                        config.server().responseCompressionLevel()))
                .route("/api/v1/query_range", getPost, new QueryEndpoint(true, engine, rangeCache, backend, queries, timeout, maxSeries, maxSamples, queryLatency, answers,
                        config.server().responseCompressionLevel()))
                .route("/api/v1/series", getPost, metadata)
                .route("/api/v1/labels", getPost, metadata)
                .route("/api/v1/label/", Set.of(HttpMethod.GET), metadata)
                .route("/api/v1/metadata", Set.of(HttpMethod.GET), metadata)
                .route("/api/v1/query_exemplars", getPost, metadata)
                .route("/api/v1/status/buildinfo", Set.of(HttpMethod.GET), metadata)
                .route("/health", Set.of(HttpMethod.GET), ops::health)
                .route("/-/healthy", Set.of(HttpMethod.GET, HttpMethod.HEAD), ops::healthy)
                .route("/-/ready", Set.of(HttpMethod.GET, HttpMethod.HEAD), ops::ready)
                .route("/metrics", Set.of(HttpMethod.GET), ops::metrics)
                .route("/ingest_stats", Set.of(HttpMethod.GET), ops::ingestStats)
                .route("/ui", Set.of(HttpMethod.GET), ops::ui)
                .route("/api/v1/admin/backfill", Set.of(HttpMethod.POST), new RemoteWriteEndpoint(ingest, config.server().maxRequestBytes(), true))
                .route("/api/v1/admin/snapshot", Set.of(HttpMethod.POST), snapshotEndpoints::take)
                .route(SnapshotEndpoints.FILES_PREFIX, Set.of(HttpMethod.GET), snapshotEndpoints::file);
    }

    private void registerMetrics() {
        IngestStats s = ingestStats;
        metrics.counter("weir_ingested_samples_total", "Samples acknowledged to senders (in the WAL).", s::samples)
                .counter("weir_ingest_requests_total", "Remote-write requests accepted.", s::requests)
                .counter("weir_ingest_rejected_requests_total", "Remote-write requests refused as bad input (4xx).", s::rejectedRequests)
                .counter("weir_ingest_throttled_requests_total", "Remote-write requests refused for backpressure (429/503).", s::throttledRequests)
                .counter("weir_ingested_histograms_total", "Native histogram samples acknowledged (in the WAL, forwarded; not summarised by sketches).", s::histograms)
                .counter("weir_ingested_exemplars_total", "Exemplars acknowledged (in the WAL, forwarded; not summarised by sketches).", s::exemplars)
                .counter("weir_ingested_metadata_total", "Metadata entries acknowledged (in the WAL, forwarded).", s::metadata)
                .gauge("weir_ring_capacity_slots", "Ingest ring size.", ring::capacity)
                .gauge("weir_ring_free_slots", "Ingest ring slots free right now.", ring::remainingCapacity)
                .counter("weir_ring_consumer_errors_total", "Exceptions caught in ring consumers.", ring::consumerErrors)
                .gauge("weir_series", "Series ids handed out since the table was created (expired ones included; ids are never reused).", series::size)
                .gauge("weir_series_live", "Series in the series table now (not expired).", series::liveSeries)
                .gauge("weir_series_retiring", "Expired series whose labels are kept until the forwarder has passed their samples.", series::retiringSeries)
                .counter("weir_series_expired_total", "Series that left the series table after storage.series_idle_timeout without a sample.", series::expiredSeries)
                .counter("weir_series_returned_total", "Expired series that came back before their labels were dropped (same id).", series::returnedSeries)
                .counter("weir_series_freed_total", "Expired series whose labels, table entry and postings were dropped.", series::freedSeries)
                .counter("weir_wal_records_total", "WAL records written.", wal::recordCount)
                .counter("weir_wal_bytes_total", "WAL bytes written.", wal::bytesWritten)
                .counter("weir_wal_fsyncs_total", "WAL fsyncs.", wal::fsyncCount)
                .gauge("weir_wal_disk_bytes", "WAL size on disk.", wal::diskBytes)
                .counter("weir_wal_repairs_total", "Torn or corrupt WAL tails truncated at open.", wal::repairs)
                .counter("weir_wal_failures_total", "WAL appends or commits that failed.", journaler::failures);
        for (int i = 0; i < shards.length; i++) {
            SketchShard sh = shards[i];
            String l = "shard=\"" + i + "\"";
            metrics.add("weir_sketch_samples_applied_total", MetricRegistry.Type.COUNTER, "Samples applied to sketches.", l, sh::samplesApplied)
                    .add("weir_sketch_skipped_stale_total", MetricRegistry.Type.COUNTER, "Stale markers of sketched series (not samples, so not sketched).", l, sh::skippedStale)
                    .add("weir_sketch_skipped_too_old_total", MetricRegistry.Type.COUNTER, "Samples older than the sketch window.", l, sh::skippedTooOld)
                    .add("weir_sketch_refused_series_total", MetricRegistry.Type.COUNTER, "Series refused by storage.memory_limit.", l, sh::refusedSeries)
                    .add("weir_sketched_series", MetricRegistry.Type.GAUGE, "Series with a sketch.", l, sh::sketchedSeries)
                    .add("weir_sketch_exact_series", MetricRegistry.Type.GAUGE, "Series answered exactly from their raw samples.", l, sh::exactSeries)
                    .add("weir_sketch_promoted_series_total", MetricRegistry.Type.COUNTER, "Series moved from raw samples to sketches.", l, sh::promotedSeries)
                    .add("weir_sketch_evicted_series_total", MetricRegistry.Type.COUNTER, "Series dropped after no sample for longer than their window.", l, sh::evictedSeries)
                    .add("weir_sketch_resized_blocks_total", MetricRegistry.Type.COUNTER, "Quantile and frequency blocks copied into larger (or smaller) ones as their data needed.", l, sh::resizedBlocks)
                    .add("weir_sketch_growth_refused_total", MetricRegistry.Type.COUNTER, "Sketch blocks that stopped growing because storage.memory_limit refused a larger one.", l, sh::growthRefused)
                    .add("weir_sketch_skipped_no_memory_total", MetricRegistry.Type.COUNTER, "Samples not sketched because storage.memory_limit refused a block.", l, sh::skippedNoMemory)
                    .add("weir_sketch_memory_bytes", MetricRegistry.Type.GAUGE, "Off-heap bytes in use by sketches.", l, sh::bytesInUse)
                    .add("weir_sketch_memory_reserved_bytes", MetricRegistry.Type.GAUGE, "Off-heap bytes reserved by sketch slabs.", l, sh::bytesReserved)
                    .add("weir_sketch_slab_recycled_chunks_total", MetricRegistry.Type.COUNTER, "Slab chunks whose blocks were all free, handed back for blocks of any size.", l, sh.arena()::recycledChunks);
        }
        if (forwarder != null) {
            Forwarder f = forwarder;
            metrics.counter("weir_forwarder_samples_sent_total", "Samples acknowledged by the backend.", f::samplesSent)
                    .counter("weir_forwarder_requests_total", "Remote-write requests acknowledged by the backend.", f::requestsSent)
                    .counter("weir_forwarder_retries_total", "Forwarding attempts that failed and were retried.", f::retries)
                    .counter("weir_forwarder_samples_dropped_total", "Samples the backend refused as invalid (4xx).", f::samplesDropped)
                    .counter("weir_forwarder_extras_sent_total", "WAL EXTRAS records (a request's histograms, exemplars, metadata) acknowledged by the backend.", f::extrasSent)
                    .counter("weir_forwarder_backfill_skipped_total", "Backfilled samples (read from the backend) not sent back to it.", f::backfillSkipped)
                    .counter("weir_forwarder_extras_dropped_total", "WAL EXTRAS records in batches the backend refused as invalid (4xx).", f::extrasDropped)
                    .gauge("weir_forwarder_backend_up", "1 when the last forward succeeded.", () -> f.backendUp() ? 1 : 0);
        }
        StartupRecovery.Result rec = recovery;
        Snapshotter sn = snapshotter;
        metrics.counter("weir_snapshot_load_failures_total", "Snapshots found unusable at start-up (fell back to an older one or to full replay).", rec::loadFailures)
                .gauge("weir_startup_replayed_samples", "Samples replayed from the WAL at start-up.", rec::replayedSamples)
                .gauge("weir_startup_restored_sketch_states", "Series-family sketch states restored from the snapshot at start-up.", rec::restoredStates)
                .gauge("weir_startup_snapshot_loaded", "1 when start-up loaded a snapshot, 0 after a full WAL replay.", () -> rec.snapshot() == null ? 0 : 1)
                .counter("weir_series_table_rebuilt_series_total", "Series put back into the series table from the snapshot or the WAL at start-up.", rec::seriesAdopted)
                .counter("weir_series_table_conflicts_total", "Series of the snapshot or the WAL that conflict with the series table.", rec::seriesConflicts)
                .counter("weir_snapshots_total", "Snapshots written.", sn::taken)
                .counter("weir_snapshot_failures_total", "Snapshots that failed.", sn::failures)
                .gauge("weir_snapshot_last_file_bytes", "Bytes of the files of the last snapshot written.", () -> sn.last() == null ? 0 : sn.last().fileBytes())
                .gauge("weir_snapshot_last_copy_seconds", "Longest shard-writer pause copying state for the last snapshot.", () -> sn.last() == null ? 0 : sn.last().copyNanos() / 1e9)
                .gauge("weir_snapshot_last_write_seconds", "Time to encode, compress and write the last snapshot.", () -> sn.last() == null ? 0 : sn.last().writeNanos() / 1e9);
        Runtime rt = Runtime.getRuntime();
        metrics.gauge("weir_jvm_heap_used_bytes", "JVM heap in use.", () -> rt.totalMemory() - rt.freeMemory());
    }

    /**
     * One series expiry pass now ({@link SeriesTable#expireIdle}); the timer runs one every second. An expired
     * series' labels are kept until the forwarder's stored cursor has passed the WAL position of its expiry.
     *
     * @return series expired plus series freed
     */
    public synchronized int expireSeries() {
        if (closed) {
            return 0;
        }
        try {
            Forwarder f = forwarder;
            return series.expireIdle(clockMs.getAsLong(), wal.committedPosition(), f == null ? Long.MAX_VALUE : f.storedPosition());
        } catch (RuntimeException e) {
            // thrown out of the timer it would cancel every later pass
            LOG.log(System.Logger.Level.ERROR, "series expiry pass failed", e);
            return 0;
        }
    }

    MetricRegistry metrics() { return metrics; }

    IngestStats ingestStats() { return ingestStats; }

    IngestRing ring() { return ring; }

    WalWriter wal() { return wal; }

    Forwarder forwarder() { return forwarder; }

    SketchShard[] shards() { return shards; }

    SeriesTable series() { return series; }

    Snapshotter snapshotter() { return snapshotter; }

    WeirConfig config() { return config; }

    public int port() { return http.port(); }

    /** SIGTERM/SIGINT: stop taking traffic, drain the ring into the WAL, close everything, exit 0. */
    public void installSignalHandlers() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("weir-shutdown").unstarted(this::close));
        for (String sig : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                    LOG.log(System.Logger.Level.INFO, "SIG" + sig + " received: flushing and stopping");
                    close();
                    System.exit(0);
                });
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot handle SIG" + sig + ": " + e.getMessage());
            }
        }
    }

    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "error while stopping", e);
            }
        }
        stopped.countDown();
        LOG.log(System.Logger.Level.INFO, "weir stopped");
    }
}
