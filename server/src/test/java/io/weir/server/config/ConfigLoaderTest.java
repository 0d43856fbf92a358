package io.weir.server.config;

import io.weir.engine.query.Durations;
import io.weir.engine.sketch.Share;
import io.weir.engine.sketch.SketchTarget;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ConfigLoaderTest {
    /** The example from interface.md, with its values changed from the defaults where that shows more. */
    static final String EXAMPLE = """
            server:
              listen: ":9201"                   # or "127.0.0.1:9201"
              max_request_bytes: 32MiB          # compressed and decompressed body limit
            storage:
              data_dir: "./data"
              memory_limit: 4GiB                # off-heap sketch memory; past it new series are refused, counted
            wal:
              fsync: interval                   # always | interval | never
              fsync_interval: 1s
              max_disk: 16GiB                   # WAL kept for the backend forwarder while the backend is down
            backend:
              url: ""                           # e.g. http://127.0.0.1:8428 (VictoriaMetrics) or :9090 (Prometheus)
              remote_write_url: ""              # default: url + /api/v1/write
              timeout: 30s
            sketch:
              default_window: 1h                # how far back sketches answer
              targets:                          # first match wins; a series matching none is only forwarded
                - match: '{__name__=~"http_.*", job!="test"}'   # full PromQL selector semantics, anchored regexes ('{__name__=~".+"}' = all)
                  window: 2h
                  functions: [avg_over_time, quantile_over_time]   # default: all supported functions
            """;

    private final ConfigLoader loader = new ConfigLoader(new SimpleSelectorParser());

    private WeirConfig valid(String yaml) {
        ConfigResult r = loader.parse(yaml, "test.yaml");
        assertTrue(r.isValid(), () -> "unexpected problems: " + r.problems());
        return r.config();
    }

    private List<ConfigProblem> problems(String yaml) {
        ConfigResult r = loader.parse(yaml, "test.yaml");
        assertFalse(r.isValid(), "expected problems");
        return r.problems();
    }

    @Test
    void interfaceExampleParses() {
        WeirConfig c = valid(EXAMPLE);
        assertEquals(new ServerConfig("", 9201, 32L << 20), c.server());
        assertEquals(new StorageConfig(Path.of("./data"), 4L << 30), c.storage());
        assertEquals(new WalConfig(FsyncPolicy.INTERVAL, 1000, 16L << 30), c.wal());
        assertEquals(new BackendConfig(null, null, 30_000), c.backend());
        assertFalse(c.backend().enabled());
        assertEquals(3_600_000, c.sketch().defaultWindowMillis());
        assertEquals(1, c.sketch().targets().size());
        SketchTarget t = c.sketch().targets().getFirst();
        assertEquals("{__name__=~\"http_.*\", job!=\"test\"}", t.match());
        assertEquals(List.of(LabelMatcher.of(LabelMatcher.Type.RE, "__name__", "http_.*"),
                LabelMatcher.of(LabelMatcher.Type.NEQ, "job", "test")), t.matchers());
        assertEquals(7_200_000, t.windowMillis());
        assertEquals(EnumSet.of(SketchFunction.AVG_OVER_TIME, SketchFunction.QUANTILE_OVER_TIME), t.functions());
    }

    @Test
    void exampleWithOtherValues() {
        WeirConfig c = valid("""
                server: {listen: "127.0.0.1:9300", max_request_bytes: 1000000, response_compression_level: 0}
                storage: {data_dir: /var/lib/weir, memory_limit: 512MB}
                wal: {fsync: always, fsync_interval: 1m30s, max_disk: 1TiB}
                backend:
                  url: http://127.0.0.1:8428/
                  timeout: 2m
                sketch:
                  targets:
                    - match: up
                    - match: 'http_requests_total{code=~"5.."}'
                      window: 1d
                      functions: [count_over_time]
                  default_window: 30m
                """);
        assertEquals(new ServerConfig("127.0.0.1", 9300, 1_000_000, WebSecurityConfig.NONE, 0), c.server());
        assertEquals(new StorageConfig(Path.of("/var/lib/weir"), 512_000_000), c.storage());
        assertEquals(new WalConfig(FsyncPolicy.ALWAYS, 90_000, 1L << 40), c.wal());
        assertEquals(URI.create("http://127.0.0.1:8428"), c.backend().url());
        assertEquals(URI.create("http://127.0.0.1:8428/api/v1/write"), c.backend().remoteWriteUrl());
        assertEquals(120_000, c.backend().timeoutMillis());
        List<SketchTarget> targets = c.sketch().targets();
        assertEquals(List.of(LabelMatcher.equal("__name__", "up")), targets.get(0).matchers());
        assertEquals(1_800_000, targets.get(0).windowMillis(), "window defaults to default_window, wherever it is");
        assertEquals(EnumSet.allOf(SketchFunction.class), targets.get(0).functions());
        assertEquals(13, targets.get(0).functions().size());
        assertEquals(86_400_000, targets.get(1).windowMillis());
        assertEquals(EnumSet.of(SketchFunction.COUNT_OVER_TIME), targets.get(1).functions());
    }

    @Test
    void ingestAndMemoryTunablesParse() {
        WeirConfig c = valid("""
                storage:
                  exact_max_bytes: 0
                  series_capacity: 4096
                ingest:
                  shards: 4
                  ring_slots: 256
                  batch_capacity: 512
                """);
        assertEquals(0, c.storage().exactMaxBytes());
        assertEquals(4096, c.storage().seriesCapacity());
        assertEquals(new IngestConfig(4, 256, 512), c.ingest());
        WeirConfig d = valid("storage: {exact_max_bytes: 64KiB}\ningest: {shards: auto}");
        assertEquals(64 * 1024, d.storage().exactMaxBytes());
        assertEquals(IngestConfig.defaults(), d.ingest());
        assertEquals(1, IngestConfig.defaultShards(2));
        assertEquals(4, IngestConfig.defaultShards(8));
        assertTrue(ConfigLoader.summary(c).contains("4 shard writer(s), ring 256 x 512 samples ("));
    }

    @Test
    void explicitRemoteWriteUrlIsKept() {
        BackendConfig b = valid("""
                backend:
                  url: https://prom.example.com:9090/prefix
                  remote_write_url: "https://ingest.example.com/api/v1/write?extra_label=a"
                """).backend();
        assertEquals(URI.create("https://prom.example.com:9090/prefix"), b.url());
        assertEquals(URI.create("https://ingest.example.com/api/v1/write?extra_label=a"), b.remoteWriteUrl());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''",
            "'   \n# only a comment\n'",
            "'{}'",
            "'---\n'",
            "'server:\nstorage: ~\nwal: null\nbackend: {}\nsketch:\n'",
    })
    void emptyDocumentsGiveTheDefaults(String yaml) {
        assertEquals(loader.defaults(), valid(yaml));
    }

    @Test
    void anExplicitEmptyTargetListSketchesNothing() {
        assertEquals(List.of(), valid("sketch:\n  targets: []\n").sketch().targets());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        WeirConfig d = loader.defaults();
        assertEquals(new ServerConfig("", 9201, 32L << 20), d.server());
        assertTrue(d.server().allInterfaces());
        assertEquals(":9201", d.server().listen());
        assertEquals(new StorageConfig(Path.of("./data"), 4L << 30), d.storage());
        assertEquals(new WalConfig(FsyncPolicy.INTERVAL, 1_000, 16L << 30), d.wal());
        assertEquals(new BackendConfig(null, null, 30_000), d.backend());
        assertEquals(new SketchConfig(3_600_000, List.of(SketchConfig.everything(3_600_000))), d.sketch());
        assertEquals(SketchFunction.values().length, d.sketch().targets().getFirst().functions().size());
        assertEquals(new QueryConfig(120_000, 20, 100_000, 50_000_000), d.query());
    }

    @Test
    void queryLimitsAreRead() {
        assertEquals(new QueryConfig(30_000, 4, 500, 1_000_000),
                valid("query: {timeout: 30s, max_concurrency: 4, max_series: 500, max_samples: 1000000}\n").query());
        assertEquals(new QueryConfig(30_000, 4, 500, 1_000_000, 3),
                valid("query: {timeout: 30s, max_concurrency: 4, max_series: 500, max_samples: 1000000, read_parallelism: 3}\n").query());
        assertEquals(List.of(new ConfigProblem("query.read_parallelism", problems("query: {read_parallelism: 0}").getFirst().message())),
                problems("query: {read_parallelism: 0}"));
    }

    @Test
    void zeroSeriesTimesMeanTheDefaultRuleAsTheReadmeSays() {
        StorageConfig zero = valid("storage: {series_idle_timeout: 0, series_free_after: 0s}\n").storage();
        assertEquals(0, zero.seriesIdleTimeoutMillis());
        assertEquals(0, zero.seriesFreeAfterMillis());
        assertEquals(7_200_000, valid("storage: {series_idle_timeout: 2h}\n").storage().seriesIdleTimeoutMillis());
    }

    @Test
    void theRangeResultCacheIsConfigured() {
        QueryConfig d = QueryConfig.defaults();
        assertEquals(256L << 20, d.cacheBytes());
        assertEquals(300_000, d.cacheOffsetMillis());
        // left out, the default is held to a quarter of the heap as a given size is (a smaller heap: a smaller cache)
        assertEquals(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4),
                valid("query: {timeout: 1m}\n").query().cacheBytes());
        QueryConfig q = valid("query: {cache_size: 16MiB, cache_offset: 2m}\n").query();
        assertEquals(16L << 20, q.cacheBytes());
        assertEquals(120_000, q.cacheOffsetMillis());
        assertEquals(0, valid("query: {cache_size: 0}\n").query().cacheBytes());
        assertEquals(0, valid("query: {cache_offset: 0s}\n").query().cacheOffsetMillis());
        assertEquals("query.cache_size", problems("query: {cache_size: lots}").getFirst().keyPath());
        assertEquals("query.cache_offset", problems("query: {cache_offset: -1m}").getFirst().keyPath());
        assertEquals("query.cache_size", problems("query: {cache_size: 1TiB}").getFirst().keyPath(), "more than the heap");
        ConfigProblem tooFar = problems("query: {cache_offset: 2d}").getFirst();
        assertEquals(new ConfigProblem("query.cache_offset", "must be at most 1d (got \"2d\")"), tooFar);
    }

    @Test
    void keptReadStateIsAHeapShareAsTheCacheIs() {
        assertEquals(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4),
                valid("query: {timeout: 1m}\n").query().keptStateBytes());
        assertEquals(16L << 20, valid("query: {kept_state_size: 16MiB}\n").query().keptStateBytes());
        assertEquals(0, valid("query: {kept_state_size: 0}\n").query().keptStateBytes());
        assertEquals("query.kept_state_size", problems("query: {kept_state_size: lots}").getFirst().keyPath());
        assertEquals("query.kept_state_size", problems("query: {kept_state_size: 1TiB}").getFirst().keyPath(), "more than the heap");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "':9201'            | ''          | 9201",
            "'127.0.0.1:9201'   | 127.0.0.1   | 9201",
            "'localhost:0'      | localhost   | 0",
            "'[::1]:9201'       | ::1         | 9201",
            "'[::]:65535'       | ::          | 65535",
            "'my-host.local:80' | my-host.local | 80",
    })
    void listenForms(String listen, String host, int port) {
        ServerConfig s = valid("server: {listen: '" + listen + "'}").server();
        assertEquals(host, s.host());
        assertEquals(port, s.port());
        assertEquals(listen, s.listen());
    }

    static Stream<Arguments> oneProblem() {
        return Stream.of(
                // unknown keys, at every level
                arguments("servr: {}", "servr", "unknown key (did you mean \"server\"?)"),
                arguments("metrics: {}", "metrics", "unknown key (expected one of server, storage, wal, backend, sketch, scrape_configs, log, limits, query, ingest, snapshot)"),
                arguments("server: {listn: ':1'}", "server.listn", "unknown key (did you mean \"listen\"?)"),
                arguments("wal: {fsync_intervall: 1s}", "wal.fsync_intervall", "unknown key (did you mean \"fsync_interval\"?)"),
                arguments("sketch: {targets: [{match: up, windows: 1h}]}", "sketch.targets[0].windows",
                        "unknown key (did you mean \"window\"?)"),
                arguments("server:\n  listen: ':1'\n  listen: ':2'\n", "server.listen", "duplicate key"),
                // wrong YAML types
                arguments("- a\n- b\n", "", "the document must be a mapping with keys server, storage, wal, backend, sketch, scrape_configs, log, limits, query, ingest, snapshot (got a list)"),
                arguments("server: 5", "server", "must be a mapping with keys listen, max_request_bytes, web_config_file, authorization, response_compression_level (got \"5\")"),
                arguments("server: {response_compression_level: 10}", "server.response_compression_level", "must be in [0, 9] (got \"10\")"),
                arguments("snapshot: {intervall: 5m}", "snapshot.intervall", "unknown key (did you mean \"interval\"?)"),
                arguments("snapshot: {interval: 0s}", "snapshot.interval", "must be greater than 0 (got \"0s\")"),
                arguments("snapshot: {interval: 15}", "snapshot.interval", "not a valid duration: \"15\" (a unit is required, e.g. \"15s\")"),
                arguments("snapshot: {keep: 0}", "snapshot.keep", "must be in [1, 100] (got \"0\")"),
                arguments("snapshot: {keep: three}", "snapshot.keep", "must be a whole number (got \"three\")"),
                arguments("wal: [always]", "wal", "must be a mapping with keys fsync, fsync_interval, max_disk (got a list)"),
                arguments("server: {listen: [':1']}", "server.listen", "must be a single value (got a list)"),
                arguments("sketch: {targets: {match: up}}", "sketch.targets", "must be a list of targets (got a mapping)"),
                arguments("sketch: {targets: [up]}", "sketch.targets[0]",
                        "must be a mapping with keys match, window, functions (got \"up\")"),
                arguments("sketch: {targets: [~]}", "sketch.targets[0]", "empty target: needs at least a \"match\" selector"),
                arguments("sketch: {targets: [{match: up, functions: avg_over_time}]}", "sketch.targets[0].functions",
                        "must be a list of function names, e.g. [avg_over_time, quantile_over_time] (got \"avg_over_time\")"),
                // listen
                arguments("server: {listen: '127.0.0.1:70000'}", "server.listen", "port 70000 out of range"),
                arguments("server: {listen: ':99999999999999999999'}", "server.listen", "port 99999999999999999999 out of range"),
                arguments("server: {listen: 9201}", "server.listen", "expected HOST:PORT or :PORT (got \"9201\")"),
                arguments("server: {listen: ':http'}", "server.listen", "port \"http\" is not a number"),
                arguments("server: {listen: ':-1'}", "server.listen", "port \"-1\" is not a number"),
                arguments("server: {listen: 'localhost:'}", "server.listen", "missing port (got \"localhost:\")"),
                arguments("server: {listen: ''}", "server.listen", "expected HOST:PORT or :PORT (got \"\")"),
                arguments("server: {listen: '::1:9201'}", "server.listen",
                        "an IPv6 address needs brackets, e.g. \"[::1]:9201\" (got \"::1:9201\")"),
                arguments("server: {listen: 'my host:9201'}", "server.listen", "not a valid host: \"my host\""),
                arguments("server: {listen: '[::1]'}", "server.listen", "expected [IPV6]:PORT (got \"[::1]\")"),
                // sizes
                arguments("server: {max_request_bytes: 32MB/s}", "server.max_request_bytes",
                        "not a valid size: \"32MB/s\" (use bytes, or a whole number with KiB, MiB, GiB, TiB, KB, MB, GB or TB)"),
                arguments("server: {max_request_bytes: 0}", "server.max_request_bytes", "must be greater than 0 (got \"0\")"),
                arguments("server: {max_request_bytes: 2GiB}", "server.max_request_bytes", "must be at most 1GiB (got 2GiB)"),
                arguments("storage: {memory_limit: -4GiB}", "storage.memory_limit", "must be greater than 0 (got \"-4GiB\")"),
                arguments("storage: {memory_limit: 1.5GiB}", "storage.memory_limit",
                        "not a valid size: \"1.5GiB\" (use bytes, or a whole number with KiB, MiB, GiB, TiB, KB, MB, GB or TB)"),
                arguments("wal: {max_disk: 9000000TiB}", "wal.max_disk", "size out of range: \"9000000TiB\""),
                arguments("storage: {exact_max_bytes: 2MiB}", "storage.exact_max_bytes",
                        "must be 0 (off) or in [256B, 1MiB] (got \"2MiB\")"),
                arguments("storage: {series_capacity: 10}", "storage.series_capacity", "must be in [1024, 2147483648] (got \"10\")"),
                // ingest
                arguments("ingest: {shards: 3}", "ingest.shards", "must be a power of two (got 3)"),
                arguments("ingest: {shards: 0}", "ingest.shards", "must be in [1, 256] (got \"0\")"),
                arguments("ingest: {ring_slots: 1000}", "ingest.ring_slots", "must be a power of two (got 1000)"),
                arguments("ingest: {batch_capacity: lots}", "ingest.batch_capacity", "must be a whole number (got \"lots\")"),
                arguments("ingest: {threads: 4}", "ingest.threads",
                        "unknown key (expected one of shards, ring_slots, batch_capacity, relabel_configs)"),
                // durations
                arguments("wal: {fsync_interval: 0s}", "wal.fsync_interval", "must be greater than 0 (got \"0s\")"),
                arguments("backend: {timeout: 30}", "backend.timeout", "not a valid duration: \"30\" (a unit is required, e.g. \"30s\")"),
                arguments("backend: {timeout: -5s}", "backend.timeout", "not a valid duration: \"-5s\""),
                arguments("sketch: {default_window: 1.5h}", "sketch.default_window", "not a valid duration: \"1.5h\""),
                arguments("sketch: {default_window: 1m1h}", "sketch.default_window", "not a valid duration: \"1m1h\""),
                arguments("sketch: {default_window: 99999999999y}", "sketch.default_window",
                        "duration out of range: \"99999999999y\""),
                arguments("sketch: {targets: [{match: up}, {match: up, window: 5x}]}", "sketch.targets[1].window",
                        "not a valid duration: \"5x\""),
                // fsync
                arguments("wal: {fsync: sometimes}", "wal.fsync", "must be one of always, interval, never (got \"sometimes\")"),
                arguments("wal: {fsync: ALWAYS}", "wal.fsync", "must be one of always, interval, never (got \"ALWAYS\")"),
                arguments("wal: {fsync: no}", "wal.fsync", "must be one of always, interval, never (got \"no\")"),
                // backend URLs
                arguments("backend: {url: 'ftp://host/x'}", "backend.url", "must be an http:// or https:// URL (got \"ftp://host/x\")"),
                arguments("backend: {url: '127.0.0.1:8428'}", "backend.url",
                        "must be an http:// or https:// URL (got \"127.0.0.1:8428\")"),
                arguments("backend: {url: 'localhost:8428'}", "backend.url",
                        "must be an http:// or https:// URL (got \"localhost:8428\")"),
                arguments("backend: {url: 'http:///api'}", "backend.url", "URL has no valid host (got \"http:///api\")"),
                arguments("backend: {url: 'http://a b'}", "backend.url", "not a valid URL: \"http://a b\" (Illegal character in authority)"),
                arguments("backend: {url: 'http://h:8428/?x=1'}", "backend.url", "must not have a query string (got \"http://h:8428/?x=1\")"),
                arguments("backend: {url: 'http://h:8428/#x'}", "backend.url", "must not have a #fragment (got \"http://h:8428/#x\")"),
                arguments("backend: {url: 'http://h', remote_write_url: 'h/api/v1/write'}", "backend.remote_write_url",
                        "must be an http:// or https:// URL (got \"h/api/v1/write\")"),
                arguments("backend: {remote_write_url: 'http://h/api/v1/write'}", "backend.remote_write_url",
                        "set without backend.url (got \"http://h/api/v1/write\"); set backend.url to the backend's query API as well"),
                // log
                arguments("log: {level: verbose}", "log.level", "must be one of debug, info, warn, error (got \"verbose\")"),
                arguments("log: {format: text}", "log.format", "must be logfmt or json (got \"text\")"),
                // limits
                arguments("limits: {max_series: -1}", "limits.max_series", "must be in [0, 2147483647] (got \"-1\")"),
                arguments("limits: {max_labels_per_series: many}", "limits.max_labels_per_series", "must be a whole number (got \"many\")"),
                arguments("limits: {max_labels: 3}", "limits.max_labels", "unknown key (expected one of max_labels_per_series, max_label_name_length, max_label_value_length, max_series_per_request, max_new_series_per_second, max_series)"),
                // backend access
                arguments("backend: {url: 'http://h', basic_auth: {username: u, password: p}, authorization: {credentials: c}}",
                        "backend.authorization", "at most one of basic_auth and authorization may be set"),
                arguments("backend: {url: 'http://h', basic_auth: {username: u, password: p, password_file: /x}}",
                        "backend.basic_auth", "at most one of password and password_file may be set"),
                arguments("backend: {url: 'http://h', basic_auth: {password: p}}", "backend.basic_auth.username", "required"),
                arguments("backend: {url: 'http://h', headers: {Authorization: 'Bearer x'}}", "backend.headers.Authorization",
                        "this header is set by Weir (use basic_auth or authorization); remove it"),
                arguments("backend: {url: 'http://h', tls_config: {ca_file: /no/such/ca.pem}}", "backend.tls_config.ca_file",
                        "file not found or not readable: \"/no/such/ca.pem\""),
                arguments("backend: {url: 'http://h', authorization: {type: Basic, credentials: x}}", "backend.authorization.type",
                        "use basic_auth for Basic credentials"),
                // match
                arguments("sketch: {targets: [{window: 1h}]}", "sketch.targets[0].match",
                        "required: the selector of the series this target sketches"),
                arguments("sketch: {targets: [{match: ''}]}", "sketch.targets[0].match",
                        "must not be empty (use '{__name__=~\".+\"}' for all series)"),
                arguments("sketch: {targets: [{match: '{job=}'}]}", "sketch.targets[0].match",
                        "not a valid selector: \"{job=}\" (expected a quoted string at position 6)"),
                arguments("sketch: {targets: [{match: '{job=~\"(\"}'}]}", "sketch.targets[0].match",
                        "not a valid selector: \"{job=~\\\"(\\\"}\" (error parsing regexp: missing closing ): `^(?s:()$`)"),
                arguments("sketch: {targets: [{match: '{job=~\"(a)\\\\1\"}'}]}", "sketch.targets[0].match",
                        "not a valid selector: \"{job=~\\\"(a)\\\\\\\\1\\\"}\" (error parsing regexp: invalid escape sequence: `\\1`)"),
                arguments("sketch: {targets: [{match: '{job=~\".*\"}'}]}", "sketch.targets[0].match",
                        "selector must contain at least one matcher that does not match the empty string"
                                + " (got \"{job=~\\\".*\\\"}\"; use '{__name__=~\".+\"}' for all series)"),
                // functions
                arguments("sketch: {targets: [{match: up, functions: [avg_over_time, rate]}]}",
                        "sketch.targets[0].functions[1]", "unknown sketch function \"rate\" (supported: avg_over_time,"
                                + " sum_over_time, count_over_time, min_over_time, max_over_time, stddev_over_time,"
                                + " stdvar_over_time, sum2_over_time, quantile_over_time, distinct_over_time,"
                                + " l1_over_time, l2_over_time, entropy_over_time)"),
                arguments("sketch: {targets: [{match: up, functions: [avg_over_time, max_over_time, avg_over_time]}]}",
                        "sketch.targets[0].functions[2]", "duplicate function \"avg_over_time\""),
                arguments("sketch: {targets: [{match: up, functions: []}]}", "sketch.targets[0].functions",
                        "must not be empty (leave it out for all functions)"),
                arguments("sketch: {targets: [{match: up, functions: [[avg_over_time]]}]}", "sketch.targets[0].functions[0]",
                        "must be a single value (got a list)"),
                arguments("sketch: {targets: [{match: up, functions: [~]}]}", "sketch.targets[0].functions[0]",
                        "must not be null"),
                // query limits
                arguments("query: {timeout: 0s}", "query.timeout", "must be greater than 0 (got \"0s\")"),
                arguments("query: {max_concurrency: 0}", "query.max_concurrency", "must be in [1, 10000] (got \"0\")"),
                arguments("query: {max_series: lots}", "query.max_series", "must be a whole number (got \"lots\")"),
                arguments("query: {max_sample: 5}", "query.max_sample", "unknown key (did you mean \"max_samples\"?)"),
                // tunables
                arguments("storage: {slab_chunk: 3MiB}", "storage.slab_chunk", "must be a power of two of at most 1GiB (got \"3MiB\")"),
                arguments("storage: {slab_chunk: 2GiB}", "storage.slab_chunk", "must be a power of two of at most 1GiB (got \"2GiB\")"),
                arguments("storage: {slab_chunk: 0}", "storage.slab_chunk", "must be greater than 0 (got \"0\")"),
                arguments("storage: {slab_chunk: 128KiB}", "storage.slab_chunk",
                        "must hold the largest exact-samples block, storage.exact_max_bytes = 256KiB (got 128KiB)"),
                arguments("storage: {slab_chunk: 64KiB, exact_max_bytes: 0}", "storage.slab_chunk",
                        "must hold the largest sketch block of sketch.targets, "
                                + ByteSize.format(FrequencySketchSpec.forWindow(3_600_000).blockLength()) + " (got 64KiB)"),
                arguments("storage: {memory_limit: 1MiB}\ningest: {shards: 2}", "storage.slab_chunk",
                        "must be at most a shard's share of storage.memory_limit, 1MiB / 2 ingest.shards = 512KiB (got 1MiB, the default)"),
                arguments("storage: {series_free_after: 3m}", "storage.series_free_after",
                        "must be at least twice query.timeout, 4m (got 3m)"),
                arguments("storage: {exact_tail: 30s}", "storage.exact_tail", "must be 0 (none) or in [1m, 1d] (got \"30s\")"),
                arguments("storage: {exact_tail: 2d}", "storage.exact_tail", "must be 0 (none) or in [1m, 1d] (got \"2d\")"),
                arguments("storage: {exact_growth: 0}", "storage.exact_growth",
                        "must be a fraction or a decimal in (0, 1], e.g. 1/8 (got \"0\")"),
                arguments("storage: {exact_growth: 9/8}", "storage.exact_growth",
                        "must be a fraction or a decimal in (0, 1], e.g. 1/8 (got \"9/8\")"),
                arguments("storage: {exact_growth: lots}", "storage.exact_growth",
                        "must be a fraction or a decimal in (0, 1], e.g. 1/8 (got \"lots\")"),
                arguments("storage: {exact_tail_share: 0.6}", "storage.exact_tail_share",
                        "must be a fraction or a decimal in (0, 1/2], e.g. 1/24 (got \"0.6\")"),
                arguments("storage: {exact_tail_share: -1/36}", "storage.exact_tail_share",
                        "must be a fraction or a decimal in (0, 1/2], e.g. 1/24 (got \"-1/36\")"),
                arguments("storage: {exact_tail_budget: 1.5}", "storage.exact_tail_budget",
                        "must be a fraction or a decimal in (0, 1], e.g. 1/4 (got \"1.5\")"),
                arguments("storage: {exact_tail_budget: 0.0000000001}", "storage.exact_tail_budget",
                        "must be a fraction or a decimal in (0, 1], e.g. 1/4 (got \"0.0000000001\")"),
                arguments("storage: {exact_max_bytes: 128KiB, exact_keep_bytes: 129KiB}", "storage.exact_keep_bytes",
                        "must be at most storage.exact_max_bytes = 128KiB (got \"129KiB\")"),
                arguments("backend: {forward_batch_samples: 0}", "backend.forward_batch_samples", "must be in [1, 1000000] (got \"0\")"),
                arguments("backend: {forward_batch_samples: 1000001}", "backend.forward_batch_samples",
                        "must be in [1, 1000000] (got \"1000001\")"),
                arguments("backend: {forward_batch_samples: lots}", "backend.forward_batch_samples", "must be a whole number (got \"lots\")"),
                arguments("snapshot: {shutdown_timeout: 0s}", "snapshot.shutdown_timeout", "must be greater than 0 (got \"0s\")"),
                arguments("snapshot: {shutdown_timeout: 120}", "snapshot.shutdown_timeout",
                        "not a valid duration: \"120\" (a unit is required, e.g. \"120s\")"),
                arguments("sketch: {aggregate_buckets: 0}", "sketch.aggregate_buckets", "must be in [1, 8999] (got \"0\")"),
                arguments("sketch: {aggregate_buckets: 9000}", "sketch.aggregate_buckets", "must be in [1, 8999] (got \"9000\")"),
                arguments("sketch: {quantile_buckets: " + (QuantileSketchSpec.MAX_WINDOW_BUCKETS + 1) + "}", "sketch.quantile_buckets",
                        "must be in [1, " + QuantileSketchSpec.MAX_WINDOW_BUCKETS + "] (got \"" + (QuantileSketchSpec.MAX_WINDOW_BUCKETS + 1) + "\")"),
                arguments("sketch: {frequency_buckets: many}", "sketch.frequency_buckets", "must be a whole number (got \"many\")"),
                arguments("sketch: {frequency_buckets: " + (FrequencySketchSpec.MAX_WINDOW_BUCKETS + 1) + "}", "sketch.frequency_buckets",
                        "must be in [1, " + FrequencySketchSpec.MAX_WINDOW_BUCKETS + "] (got \"" + (FrequencySketchSpec.MAX_WINDOW_BUCKETS + 1) + "\")"),
                arguments("sketch: {quantile_buckets: 2, targets: [{match: up, window: 3d}]}", "sketch.targets[0].window",
                        "window 3d is longer than sketch.quantile_buckets = 2 buckets of the widest width cover, 2d;"
                                + " raise sketch.quantile_buckets or shorten the window"),
                arguments("sketch: {aggregate_buckets: 1, default_window: 2d}", "sketch.default_window",
                        "window 2d is longer than sketch.aggregate_buckets = 1 buckets of the widest width cover, 1d;"
                                + " raise sketch.aggregate_buckets or shorten the window"),
                arguments("sketch:\n  targets:\n" + "    - {match: up}\n".repeat(128), "sketch.targets", "at most 127 targets (got 128)"));
    }

    @Test
    void tunablesDefaultToTheDocumentedValues() {
        WeirConfig d = loader.defaults();
        assertEquals(1 << 20, d.storage().slabChunkBytes());
        assertEquals(0, d.storage().seriesFreeAfterMillis());
        assertEquals(300_000, d.seriesFreeAfterMillis(), "5m: more than twice the 2m query timeout");
        assertEquals(1_200_000, valid("query: {timeout: 10m}").seriesFreeAfterMillis(), "twice a longer query timeout");
        assertEquals(10_000, d.backend().forwardBatchSamples());
        assertEquals(120_000, d.snapshot().shutdownTimeoutMillis());
        assertEquals(List.of(225, 60, 36),
                List.of(d.sketch().aggregateBuckets(), d.sketch().quantileBuckets(), d.sketch().frequencyBuckets()));
    }

    @Test
    void tunablesAreReadAndShown() {
        WeirConfig c = valid("""
                storage: {slab_chunk: 256KiB, series_free_after: 10m, exact_tail: 30m, exact_growth: 0.25, exact_tail_share: 1/12,
                          exact_tail_budget: 3/16, exact_keep_bytes: 32KiB}
                backend: {url: 'http://vm:8428', forward_batch_samples: 500}
                snapshot: {shutdown_timeout: 30s}
                sketch: {aggregate_buckets: 100, quantile_buckets: 30, frequency_buckets: 20}
                """);
        assertEquals(256 << 10, c.storage().slabChunkBytes());
        assertEquals(600_000, c.seriesFreeAfterMillis());
        assertEquals(500, c.backend().forwardBatchSamples());
        assertEquals(30_000, c.snapshot().shutdownTimeoutMillis());
        assertEquals(List.of(100, 30, 20),
                List.of(c.sketch().aggregateBuckets(), c.sketch().quantileBuckets(), c.sketch().frequencyBuckets()));
        String s = ConfigLoader.summary(c);
        assertEquals(1_800_000, c.storage().exactTailMillis());
        assertEquals(List.of(new Share(1, 4), new Share(1, 12), new Share(3, 16)),
                List.of(c.storage().exactGrowth(), c.storage().exactTailShare(), c.storage().exactTailBudget()));
        assertTrue(s.contains(", slab chunks 256KiB\n"), s);
        assertEquals(32 << 10, c.storage().exactKeepBytes());
        assertTrue(s.contains("\nexact samples:  up to 256KiB a series (kept up to 32KiB, past it while smaller than its sketches),"
                + " rebuilt blocks grow by 1/4, tail of promoted series the larger"
                + " of 30m and 1/12 of the window (at most half) in at most 3/16 of its sketches' bytes\n"), s);
        assertEquals(0, valid("storage: {exact_tail: 0}").storage().exactTailMillis());
        assertTrue(ConfigLoader.summary(valid("storage: {exact_tail: 0}")).contains(", tail of promoted series off\n"));
        assertTrue(ConfigLoader.summary(valid("storage: {exact_max_bytes: 0}"))
                .contains("\nexact samples:  off (sketches from a series' first sample)\n"));
        assertTrue(s.contains(", labels kept 10m more\n"), s);
        assertTrue(s.contains(", timeout 30s, up to 500 samples a request)\n"), s);
        assertTrue(s.contains("; stopping waits up to 30s for the last\n"), s);
        assertTrue(s.contains("in at most 100 (aggregate), 30 (quantile), 20 (frequency) time buckets\n"), s);
        assertEquals(500, loader.withOverrides(c, null, null, "http://other:8428").backend().forwardBatchSamples(),
                "--backend-url changes the target, not the forwarding");
    }

    @Test
    void bucketBudgetsAndTheSlabChunkFitTheLayouts() {
        valid("sketch: {aggregate_buckets: " + AggregateSketchSpec.MAX_WINDOW_BUCKETS + ", quantile_buckets: "
                + QuantileSketchSpec.MAX_WINDOW_BUCKETS + ", frequency_buckets: " + FrequencySketchSpec.MAX_WINDOW_BUCKETS + "}");
        valid("sketch: {aggregate_buckets: 1, quantile_buckets: 1, frequency_buckets: 1, default_window: 1d}");
        // a window only has to fit the budgets of the families its functions ask for
        valid("sketch: {quantile_buckets: 2, targets: [{match: up, window: 3d, functions: [avg_over_time]}]}");
        // a chunk smaller than the default holds every block of a config whose blocks are small
        valid("""
                storage: {slab_chunk: 64KiB, exact_max_bytes: 64KiB}
                sketch: {targets: [{match: up, functions: [avg_over_time, quantile_over_time]}]}
                """);
        valid("storage: {slab_chunk: 512KiB, memory_limit: 1MiB}\ningest: {shards: 2}");
    }

    @ParameterizedTest
    @MethodSource
    void oneProblem(String yaml, String keyPath, String message) {
        assertEquals(List.of(new ConfigProblem(keyPath, message)), problems(yaml));
    }

    @Test
    void everyProblemIsReportedInDocumentOrder() {
        List<ConfigProblem> problems = problems("""
                server:
                  listen: ":70000"
                  max_requst_bytes: 1MiB
                storage:
                  memory_limit: 0
                wal:
                  fsync: sometimes
                  fsync_interval: soon
                backend:
                  url: "ftp://x"
                sketch:
                  targets:
                    - match: up
                    - match: '{a=}'
                      window: 5x
                      functions: [avg_over_time, nope, avg_over_time]
                """);
        assertEquals(List.of(
                new ConfigProblem("server.max_requst_bytes", "unknown key (did you mean \"max_request_bytes\"?)"),
                new ConfigProblem("server.listen", "port 70000 out of range"),
                new ConfigProblem("storage.memory_limit", "must be greater than 0 (got \"0\")"),
                new ConfigProblem("wal.fsync", "must be one of always, interval, never (got \"sometimes\")"),
                new ConfigProblem("wal.fsync_interval", "not a valid duration: \"soon\""),
                new ConfigProblem("backend.url", "must be an http:// or https:// URL (got \"ftp://x\")"),
                new ConfigProblem("sketch.targets[1].match", "not a valid selector: \"{a=}\" (expected a quoted string at position 4)"),
                new ConfigProblem("sketch.targets[1].window", "not a valid duration: \"5x\""),
                new ConfigProblem("sketch.targets[1].functions[1]", problems("sketch: {targets: [{match: up, functions: [nope]}]}")
                        .getFirst().message()),
                new ConfigProblem("sketch.targets[1].functions[2]", "duplicate function \"avg_over_time\"")), problems);
        assertEquals("server.listen: port 70000 out of range", problems.get(1).toString());
        assertEquals(List.of(new ConfigProblem("snapshot.write_rate", "must be greater than 0 (got \"0\")")),
                problems("snapshot: {write_rate: 0}"));
    }

    @Test
    void syntaxErrorNamesLineAndColumn() {
        List<ConfigProblem> problems = problems("server:\n  listen: \":9201\"\n  max_request_bytes: [1\nwal: {}\n");
        assertEquals(1, problems.size());
        ConfigProblem p = problems.getFirst();
        assertEquals("", p.keyPath());
        assertTrue(p.message().startsWith("YAML syntax error in test.yaml at line 4, column 4: "), p.message());

        String tabs = problems("server:\n\tlisten: ':1'\n").getFirst().message();
        assertTrue(tabs.startsWith("YAML syntax error in test.yaml at line 2, column 1: "), tabs);

        String twoDocs = problems("server: {}\n---\nwal: {}\n").getFirst().message();
        assertEquals("YAML syntax error in test.yaml at line 2, column 1: expected a single document in the stream"
                + " but found another document", twoDocs);
    }

    @Test
    void invalidResultThrowsWithEveryProblem() {
        ConfigResult r = loader.parse("wal: {fsync: x, max_disk: 0}", "t");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, r::config);
        assertEquals(r.problems(), e.problems());
        assertEquals("wal.fsync: must be one of always, interval, never (got \"x\")\n"
                + "wal.max_disk: must be greater than 0 (got \"0\")", e.getMessage());
    }

    @Test
    void loadsFiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weir.yaml");
        Files.writeString(file, EXAMPLE);
        assertEquals(loader.parse(EXAMPLE, "x").config(), loader.load(file).config());

        Files.writeString(file, "server: {listen: ':1'\n");
        assertTrue(loader.load(file).problems().getFirst().message().startsWith("YAML syntax error in " + file + " at line 2"));

        Path missing = dir.resolve("nope.yaml");
        assertEquals(List.of(new ConfigProblem("", "config file not found: " + missing)), loader.load(missing).problems());

        Files.write(file, new byte[]{'a', ':', ' ', (byte) 0xff, '\n'});
        assertEquals(List.of(new ConfigProblem("", "config file " + file + " is not valid UTF-8")), loader.load(file).problems());
    }

    @Test
    void overridesApply() {
        WeirConfig base = valid(EXAMPLE);
        WeirConfig c = loader.withOverrides(base, "127.0.0.1:9300", Path.of("/tmp/weir"), "http://vm:8428/");
        assertEquals(new ServerConfig("127.0.0.1", 9300, 32L << 20), c.server());
        assertEquals(new StorageConfig(Path.of("/tmp/weir"), 4L << 30), c.storage());
        assertEquals(BackendConfig.at(URI.create("http://vm:8428"), 30_000), c.backend());
        assertEquals(URI.create("http://vm:8428/api/v1/write"), c.backend().remoteWriteUrl());
        assertEquals(base.wal(), c.wal());
        assertEquals(base.sketch(), c.sketch());

        assertEquals(base, loader.withOverrides(base, null, null, null));

        WeirConfig withBackend = valid("backend: {url: 'http://a', remote_write_url: 'http://b/w', timeout: 5s}");
        WeirConfig replaced = loader.withOverrides(withBackend, null, null, "https://c");
        assertEquals(new BackendConfig(URI.create("https://c"), URI.create("https://c/api/v1/write"), 5_000), replaced.backend());
        WeirConfig none = loader.withOverrides(withBackend, null, null, "");
        assertNull(none.backend().url());
        assertFalse(none.backend().enabled());
    }

    @Test
    void overridesAreValidated() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> loader.withOverrides(loader.defaults(), "0.0.0.0:70000", Path.of(""), "localhost:8428"));
        assertEquals(List.of(
                new ConfigProblem("--listen", "port 70000 out of range"),
                new ConfigProblem("--data-dir", "must not be empty"),
                new ConfigProblem("--backend-url", "must be an http:// or https:// URL (got \"localhost:8428\")")), e.problems());
    }

    @Test
    void seriesIdleTimeoutDefaultsToTwiceTheLongestWindowAndIsChecked() {
        assertEquals(2 * 3_600_000, loader.defaults().seriesIdleTimeoutMillis(), "twice the 1h default window");
        assertEquals(3_600_000, valid("sketch: {targets: []}\n").seriesIdleTimeoutMillis(), "no windows: 1h");
        WeirConfig example = valid(EXAMPLE);
        assertEquals(0, example.storage().seriesIdleTimeoutMillis());
        assertEquals(4 * 3_600_000, example.seriesIdleTimeoutMillis(), "twice the 2h window");
        assertTrue(ConfigLoader.summary(example).contains("series expiry:  after 4h without a sample (default"));
        WeirConfig set = valid("storage: {series_idle_timeout: 3h}\n");
        assertEquals(3 * 3_600_000, set.seriesIdleTimeoutMillis());
        assertTrue(ConfigLoader.summary(set).contains("series expiry:  after 3h without a sample, labels kept"));
        assertEquals(List.of(new ConfigProblem("storage.series_idle_timeout", "must be at least 1m (got \"30s\")")),
                problems("storage: {series_idle_timeout: 30s}\n"));
        assertEquals(List.of(new ConfigProblem("storage.series_idle_timeout",
                        "must be at least the longest sketch window, 2h (got " + Durations.format(90 * 60_000) + ")")),
                problems(EXAMPLE.replace("  data_dir: \"./data\"\n", "  data_dir: \"./data\"\n  series_idle_timeout: 90m\n")));
        assertEquals(List.of(new ConfigProblem("storage.series_idle_timeout", "not a valid duration: \"soon\"")),
                problems("storage: {series_idle_timeout: soon}\n"));
    }

    @Test
    void summaryNamesWhatTheNodeWillDo() {
        String defaults = ConfigLoader.summary(loader.defaults());
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals("""
                listen:         :9201 (all interfaces), max request 32MiB, answers gzip/deflate level 1 when asked
                web:            plain HTTP, no authentication
                data dir:       ./data
                memory limit:   4GiB, series table 65536, slab chunks 1MiB
                exact samples:  up to 256KiB a series (kept up to 64KiB, past it while smaller than its sketches), rebuilt blocks grow by 1/8, tail of promoted series the larger of 10m and 1/24 of the window (at most half) in at most 1/4 of its sketches' bytes
                series expiry:  after 2h without a sample (default: the larger of 1h and twice the longest sketch window), labels kept 5m more (default: the larger of 5m and twice query.timeout)
                ingest:         %d shard writer(s), ring 1024 x 2048 samples (%d cores)
                wal:            fsync interval every 1s, max disk 16GiB
                backend:        none (sketch-only)
                queries:        timeout 2m, 20 at once, 100000 series and 50000000 points each, a leaf read by %d thread(s)
                query cache:    256MiB of range results, steps older than 5m
                read state:     256MiB kept for the next read of the series read lately (labels, last cuts)
                snapshots:      every 15m, keep 3, written at 32MiB/s; stopping waits up to 2m for the last
                limits:         30 labels/series, names 1024 B, values 2048 B, 50000 series/request, new series/s unlimited, series unlimited
                log:            info, logfmt
                sketch window:  1h by default, in at most 225 (aggregate), 60 (quantile), 36 (frequency) time buckets
                sketch targets: 1 (first match wins)
                  [0] {__name__=~".+"}  window 1h  functions all
                """.formatted(IngestConfig.defaultShards(cores), cores, Math.min(cores, QueryConfig.MAX_READ_PARALLELISM)), defaults);

        String s = ConfigLoader.summary(valid("""
                backend: {url: 'http://127.0.0.1:8428'}
                wal: {fsync: always}
                sketch:
                  targets:
                    - {match: '{__name__=~"http_.*", job!="test"}', window: 2h, functions: [quantile_over_time, avg_over_time]}
                    - {match: '{__name__=~".+"}'}
                """));
        assertTrue(s.contains("wal:            fsync always, max disk 16GiB\n"), s);
        assertTrue(s.contains("backend:        http://127.0.0.1:8428 (remote write http://127.0.0.1:8428/api/v1/write, timeout 30s, up to 10000 samples a request)\n"), s);
        assertTrue(s.contains("sketch targets: 2 (first match wins)\n"), s);
        assertEquals(new io.weir.server.config.SnapshotConfig(300_000, 5), valid("snapshot: {interval: 5m, keep: 5}").snapshot());
        assertEquals(new io.weir.server.config.SnapshotConfig(300_000, 5, 100L << 20, 120_000),
                valid("snapshot: {interval: 5m, keep: 5, write_rate: 100MiB}").snapshot());
        assertTrue(s.contains("  [0] {__name__=~\"http_.*\", job!=\"test\"}  window 2h  functions avg_over_time, quantile_over_time\n"), s);
        assertTrue(s.contains("  [1] {__name__=~\".+\"}  window 1h  functions all\n"), s);
    }
}
