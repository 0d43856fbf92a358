package io.weir.server.config;

import io.weir.engine.sketch.SeriesSketchTargets;
import io.weir.engine.sketch.Share;
import io.weir.engine.sketch.SketchTarget;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import io.weir.engine.query.Durations;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.sketch.SketchFunction;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the YAML config file (format in {@code interface.md}) into a {@link WeirConfig}, checking everything once so
 * that the rest of the server can trust it. Every problem is collected, not just the first, each with the key path
 * and the bad value. Unknown keys are problems: a typo must not silently fall back to a default.
 *
 * <p>The YAML is read as a node tree rather than as Java objects, so that values are checked as written
 * ({@code timeout: 30} is a duration without a unit, not the number 30) and duplicate keys can be named. A key
 * with an empty or {@code null} value counts as absent.
 *
 * <p>Stateless apart from the injected selector parser; safe to share.
 */
public final class ConfigLoader {
    /** Request bodies are held in one byte array, so the limit must fit an int with room to spare. */
    public static final long MAX_REQUEST_BYTES_CEILING = 1L << 30;

    private static final List<String> ROOT_KEYS = List.of("server", "storage", "wal", "backend", "sketch", "scrape_configs", "log", "limits", "query", "ingest", "snapshot");
    private static final List<String> SNAPSHOT_KEYS = List.of("interval", "keep", "write_rate", "shutdown_timeout");
    private static final List<String> QUERY_KEYS = List.of("timeout", "max_concurrency", "max_series", "max_samples", "read_parallelism",
            "cache_size", "cache_offset", "kept_state_size");
    private static final List<String> SERVER_KEYS = List.of("listen", "max_request_bytes", "web_config_file", "authorization",
            "response_compression_level");
    private static final List<String> STORAGE_KEYS = List.of("data_dir", "memory_limit", "exact_max_bytes", "series_capacity",
            "series_idle_timeout", "slab_chunk", "series_free_after", "exact_tail", "exact_growth", "exact_tail_share",
            "exact_tail_budget", "exact_keep_bytes");
    private static final List<String> INGEST_KEYS = List.of("shards", "ring_slots", "batch_capacity", "relabel_configs");
    private static final List<String> WAL_KEYS = List.of("fsync", "fsync_interval", "max_disk");
    private static final List<String> BACKEND_KEYS = List.of("url", "remote_write_url", "timeout", "basic_auth",
            "authorization", "tls_config", "headers", "forward_batch_samples");
    private static final List<String> SKETCH_KEYS = List.of("default_window", "targets", "aggregate_buckets",
            "quantile_buckets", "frequency_buckets");
    private static final List<String> TARGET_KEYS = List.of("match", "window", "functions");

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");
    private static final String ALL_FUNCTIONS = Arrays.stream(SketchFunction.values())
            .map(SketchFunction::promqlName).collect(Collectors.joining(", "));
    private static final String FSYNC_VALUES = Arrays.stream(FsyncPolicy.values())
            .map(FsyncPolicy::configName).collect(Collectors.joining(", "));

    private final SelectorParser selectorParser;

    public ConfigLoader(SelectorParser selectorParser) {
        this.selectorParser = Objects.requireNonNull(selectorParser, "selectorParser");
    }

    /** The embedded defaults, used for every key a file does not set. */
    public WeirConfig defaults() {
        return WeirConfig.defaults();
    }

    /** Reads and checks a UTF-8 config file; an unreadable file is a (document-level) problem, not an exception. */
    public ConfigResult load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return documentProblem("config file not found: " + file);
        } catch (CharacterCodingException e) {
            return documentProblem("config file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            return documentProblem("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /**
     * Checks YAML text. An empty document gives the defaults.
     *
     * @param sourceName names the text in syntax-error messages, e.g. the file name
     */
    public ConfigResult parse(String yaml, String sourceName) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? sourceName
                    : sourceName + " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            String what = e.getProblem() != null ? e.getProblem() : e.getContext();
            if (what != null && what.startsWith("but ") && e.getContext() != null) {
                what = e.getContext() + " " + what; // "expected a single document in the stream but found another document"
            }
            return documentProblem("YAML syntax error in " + where + ": " + what);
        } catch (YAMLException e) {
            return documentProblem("YAML syntax error in " + sourceName + ": " + e.getMessage());
        }
        Checker checker = new Checker();
        WeirConfig config = checker.config(root);
        return checker.problems.isEmpty() ? ConfigResult.valid(config) : ConfigResult.invalid(checker.problems);
    }

    /**
     * Applies the {@code serve} flags on top of a config (file or defaults), checked like the file's keys; a null
     * argument means the flag was not given. {@code --backend-url} replaces the whole backend target: the
     * remote-write URL becomes its default ({@code url + /api/v1/write}); an empty value means no backend.
     *
     * @throws InvalidConfigException naming each bad flag, e.g. {@code --listen: port 70000 out of range}
     */
    public WeirConfig withOverrides(WeirConfig base, String listen, Path dataDir, String backendUrl) {
        return withOverrides(base, listen, dataDir, backendUrl, null);
    }

    /** As above, plus {@code --web.config.file} (null = not given), read and checked like {@code server.web_config_file}. */
    public WeirConfig withOverrides(WeirConfig base, String listen, Path dataDir, String backendUrl, Path webConfigFile) {
        Checker checker = new Checker();
        ServerConfig server = base.server();
        if (listen != null) {
            HostPort hp = checker.listen(listen, "--listen");
            if (hp != null) {
                server = new ServerConfig(hp.host(), hp.port(), server.maxRequestBytes(), server.security(),
                        server.responseCompressionLevel());
            }
        }
        if (webConfigFile != null) {
            server = new ServerConfig(server.host(), server.port(), server.maxRequestBytes(),
                    checker.webConfig(webConfigFile.toString(), "--web.config.file", server.security()),
                    server.responseCompressionLevel());
        }
        StorageConfig storage = base.storage();
        if (dataDir != null) {
            if (dataDir.toString().isBlank()) {
                checker.problem("--data-dir", "must not be empty");
            } else {
                storage = storage.withDataDir(dataDir);
            }
        }
        BackendConfig backend = base.backend();
        if (backendUrl != null) {
            if (backendUrl.isBlank()) {
                backend = backend.withTarget(null, null);
            } else {
                URI url = checker.backendUrl(backendUrl, "--backend-url");
                if (url != null) {
                    backend = backend.withTarget(url, BackendConfig.defaultRemoteWriteUrl(url));
                }
            }
        }
        if (!checker.problems.isEmpty()) {
            throw new InvalidConfigException(checker.problems);
        }
        return new WeirConfig(server, storage, base.wal(), backend, base.sketch(), base.scrapeConfigs(), base.log(), base.limits(), base.query(), base.ingest(), base.snapshot());
    }

    /** Applies {@code --log.level} and {@code --log.format} (null = not given). */
    public WeirConfig withLogOverrides(WeirConfig base, String level, String format) {
        Checker checker = new Checker();
        LogConfig log = new LogConfig(level == null ? base.log().level() : checker.logLevel(level, "--log.level"),
                format == null ? base.log().format() : checker.logFormat(format, "--log.format"));
        if (!checker.problems.isEmpty()) {
            throw new InvalidConfigException(checker.problems);
        }
        return base.withLog(log);
    }

    /** A few lines for {@code ./weir check-config}: what the node will do with this config. */
    public static String summary(WeirConfig config) {
        ServerConfig server = config.server();
        WalConfig wal = config.wal();
        BackendConfig backend = config.backend();
        SketchConfig sketch = config.sketch();
        StringBuilder sb = new StringBuilder();
        sb.append("listen:         ").append(server.listen())
                .append(server.allInterfaces() ? " (all interfaces)" : "")
                .append(", max request ").append(ByteSize.format(server.maxRequestBytes()))
                .append(server.responseCompressionLevel() == 0 ? ", answers uncompressed"
                        : ", answers gzip/deflate level " + server.responseCompressionLevel() + " when asked").append('\n');
        WebSecurityConfig web = server.security();
        sb.append("web:            ").append(web.tls() == null ? "plain HTTP" : "TLS " + web.tls().protocols())
                .append(web.authenticates() ? ", " + web.basicAuthUsers().size() + " basic-auth user(s), "
                        + web.bearerTokens().size() + " bearer token(s)"
                        + (web.userRoles() == null ? ", every user has every role" : ", roles per user")
                        : ", no authentication").append('\n');
        sb.append("data dir:       ").append(config.storage().dataDir()).append('\n');
        StorageConfig storage = config.storage();
        sb.append("memory limit:   ").append(ByteSize.format(storage.memoryLimitBytes()))
                .append(", series table ").append(storage.seriesCapacity())
                .append(", slab chunks ").append(ByteSize.format(storage.slabChunkBytes())).append('\n');
        sb.append("exact samples:  ");
        if (storage.exactMaxBytes() == 0) {
            sb.append("off (sketches from a series' first sample)\n");
        } else {
            sb.append("up to ").append(ByteSize.format(storage.exactMaxBytes())).append(" a series (kept up to ")
                    .append(ByteSize.format(storage.exactKeepBytes())).append(", past it while smaller than its sketches)")
                    .append(", rebuilt blocks grow by ")
                    .append(storage.exactGrowth()).append(", tail of promoted series ");
            if (storage.exactTailMillis() == 0) {
                sb.append("off\n");
            } else {
                sb.append("the larger of ").append(Durations.format(storage.exactTailMillis())).append(" and ")
                        .append(storage.exactTailShare()).append(" of the window (at most half) in at most ")
                        .append(storage.exactTailBudget()).append(" of its sketches' bytes\n");
            }
        }
        sb.append("series expiry:  after ").append(Durations.format(config.seriesIdleTimeoutMillis()))
                .append(" without a sample").append(config.storage().seriesIdleTimeoutMillis() == 0
                        ? " (default: the larger of 1h and twice the longest sketch window)" : "")
                .append(", labels kept ").append(Durations.format(config.seriesFreeAfterMillis())).append(" more")
                .append(config.storage().seriesFreeAfterMillis() == 0
                        ? " (default: the larger of 5m and twice query.timeout)" : "").append('\n');
        IngestConfig ingest = config.ingest();
        sb.append("ingest:         ").append(ingest.shards()).append(" shard writer(s), ring ").append(ingest.ringSlots())
                .append(" x ").append(ingest.batchCapacity()).append(" samples (").append(Runtime.getRuntime().availableProcessors())
                .append(" cores)\n");
        if (!ingest.relabelConfigs().isEmpty()) {
            sb.append("relabeling:     ").append(ingest.relabelConfigs().size())
                    .append(" rule(s) on remote write, OTLP and scrapes, before the WAL\n");
            for (int i = 0; i < ingest.relabelConfigs().size(); i++) {
                sb.append("  [").append(i).append("] ").append(ingest.relabelConfigs().get(i)).append('\n');
            }
        }
        sb.append("wal:            fsync ").append(wal.fsync().configName());
        if (wal.fsync() == FsyncPolicy.INTERVAL) {
            sb.append(" every ").append(Durations.format(wal.fsyncIntervalMillis()));
        }
        sb.append(", max disk ").append(ByteSize.format(wal.maxDiskBytes())).append('\n');
        if (backend.enabled()) {
            sb.append("backend:        ").append(backend.url())
                    .append(" (remote write ").append(backend.remoteWriteUrl())
                    .append(", timeout ").append(Durations.format(backend.timeoutMillis()))
                    .append(", up to ").append(backend.forwardBatchSamples()).append(" samples a request)\n");
        } else {
            sb.append("backend:        none (sketch-only)\n");
        }
        QueryConfig q = config.query();
        sb.append("queries:        timeout ").append(Durations.format(q.timeoutMillis())).append(", ").append(q.maxConcurrency())
                .append(" at once, ").append(q.maxSeries()).append(" series and ").append(q.maxSamples())
                .append(" points each, a leaf read by ").append(q.readParallelism()).append(" thread(s)\n");
        sb.append("query cache:    ").append(q.cacheBytes() == 0 ? "off" : ByteSize.format(q.cacheBytes())
                + " of range results, steps older than " + Durations.format(q.cacheOffsetMillis())).append("\n");
        sb.append("read state:     ").append(ByteSize.format(q.keptStateBytes()))
                .append(" kept for the next read of the series read lately (labels, last cuts)\n");
        sb.append("snapshots:      every ").append(Durations.format(config.snapshot().intervalMillis()))
                .append(", keep ").append(config.snapshot().keep()).append(", written at ")
                .append(ByteSize.format(config.snapshot().writeBytesPerSecond())).append("/s; stopping waits up to ")
                .append(Durations.format(config.snapshot().shutdownTimeoutMillis())).append(" for the last\n");
        io.weir.net.ingest.IngestLimits.Config l = config.limits();
        sb.append("limits:         ").append(limit(l.maxLabelsPerSeries(), " labels/series"))
                .append(", names ").append(limit(l.maxLabelNameLength(), " B"))
                .append(", values ").append(limit(l.maxLabelValueLength(), " B"))
                .append(", ").append(limit(l.maxSeriesPerRequest(), " series/request"))
                .append(", new series/s ").append(limit(l.maxNewSeriesPerSecond(), ""))
                .append(", series ").append(limit(l.maxSeries(), "")).append('\n');
        sb.append("log:            ").append(config.log().level().name().toLowerCase(Locale.ROOT)).append(", ")
                .append(config.log().format().name().toLowerCase(Locale.ROOT)).append('\n');
        sb.append("sketch window:  ").append(Durations.format(sketch.defaultWindowMillis())).append(" by default, in at most ")
                .append(sketch.aggregateBuckets()).append(" (aggregate), ").append(sketch.quantileBuckets()).append(" (quantile), ")
                .append(sketch.frequencyBuckets()).append(" (frequency) time buckets\n");
        if (sketch.targets().isEmpty()) {
            sb.append("sketch targets: none (no series is sketched; all are only forwarded)\n");
        } else {
            sb.append("sketch targets: ").append(sketch.targets().size()).append(" (first match wins)\n");
            for (int i = 0; i < sketch.targets().size(); i++) {
                SketchTarget t = sketch.targets().get(i);
                sb.append("  [").append(i).append("] ").append(t.match())
                        .append("  window ").append(Durations.format(t.windowMillis())).append("  functions ")
                        .append(t.functions().size() == SketchFunction.values().length ? "all"
                                : t.functions().stream().map(SketchFunction::promqlName)
                                        .collect(Collectors.joining(", ")))
                        .append('\n');
            }
        }
        sb.append(ScrapeConfigReader.summary(config.scrapeConfigs()));
        return sb.toString();
    }

    private static String limit(int value, String unit) {
        return value == 0 ? "unlimited" : value + unit;
    }

    private static ConfigResult documentProblem(String message) {
        return ConfigResult.invalid(List.of(new ConfigProblem("", message)));
    }

    private record HostPort(String host, int port) {}

    /** The {@code sketch.*_buckets} budgets while the section is read. */
    private record Buckets(int aggregate, int quantile, int frequency) {
        int of(SketchFunction.Family family) {
            return switch (family) {
                case AGGREGATE -> aggregate;
                case QUANTILE -> quantile;
                case FREQUENCY -> frequency;
            };
        }
    }

    /**
     * One pass over a document, collecting problems. Each reader returns the default (or null) for a bad value so
     * that checking goes on; the values of a pass with problems are thrown away.
     */
    final class Checker {
        final List<ConfigProblem> problems = new ArrayList<>();

        void problem(String keyPath, String message) {
            problems.add(new ConfigProblem(keyPath, message));
        }

        WeirConfig config(Node root) {
            Section top = section(root, "", ROOT_KEYS);
            WeirConfig config = new WeirConfig(server(top.get("server")), storage(top.get("storage")), wal(top.get("wal")),
                    backend(top.get("backend")), sketch(top.get("sketch")),
                    new ScrapeConfigReader(this).read(top.get("scrape_configs")), log(top.get("log")), limits(top.get("limits")),
                    query(top.get("query")), ingest(top.get("ingest")), snapshot(top.get("snapshot")));
            long idle = config.storage().seriesIdleTimeoutMillis();
            long longest = config.sketch().longestWindowMillis();
            if (idle > 0 && idle < longest) {
                // the table entry must outlive the sketch: a series that expired from the table is out of the index
                problem("storage.series_idle_timeout", "must be at least the longest sketch window, "
                        + Durations.format(longest) + " (got " + Durations.format(idle) + ")");
            }
            long freeAfter = config.storage().seriesFreeAfterMillis();
            long queryTimeout = config.query().timeoutMillis();
            if (freeAfter > 0 && freeAfter < 2 * queryTimeout) {
                // a query may have listed the series up to query.timeout before it reads it
                problem("storage.series_free_after", "must be at least twice query.timeout, "
                        + Durations.format(2 * queryTimeout) + " (got " + Durations.format(freeAfter) + ")");
            }
            slabChunk(config);
            return config;
        }

        /** {@code storage.slab_chunk} against what it must hold (the largest block) and what holds it (a shard's memory). */
        void slabChunk(WeirConfig config) {
            StorageConfig storage = config.storage();
            SketchConfig sketch = config.sketch();
            long chunk = storage.slabChunkBytes();
            String got = " (got " + ByteSize.format(chunk)
                    + (chunk == StorageConfig.DEFAULT_SLAB_CHUNK_BYTES ? ", the default" : "") + ")";
            long sketchBlock = new SeriesSketchTargets(sketch.targets(), sketch.aggregateBuckets(), sketch.quantileBuckets(),
                    sketch.frequencyBuckets()).largestBlockBytes();
            if (storage.exactMaxBytes() > chunk) {
                problem("storage.slab_chunk", "must hold the largest exact-samples block, storage.exact_max_bytes = "
                        + ByteSize.format(storage.exactMaxBytes()) + got);
            } else if (sketchBlock > chunk) {
                problem("storage.slab_chunk", "must hold the largest sketch block of sketch.targets, "
                        + ByteSize.format(sketchBlock) + got);
            }
            long perShard = storage.memoryLimitBytes() / config.ingest().shards();
            if (chunk > perShard) {
                problem("storage.slab_chunk", "must be at most a shard's share of storage.memory_limit, "
                        + ByteSize.format(storage.memoryLimitBytes()) + " / " + config.ingest().shards()
                        + " ingest.shards = " + ByteSize.format(perShard) + got);
            }
        }

        SnapshotConfig snapshot(Node node) {
            Section s = section(node, "snapshot", SNAPSHOT_KEYS);
            long interval = duration(s, "interval", SnapshotConfig.DEFAULT_INTERVAL_MILLIS);
            int keep = (int) integer(s, "keep", SnapshotConfig.DEFAULT_KEEP, 1, SnapshotConfig.MAX_KEEP);
            long writeRate = size(s, "write_rate", SnapshotConfig.DEFAULT_WRITE_BYTES_PER_SECOND);
            return new SnapshotConfig(interval, keep, writeRate,
                    duration(s, "shutdown_timeout", SnapshotConfig.DEFAULT_SHUTDOWN_TIMEOUT_MILLIS));
        }

        IngestConfig ingest(Node node) {
            Section s = section(node, "ingest", INGEST_KEYS);
            IngestConfig d = IngestConfig.defaults();
            int shards = "auto".equals(text(s, "shards")) ? d.shards()
                    : (int) integer(s, "shards", d.shards(), 1, IngestConfig.MAX_SHARDS);
            powerOfTwo(s, "shards", shards);
            int ringSlots = (int) integer(s, "ring_slots", d.ringSlots(), 8, 1 << 20);
            powerOfTwo(s, "ring_slots", ringSlots);
            int batch = (int) integer(s, "batch_capacity", d.batchCapacity(), 16, 65_536);
            return new IngestConfig(shards, ringSlots, batch, new RelabelConfigReader(this).read(s, "relabel_configs"));
        }

        /** A whole number in [min, max] at {@code key}, or the default (with a problem when it is not). */
        long integer(Section s, String key, long defaultValue, long min, long max) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            long v;
            try {
                v = Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                problem(s.pathOf(key), "must be a whole number (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            if (v < min || v > max) {
                problem(s.pathOf(key), "must be in [" + min + ", " + max + "] (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return v;
        }

        void powerOfTwo(Section s, String key, int v) {
            if (Integer.bitCount(v) != 1) {
                problem(s.pathOf(key), "must be a power of two (got " + v + ")");
            }
        }

        QueryConfig query(Node node) {
            Section s = section(node, "query", QUERY_KEYS);
            QueryConfig d = QueryConfig.defaults();
            return new QueryConfig(duration(s, "timeout", d.timeoutMillis()),
                    (int) positive(s, "max_concurrency", d.maxConcurrency(), 10_000),
                    positive(s, "max_series", d.maxSeries(), Long.MAX_VALUE),
                    positive(s, "max_samples", d.maxSamples(), Long.MAX_VALUE),
                    (int) positive(s, "read_parallelism", d.readParallelism(), QueryConfig.MAX_READ_PARALLELISM),
                    heapShare(s, "cache_size", d.cacheBytes()),
                    cacheOffset(s, d.cacheOffsetMillis()),
                    heapShare(s, "kept_state_size", d.keptStateBytes()));
        }

        /** A duration key written as 0 ("0" or "0s"): the keys where 0 means none or the default rule. */
        private boolean zeroDuration(Section s, String key) {
            String text = text(s, key);
            return "0".equals(text) || "0s".equals(text);
        }

        /** A size key written as 0 ("0" or "0B"): the keys where 0 turns something off. */
        private boolean zeroSize(Section s, String key) {
            String text = text(s, key);
            return "0".equals(text) || "0B".equals(text);
        }

        /**
         * The range cache and the kept read state live on the heap: each at most a quarter of it, so queries and
         * requests keep the rest. The default is held to that too (a node given a smaller heap than tuning/jvm's gets
         * a smaller share, not an error); its default share of the default heap is an eighth or a quarter.
         */
        private long heapShare(Section s, String key, long defaultValue) {
            if (zeroSize(s, key)) {
                return 0;
            }
            long heapQuarter = Runtime.getRuntime().maxMemory() / 4;
            if (text(s, key) == null) {
                return Math.min(defaultValue, heapQuarter);
            }
            long bytes = size(s, key, defaultValue);
            if (bytes > heapQuarter) {
                problem(s.pathOf(key), "must be at most a quarter of the heap (-Xmx in tuning/jvm), "
                        + ByteSize.format(heapQuarter) + " (got " + Quote.of(text(s, key)) + ")");
                return Math.min(defaultValue, heapQuarter);
            }
            return bytes;
        }

        private long cacheOffset(Section s, long defaultValue) {
            if (zeroDuration(s, "cache_offset")) {
                return 0;
            }
            long millis = duration(s, "cache_offset", defaultValue);
            if (millis > QueryConfig.MAX_CACHE_OFFSET_MILLIS) {
                problem(s.pathOf("cache_offset"), "must be at most 1d (got " + Quote.of(text(s, "cache_offset")) + ")");
                return defaultValue;
            }
            return millis;
        }

        /** A whole number in [1, max] at {@code key}, or the default when absent or after a problem. */
        long positive(Section s, String key, long defaultValue, long max) {
            return integer(s, key, defaultValue, 1, max);
        }

        /** {@code limits}: ingest limits that protect the node; 0 turns one off. */
        io.weir.net.ingest.IngestLimits.Config limits(Node node) {
            Section s = section(node, "limits", List.of(io.weir.net.ingest.IngestLimits.KEYS));
            io.weir.net.ingest.IngestLimits.Config d = io.weir.net.ingest.IngestLimits.Config.defaults();
            return new io.weir.net.ingest.IngestLimits.Config(count(s, "max_labels_per_series", d.maxLabelsPerSeries()),
                    count(s, "max_label_name_length", d.maxLabelNameLength()),
                    count(s, "max_label_value_length", d.maxLabelValueLength()),
                    count(s, "max_series_per_request", d.maxSeriesPerRequest()),
                    count(s, "max_new_series_per_second", d.maxNewSeriesPerSecond()),
                    count(s, "max_series", d.maxSeries()));
        }

        /** A limit: a whole number from 0 (no limit) to Integer.MAX_VALUE. */
        int count(Section s, String key, int defaultValue) {
            return (int) integer(s, key, defaultValue, 0, Integer.MAX_VALUE);
        }

        LogConfig log(Node node) {
            Section s = section(node, "log", List.of("level", "format"));
            return new LogConfig(logLevel(text(s, "level"), s.pathOf("level")), logFormat(text(s, "format"), s.pathOf("format")));
        }

        LogConfig.Level logLevel(String text, String path) {
            LogConfig.Level l = text == null ? LogConfig.Level.INFO : LogConfig.level(text);
            if (l == null) {
                problem(path, "must be one of debug, info, warn, error (got " + Quote.of(text) + ")");
                return LogConfig.Level.INFO;
            }
            return l;
        }

        LogConfig.Format logFormat(String text, String path) {
            LogConfig.Format f = text == null ? LogConfig.Format.LOGFMT : LogConfig.format(text);
            if (f == null) {
                problem(path, "must be logfmt or json (got " + Quote.of(text) + ")");
                return LogConfig.Format.LOGFMT;
            }
            return f;
        }

        ServerConfig server(Node node) {
            Section s = section(node, "server", SERVER_KEYS);
            ServerConfig d = ServerConfig.defaults();
            HostPort hp = new HostPort(d.host(), d.port());
            String listen = text(s, "listen");
            if (listen != null) {
                HostPort parsed = listen(listen, s.pathOf("listen"));
                if (parsed != null) {
                    hp = parsed;
                }
            }
            long maxRequest = size(s, "max_request_bytes", d.maxRequestBytes());
            if (maxRequest > MAX_REQUEST_BYTES_CEILING) {
                problem(s.pathOf("max_request_bytes"), "must be at most "
                        + ByteSize.format(MAX_REQUEST_BYTES_CEILING) + " (got " + ByteSize.format(maxRequest) + ")");
            }
            WebSecurityConfig security = authorization(s.get("authorization"), s.pathOf("authorization"));
            String webConfig = text(s, "web_config_file");
            if (webConfig != null && !webConfig.isBlank()) {
                security = webConfig(webConfig, s.pathOf("web_config_file"), security);
            }
            checkRoleUsers(security, s.pathOf("authorization"));
            int compression = (int) integer(s, "response_compression_level", d.responseCompressionLevel(), 0, 9);
            return new ServerConfig(hp.host(), hp.port(), maxRequest, security, compression);
        }

        /** Reads the web config file named at {@code path} into {@code security}; its problems are reported at {@code path}. */
        WebSecurityConfig webConfig(String file, String path, WebSecurityConfig security) {
            WebConfigFile.Result r = WebConfigFile.read(Path.of(file));
            r.problems().forEach(m -> problem(path, m));
            return security.withWebConfig(Path.of(file), r.tls(), r.users());
        }

        /** {@code server.authorization}: Weir's roles per basic-auth user and its bearer tokens. */
        WebSecurityConfig authorization(Node node, String path) {
            Section s = section(node, path, List.of("users", "bearer_tokens"));
            Map<String, Set<io.weir.net.security.Role>> roles = null;
            Node users = s.get("users");
            if (users != null) {
                roles = new LinkedHashMap<>();
                Section u = section(users, s.pathOf("users"), null);
                for (Map.Entry<String, Node> e : u.entries.entrySet()) {
                    roles.put(e.getKey(), roles(e.getValue(), u.pathOf(e.getKey())));
                }
            }
            List<io.weir.net.security.Authenticator.BearerToken> tokens = new ArrayList<>();
            Node list = s.get("bearer_tokens");
            if (list instanceof SequenceNode seq) {
                for (int i = 0; i < seq.getValue().size(); i++) {
                    Section t = section(seq.getValue().get(i), s.pathOf("bearer_tokens") + "[" + i + "]",
                            List.of("name", "token_file", "roles"));
                    String name = text(t, "name");
                    String tokenFile = text(t, "token_file");
                    if (name == null || tokenFile == null) {
                        problem(t.path, "needs name, token_file and roles");
                        continue;
                    }
                    String token;
                    try {
                        token = Files.readString(Path.of(tokenFile)).strip();
                    } catch (IOException | InvalidPathException e) {
                        problem(t.pathOf("token_file"), "cannot read " + Quote.of(tokenFile) + ": " + e.getMessage());
                        continue;
                    }
                    if (token.length() < 16) {
                        problem(t.pathOf("token_file"), "token in " + tokenFile + " is shorter than 16 characters");
                        continue;
                    }
                    tokens.add(new io.weir.net.security.Authenticator.BearerToken(name,
                            io.weir.net.security.Authenticator.sha256(token), roles(t.get("roles"), t.pathOf("roles"))));
                }
            } else if (list != null) {
                problem(s.pathOf("bearer_tokens"), "must be a list of {name, token_file, roles}");
            }
            return new WebSecurityConfig(null, null, Map.of(), roles, tokens);
        }

        Set<io.weir.net.security.Role> roles(Node node, String path) {
            Set<io.weir.net.security.Role> roles = EnumSet.noneOf(io.weir.net.security.Role.class);
            if (!(node instanceof SequenceNode seq)) {
                problem(path, "must be a list of roles: write, read, admin");
                return roles;
            }
            for (int i = 0; i < seq.getValue().size(); i++) {
                String name = scalar(seq.getValue().get(i), path + "[" + i + "]");
                io.weir.net.security.Role r = name == null ? null : io.weir.net.security.Role.byConfigName(name);
                if (r == null && name != null) {
                    problem(path + "[" + i + "]", "unknown role " + Quote.of(name) + " (expected write, read or admin)");
                } else if (r != null) {
                    roles.add(r);
                }
            }
            return roles;
        }

        /** Roles for a user the web config does not know would be a typo that locks the real user out. */
        void checkRoleUsers(WebSecurityConfig security, String path) {
            if (security.userRoles() == null) {
                return;
            }
            for (String user : security.userRoles().keySet()) {
                if (!security.basicAuthUsers().containsKey(user)) {
                    problem(path + ".users." + user, "no such user in the web config's basic_auth_users"
                            + (security.webConfigFile() == null ? " (server.web_config_file is not set)" : ""));
                }
            }
        }

        StorageConfig storage(Node node) {
            Section s = section(node, "storage", STORAGE_KEYS);
            StorageConfig d = StorageConfig.defaults();
            Path dataDir = d.dataDir();
            String dir = text(s, "data_dir");
            if (dir != null) {
                if (dir.isBlank()) {
                    problem(s.pathOf("data_dir"), "must not be empty");
                } else {
                    try {
                        dataDir = Path.of(dir);
                    } catch (InvalidPathException e) {
                        problem(s.pathOf("data_dir"), "not a valid path: " + Quote.of(dir) + " (" + e.getReason() + ")");
                    }
                }
            }
            long exactMax = d.exactMaxBytes();
            String exactText = text(s, "exact_max_bytes");
            if (zeroSize(s, "exact_max_bytes")) {
                exactMax = 0;
            } else if (exactText != null) {
                exactMax = size(s, "exact_max_bytes", d.exactMaxBytes());
                if (exactMax < 256 || exactMax > StorageConfig.MAX_EXACT_MAX_BYTES) {
                    problem(s.pathOf("exact_max_bytes"), "must be 0 (off) or in [256B, "
                            + ByteSize.format(StorageConfig.MAX_EXACT_MAX_BYTES) + "] (got " + Quote.of(exactText) + ")");
                    exactMax = d.exactMaxBytes();
                }
            }
            long seriesCapacity = integer(s, "series_capacity", d.seriesCapacity(), 1024, 1L << 31);
            long idleTimeout = zeroDuration(s, "series_idle_timeout") ? 0 : duration(s, "series_idle_timeout", 0); // 0: the default rule
            if (idleTimeout != 0 && idleTimeout < StorageConfig.MIN_SERIES_IDLE_TIMEOUT_MILLIS) {
                problem(s.pathOf("series_idle_timeout"), "must be at least 1m (got " + Quote.of(text(s, "series_idle_timeout")) + ")");
                idleTimeout = 0;
            }
            long chunk = size(s, "slab_chunk", d.slabChunkBytes());
            if (chunk > StorageConfig.MAX_SLAB_CHUNK_BYTES || Long.bitCount(chunk) != 1) {
                problem(s.pathOf("slab_chunk"), "must be a power of two of at most "
                        + ByteSize.format(StorageConfig.MAX_SLAB_CHUNK_BYTES) + " (got " + Quote.of(text(s, "slab_chunk")) + ")");
                chunk = d.slabChunkBytes();
            }
            long tail = zeroDuration(s, "exact_tail") ? 0 : duration(s, "exact_tail", d.exactTailMillis());
            if (tail != 0 && (tail < StorageConfig.MIN_EXACT_TAIL_MILLIS || tail > StorageConfig.MAX_EXACT_TAIL_MILLIS)) {
                problem(s.pathOf("exact_tail"), "must be 0 (none) or in [1m, 1d] (got " + Quote.of(text(s, "exact_tail")) + ")");
                tail = d.exactTailMillis();
            }
            long keep = zeroSize(s, "exact_keep_bytes") ? 0 : size(s, "exact_keep_bytes", Math.min(d.exactKeepBytes(), exactMax));
            if (keep > exactMax) {
                problem(s.pathOf("exact_keep_bytes"), "must be at most storage.exact_max_bytes = " + ByteSize.format(exactMax)
                        + " (got " + Quote.of(text(s, "exact_keep_bytes")) + ")");
                keep = Math.min(d.exactKeepBytes(), exactMax);
            }
            return new StorageConfig(dataDir, size(s, "memory_limit", d.memoryLimitBytes()), exactMax, seriesCapacity, idleTimeout,
                    (int) chunk, zeroDuration(s, "series_free_after") ? 0 : duration(s, "series_free_after", 0), tail,
                    share(s, "exact_growth", d.exactGrowth(), Share.WHOLE),
                    share(s, "exact_tail_share", d.exactTailShare(), StorageConfig.MAX_EXACT_TAIL_SHARE),
                    share(s, "exact_tail_budget", d.exactTailBudget(), Share.WHOLE), keep);
        }

        /** A share in (0, max] at {@code key}, written {@code 1/8} or {@code 0.125}; or the default (with a problem when it is not). */
        Share share(Section s, String key, Share defaultValue, Share max) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            Share v;
            try {
                v = Share.parse(text);
            } catch (IllegalArgumentException e) {
                v = null; // reported below, with the range
            }
            if (v == null || !v.atMost(max)) {
                problem(s.pathOf(key), "must be a fraction or a decimal in (0, " + max + "], e.g. " + defaultValue
                        + " (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return v;
        }

        WalConfig wal(Node node) {
            Section s = section(node, "wal", WAL_KEYS);
            WalConfig d = WalConfig.defaults();
            FsyncPolicy fsync = d.fsync();
            String text = text(s, "fsync");
            if (text != null) {
                FsyncPolicy p = FsyncPolicy.byConfigName(text);
                if (p == null) {
                    problem(s.pathOf("fsync"), "must be one of " + FSYNC_VALUES + " (got " + Quote.of(text) + ")");
                } else {
                    fsync = p;
                }
            }
            return new WalConfig(fsync, duration(s, "fsync_interval", d.fsyncIntervalMillis()),
                    size(s, "max_disk", d.maxDiskBytes()));
        }

        BackendConfig backend(Node node) {
            Section s = section(node, "backend", BACKEND_KEYS);
            URI url = null;
            String urlText = text(s, "url");
            if (urlText != null && !urlText.isEmpty()) {
                url = backendUrl(urlText, s.pathOf("url"));
            }
            URI remoteWrite = null;
            String rwText = text(s, "remote_write_url");
            if (rwText != null && !rwText.isEmpty()) {
                remoteWrite = httpUrl(rwText, s.pathOf("remote_write_url"), true);
                if (urlText == null || urlText.isEmpty()) {
                    // Both or neither: "no backend" must mean nothing is forwarded and nothing is queried.
                    problem(s.pathOf("remote_write_url"), "set without backend.url (got " + Quote.of(rwText)
                            + "); set backend.url to the backend's query API as well");
                }
            }
            long timeout = duration(s, "timeout", BackendConfig.DEFAULT_TIMEOUT_MILLIS);
            BackendAccess access = backendAccess(s);
            int batch = (int) positive(s, "forward_batch_samples", BackendConfig.DEFAULT_FORWARD_BATCH_SAMPLES,
                    BackendConfig.MAX_FORWARD_BATCH_SAMPLES);
            if (url == null || (remoteWrite == null && rwText != null && !rwText.isEmpty())) {
                return new BackendConfig(null, null, timeout, access, batch);
            }
            return new BackendConfig(url, remoteWrite != null ? remoteWrite : BackendConfig.defaultRemoteWriteUrl(url),
                    timeout, access, batch);
        }

        /** {@code backend.basic_auth / authorization / tls_config / headers}, Prometheus' remote-write client keys. */
        BackendAccess backendAccess(Section s) {
            String authorization = null;
            Section basic = section(s.get("basic_auth"), s.pathOf("basic_auth"), List.of("username", "password", "password_file"));
            Section bearer = section(s.get("authorization"), s.pathOf("authorization"), List.of("type", "credentials", "credentials_file"));
            if (!basic.entries.isEmpty()) {
                String user = text(basic, "username");
                String password = secret(basic, "password", "password_file");
                if (user == null || user.isEmpty()) {
                    problem(basic.pathOf("username"), "required");
                } else if (password != null) {
                    authorization = BackendAccess.basic(user, password);
                }
            }
            if (!bearer.entries.isEmpty()) {
                if (authorization != null) {
                    problem(s.pathOf("authorization"), "at most one of basic_auth and authorization may be set");
                }
                String type = text(bearer, "type");
                String credentials = secret(bearer, "credentials", "credentials_file");
                if (type != null && type.equalsIgnoreCase("basic")) {
                    problem(bearer.pathOf("type"), "use basic_auth for Basic credentials");
                } else if (credentials != null) {
                    authorization = (type == null ? "Bearer" : type) + " " + credentials;
                }
            }
            Section tls = section(s.get("tls_config"), s.pathOf("tls_config"), List.of("ca_file", "cert_file", "key_file"));
            Path ca = readableFile(tls, "ca_file");
            Path cert = readableFile(tls, "cert_file");
            Path key = readableFile(tls, "key_file");
            if ((tls.get("cert_file") == null) != (tls.get("key_file") == null)) {
                problem(tls.path, "cert_file and key_file go together");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            Section h = section(s.get("headers"), s.pathOf("headers"), null);
            for (String name : h.entries.keySet()) {
                String value = text(h, name);
                String lower = name.toLowerCase(Locale.ROOT);
                if (List.of("authorization", "host", "content-length", "content-encoding", "content-type", "connection",
                        "expect", "upgrade", "user-agent", "x-prometheus-remote-write-version").contains(lower)) {
                    problem(h.pathOf(name), "this header is set by Weir"
                            + (lower.equals("authorization") ? " (use basic_auth or authorization)" : "") + "; remove it");
                } else if (value != null) {
                    headers.put(name, value);
                }
            }
            BackendAccess access = new BackendAccess(authorization, ca, cert, key, headers);
            try {
                access.sslContext(); // refuse at start-up what every request would fail on
            } catch (java.io.IOException e) {
                problem(tls.path, e.getMessage());
            }
            return access;
        }

        /** A secret given inline or in a file (read now, trailing newline dropped), exactly one of the two. */
        String secret(Section s, String inlineKey, String fileKey) {
            String inline = text(s, inlineKey);
            String file = text(s, fileKey);
            if (inline != null && file != null) {
                problem(s.path, "at most one of " + inlineKey + " and " + fileKey + " may be set");
                return null;
            }
            if (file != null) {
                try {
                    return Files.readString(Path.of(file)).strip();
                } catch (IOException | InvalidPathException e) {
                    problem(s.pathOf(fileKey), "cannot read " + Quote.of(file) + ": " + e.getMessage());
                    return null;
                }
            }
            if (inline == null) {
                problem(s.pathOf(inlineKey), "required (or " + fileKey + ")");
            }
            return inline;
        }

        Path readableFile(Section s, String key) {
            String file = text(s, key);
            if (file == null) {
                return null;
            }
            try {
                Path p = Path.of(file);
                if (Files.isReadable(p)) {
                    return p;
                }
            } catch (InvalidPathException e) {
                // reported below
            }
            problem(s.pathOf(key), "file not found or not readable: " + Quote.of(file));
            return null;
        }

        SketchConfig sketch(Node node) {
            Section s = section(node, "sketch", SKETCH_KEYS);
            long defaultWindow = duration(s, "default_window", SketchConfig.DEFAULT_WINDOW_MILLIS);
            Buckets buckets = new Buckets(
                    (int) positive(s, "aggregate_buckets", SketchConfig.DEFAULT_AGGREGATE_BUCKETS, AggregateSketchSpec.MAX_WINDOW_BUCKETS),
                    (int) positive(s, "quantile_buckets", SketchConfig.DEFAULT_QUANTILE_BUCKETS, QuantileSketchSpec.MAX_WINDOW_BUCKETS),
                    (int) positive(s, "frequency_buckets", SketchConfig.DEFAULT_FREQUENCY_BUCKETS, FrequencySketchSpec.MAX_WINDOW_BUCKETS));
            List<SketchTarget> targets = new ArrayList<>();
            Node list = s.get("targets");
            if (list == null) {
                // Without a targets list every series is sketched: a node with no backend and no sketches would
                // keep nothing. An explicit empty list ("targets: []") sketches nothing.
                SketchTarget everything = SketchConfig.everything(defaultWindow);
                if (windowFits(everything, s.pathOf("default_window"), buckets)) {
                    targets.add(everything);
                }
            } else {
                String path = s.pathOf("targets");
                if (list instanceof SequenceNode seq) {
                    if (seq.getValue().size() > SeriesSketchTargets.MAX_TARGETS) {
                        problem(path, "at most " + SeriesSketchTargets.MAX_TARGETS + " targets (got " + seq.getValue().size() + ")");
                    }
                    for (int i = 0; i < seq.getValue().size(); i++) {
                        SketchTarget t = target(seq.getValue().get(i), path + "[" + i + "]", defaultWindow, buckets);
                        if (t != null) {
                            targets.add(t);
                        }
                    }
                } else {
                    problem(path, "must be a list of targets (got " + describe(list) + ")");
                }
            }
            // too many targets were reported above; none are kept, so the checks after this one still run
            return new SketchConfig(defaultWindow, targets.size() > SeriesSketchTargets.MAX_TARGETS ? List.of() : targets,
                    buckets.aggregate(), buckets.quantile(), buckets.frequency());
        }

        /**
         * A family cuts a window into at most its bucket budget, of the widest bucket width at most: a longer window is
         * reported at {@code path} (false).
         */
        boolean windowFits(SketchTarget t, String path, Buckets buckets) {
            boolean fits = true;
            for (SketchFunction.Family family : SketchFunction.Family.values()) {
                if (!t.wants(family)) {
                    continue;
                }
                int budget = buckets.of(family);
                long longest = switch (family) {
                    case AGGREGATE -> AggregateSketchSpec.longestWindowMillis(budget);
                    case QUANTILE -> QuantileSketchSpec.longestWindowMillis(budget);
                    case FREQUENCY -> FrequencySketchSpec.longestWindowMillis(budget);
                };
                if (t.windowMillis() > longest) {
                    String key = "sketch." + family.name().toLowerCase(Locale.ROOT) + "_buckets";
                    problem(path, "window " + Durations.format(t.windowMillis()) + " is longer than " + key + " = " + budget
                            + " buckets of the widest width cover, " + Durations.format(longest) + "; raise " + key
                            + " or shorten the window");
                    fits = false;
                }
            }
            return fits;
        }

        SketchTarget target(Node node, String path, long defaultWindow, Buckets buckets) {
            if (isNull(node)) {
                problem(path, "empty target: needs at least a \"match\" selector");
                return null;
            }
            Section s = section(node, path, TARGET_KEYS);
            if (s.malformed) {
                return null;
            }
            String match = text(s, "match");
            List<LabelMatcher> matchers = null;
            if (match == null) {
                if (s.get("match") == null) {
                    problem(s.pathOf("match"), "required: the selector of the series this target sketches");
                }
            } else if (match.isBlank()) {
                problem(s.pathOf("match"), "must not be empty (use '{__name__=~\".+\"}' for all series)");
            } else {
                matchers = selector(match, s.pathOf("match"));
            }
            long window = duration(s, "window", defaultWindow);
            Set<SketchFunction> functions = functions(s);
            if (matchers == null || functions == null) {
                return null;
            }
            SketchTarget t = new SketchTarget(match, matchers, window, functions);
            return windowFits(t, s.pathOf("window"), buckets) ? t : null;
        }

        List<LabelMatcher> selector(String match, String path) {
            List<LabelMatcher> matchers;
            try {
                matchers = selectorParser.parse(match);
            } catch (IllegalArgumentException e) { // InvalidRegexException included: RE2 syntax, as queries
                problem(path, "not a valid selector: " + Quote.of(match) + " (" + e.getMessage() + ")");
                return null;
            }
            // Prometheus refuses such selectors too: they would select every series, including ones without a name.
            if (matchers.stream().allMatch(LabelMatcher::matchesEmpty)) {
                problem(path, "selector must contain at least one matcher that does not match the empty string"
                        + " (got " + Quote.of(match) + "; use '{__name__=~\".+\"}' for all series)");
                return null;
            }
            return matchers;
        }

        /** @return all functions when absent, null after a problem */
        Set<SketchFunction> functions(Section s) {
            Node node = s.get("functions");
            if (node == null) {
                return EnumSet.allOf(SketchFunction.class);
            }
            String path = s.pathOf("functions");
            if (!(node instanceof SequenceNode seq)) {
                problem(path, "must be a list of function names, e.g. [avg_over_time, quantile_over_time] (got "
                        + describe(node) + ")");
                return null;
            }
            if (seq.getValue().isEmpty()) {
                problem(path, "must not be empty (leave it out for all functions)");
                return null;
            }
            Set<SketchFunction> functions = EnumSet.noneOf(SketchFunction.class);
            boolean ok = true;
            for (int i = 0; i < seq.getValue().size(); i++) {
                String itemPath = path + "[" + i + "]";
                String name = scalar(seq.getValue().get(i), itemPath);
                if (name == null) {
                    ok = false;
                    continue;
                }
                SketchFunction f = SketchFunction.byPromqlName(name);
                if (f == null) {
                    problem(itemPath, "unknown sketch function " + Quote.of(name) + " (supported: " + ALL_FUNCTIONS + ")");
                    ok = false;
                } else if (!functions.add(f)) {
                    problem(itemPath, "duplicate function " + Quote.of(name));
                    ok = false;
                }
            }
            return ok ? functions : null;
        }

        HostPort listen(String text, String path) {
            String hostPart;
            String portPart;
            if (text.startsWith("[")) {
                int close = text.indexOf("]:");
                if (close < 0) {
                    problem(path, "expected [IPV6]:PORT (got " + Quote.of(text) + ")");
                    return null;
                }
                hostPart = text.substring(1, close);
                portPart = text.substring(close + 2);
                if (!IPV6_LITERAL.matcher(hostPart).matches()) {
                    problem(path, "not a valid IPv6 address: " + Quote.of(hostPart));
                    return null;
                }
            } else {
                int colon = text.lastIndexOf(':');
                if (colon < 0) {
                    problem(path, "expected HOST:PORT or :PORT (got " + Quote.of(text) + ")");
                    return null;
                }
                hostPart = text.substring(0, colon);
                portPart = text.substring(colon + 1);
                if (hostPart.indexOf(':') >= 0) {
                    problem(path, "an IPv6 address needs brackets, e.g. \"[::1]:9201\" (got " + Quote.of(text) + ")");
                    return null;
                }
                if (!hostPart.isEmpty() && !HOST_NAME.matcher(hostPart).matches()) {
                    problem(path, "not a valid host: " + Quote.of(hostPart));
                    return null;
                }
            }
            if (portPart.isEmpty()) {
                problem(path, "missing port (got " + Quote.of(text) + ")");
                return null;
            }
            if (!portPart.chars().allMatch(c -> c >= '0' && c <= '9')) {
                problem(path, "port " + Quote.of(portPart) + " is not a number");
                return null;
            }
            String digits = portPart.replaceFirst("^0+(?=.)", "");
            if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
                problem(path, "port " + digits + " out of range");
                return null;
            }
            return new HostPort(hostPart, Integer.parseInt(digits));
        }

        /** The query API base: no query string, trailing slashes dropped so that paths can be appended. */
        URI backendUrl(String text, String path) {
            URI uri = httpUrl(text, path, false);
            if (uri == null) {
                return null;
            }
            String s = uri.toString();
            int end = s.length();
            while (end > 0 && s.charAt(end - 1) == '/') {
                end--;
            }
            return end == s.length() ? uri : URI.create(s.substring(0, end));
        }

        URI httpUrl(String text, String path, boolean allowQuery) {
            if (!text.contains("://")) {
                problem(path, "must be an http:// or https:// URL (got " + Quote.of(text) + ")");
                return null;
            }
            URI uri;
            try {
                uri = new URI(text.strip());
            } catch (URISyntaxException e) {
                problem(path, "not a valid URL: " + Quote.of(text) + " (" + e.getReason() + ")");
                return null;
            }
            String scheme = uri.getScheme();
            if (scheme == null || uri.isOpaque()
                    || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                problem(path, "must be an http:// or https:// URL (got " + Quote.of(text) + ")");
                return null;
            }
            if (uri.getHost() == null) {
                problem(path, "URL has no valid host (got " + Quote.of(text) + ")");
                return null;
            }
            if (!allowQuery && uri.getRawQuery() != null) {
                problem(path, "must not have a query string (got " + Quote.of(text) + ")");
                return null;
            }
            if (uri.getRawFragment() != null) {
                problem(path, "must not have a #fragment (got " + Quote.of(text) + ")");
                return null;
            }
            return uri;
        }

        long size(Section s, String key, long defaultValue) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            long bytes;
            try {
                bytes = ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                problem(s.pathOf(key), e.getMessage());
                return defaultValue;
            }
            if (bytes <= 0) {
                problem(s.pathOf(key), "must be greater than 0 (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return bytes;
        }

        long duration(Section s, String key, long defaultValue) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            long millis;
            try {
                millis = Durations.parseMillis(text);
            } catch (IllegalArgumentException e) {
                String hint = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')
                        ? " (a unit is required, e.g. \"" + text + "s\")" : "";
                String what = e.getMessage() != null && e.getMessage().contains("out of range")
                        ? "duration out of range: " : "not a valid duration: ";
                problem(s.pathOf(key), what + Quote.of(text) + hint);
                return defaultValue;
            }
            if (millis <= 0) {
                problem(s.pathOf(key), "must be greater than 0 (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return millis;
        }

        /** A list of scalars, or null (with a problem) when it is not one. */
        List<String> strings(Node node, String path) {
            if (!(node instanceof SequenceNode seq)) {
                problem(path, "must be a list (got " + (node == null ? "nothing" : ConfigLoader.describe(node)) + ")");
                return null;
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < seq.getValue().size(); i++) {
                String v = scalar(seq.getValue().get(i), path + "[" + i + "]");
                if (v == null) {
                    return null;
                }
                out.add(v);
            }
            return out;
        }

        /** The scalar at {@code key}, or null when absent or after a problem. */
        String text(Section s, String key) {
            Node node = s.get(key);
            return node == null ? null : scalar(node, s.pathOf(key));
        }

        String scalar(Node node, String path) {
            if (node instanceof ScalarNode scalar) {
                if (isNull(node)) {
                    problem(path, "must not be null");
                    return null;
                }
                return scalar.getValue();
            }
            problem(path, "must be a single value (got " + describe(node) + ")");
            return null;
        }

        Section section(Node node, String path, List<String> keys) {
            Section s = new Section(path);
            if (isNull(node)) {
                return s;
            }
            if (!(node instanceof MappingNode mapping)) {
                problem(path, (path.isEmpty() ? "the document must" : "must") + " be a mapping"
                        + (keys == null ? "" : " with keys " + String.join(", ", keys)) + " (got " + describe(node) + ")");
                s.malformed = true;
                return s;
            }
            for (NodeTuple t : mapping.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
                if (keys != null && !keys.contains(key)) {
                    problem(s.pathOf(key), "unknown key" + suggestion(key, keys));
                } else if (s.entries.containsKey(key)) {
                    problem(s.pathOf(key), "duplicate key");
                } else {
                    s.entries.put(key, t.getValueNode());
                }
            }
            return s;
        }
    }

    /** A mapping's known keys, as found; absent and null-valued keys read as null. */
    static final class Section {
        final String path;
        final Map<String, Node> entries = new LinkedHashMap<>();
        boolean malformed;

        Section(String path) {
            this.path = path;
        }

        String pathOf(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        Node get(String key) {
            Node n = entries.get(key);
            return isNull(n) ? null : n;
        }
    }

    static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode && Tag.NULL.equals(node.getTag()));
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return Quote.of(((ScalarNode) node).getValue());
    }

    /** Typos are the common case of an unknown key: name the closest known key when it is close. */
    private static String suggestion(String key, List<String> keys) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : keys) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (best != null && bestDistance <= Math.max(1, best.length() / 3)) {
            return " (did you mean \"" + best + "\"?)";
        }
        return " (expected one of " + String.join(", ", keys) + ")";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
