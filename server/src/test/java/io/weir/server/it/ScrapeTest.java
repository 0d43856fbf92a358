package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Weir's own scraper against a real Prometheus 2.42 scraping the same real node-exporter with the same job config.
 * Weir forwards to a second Prometheus (remote-write receiver), which is where its samples are read back: the same
 * series set as the reference, {@code up}, staleness when the exporter stops and when a file_sd target leaves, and
 * faulty targets (one that never answers, one that sends garbage after a valid line) at {@code up 0} with nothing
 * of theirs kept and nothing else stalled; basic_auth, authorization and tls_config (ca_file, insecure_skip_verify)
 * against in-test HTTP(S) servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScrapeTest {
    private static final String INTERVAL = "2s";
    /** Served to both scrapers: counters with _created, a histogram, exemplars, escapes, NaN and infinities. */
    private static final String OPEN_METRICS = """
            # TYPE om_requests counter
            # HELP om_requests Requests, with "quotes".
            om_requests_total{path="/a",q="x\\"y\\\\z"} 17.0 # {trace_id="abc"} 1.0
            om_requests_created{path="/a",q="x\\"y\\\\z"} 1.7e9
            # TYPE om_latency_seconds histogram
            # UNIT om_latency_seconds seconds
            om_latency_seconds_bucket{le="0.1"} 3
            om_latency_seconds_bucket{le="+Inf"} 5
            om_latency_seconds_count 5
            om_latency_seconds_sum 0.75
            om_latency_seconds_created 1.7e9
            # TYPE om_gauge gauge
            om_gauge{kind="nan"} NaN
            om_gauge{kind="inf"} +Inf
            om_gauge{kind="ninf"} -Inf
            om_gauge{kind="small"} 1.5e-300
            # EOF
            """;
    private final java.util.Map<String, String> acceptHeaders = new java.util.concurrent.ConcurrentHashMap<>();

    private NodeExporterProcess exporter;
    private PrometheusProcess reference;
    private PrometheusProcess sink;
    private WeirTestNode weir;
    private HttpServer faults;
    private TlsTarget tlsServer;
    private final CountDownLatch release = new CountDownLatch(1);
    private Path sdFile;
    private String nodeInstance;
    private String tinyInstance;

    @BeforeAll
    void start() throws Exception {
        exporter = NodeExporterProcess.start();
        nodeInstance = "127.0.0.1:" + exporter.port();
        faults = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        faults.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        faults.createContext("/hang", ex -> {
            try {
                release.await(); // never answers while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        faults.createContext("/garbage", ex -> respond(ex, "valid_metric{a=\"1\"} 1\nvalid_metric{a=\"2\"} 2\nthis is { not the text format\n"));
        faults.createContext("/tiny", ex -> respond(ex, "# TYPE tiny_metric gauge\ntiny_metric{a=\"1\"} 42\n"));
        faults.createContext("/om", ex -> {
            String agent = String.valueOf(ex.getRequestHeaders().getFirst("User-Agent"));
            acceptHeaders.put(agent.startsWith("Prometheus") ? "prometheus" : "weir", String.valueOf(ex.getRequestHeaders().getFirst("Accept")));
            byte[] b = OPEN_METRICS.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        faults.createContext("/auth", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if ("Basic dTpzM2NyZXQ=".equals(auth) || "Bearer t0ken".equals(auth)) { // u:s3cret
                respond(ex, "auth_ok 1\n");
            } else {
                ex.sendResponseHeaders(401, -1);
                ex.close();
            }
        });
        faults.start();
        tinyInstance = "127.0.0.1:" + faults.getAddress().getPort();
        Path tlsDir = ExternalProcess.tempDir("tls");
        tlsServer = TlsTarget.start(tlsDir);
        Path passwordFile = Files.writeString(tlsDir.resolve("password"), "s3cret\n");
        sdFile = ExternalProcess.tempDir("sd").resolve("targets.json");
        Files.writeString(sdFile, "[]\n");

        String job = """
                  - job_name: node
                    scrape_interval: %s
                    scrape_timeout: 1s
                    static_configs:
                      - targets: ["%s"]
                        labels: {team: infra}
                    relabel_configs:
                      - {source_labels: [__address__], regex: '(.*):(\\d+)', target_label: host, replacement: 'h_${1}'}
                      - {target_label: env, replacement: test}
                      - {source_labels: [team], target_label: TEAM, action: uppercase}
                    metric_relabel_configs:
                      - {source_labels: [__name__], regex: 'go_.*', action: drop}
                      - {regex: fstype, action: labeldrop}
                      - {source_labels: [device], target_label: dev_shard, modulus: 8, action: hashmod}
                      - {source_labels: [mountpoint], regex: '/(.*)', target_label: mp, replacement: 'root_$1'}
                      - {source_labels: [__name__, mode], separator: '@', regex: 'node_cpu_seconds_total@(idle|user)', target_label: busy, replacement: '${1}_x'}
                  - job_name: om
                    scrape_interval: %s
                    metrics_path: /om
                    static_configs:
                      - targets: ["%s"]
                """.formatted(INTERVAL, nodeInstance, INTERVAL, "127.0.0.1:" + faults.getAddress().getPort());
        reference = PrometheusProcess.start("global: {scrape_interval: " + INTERVAL + "}\nscrape_configs:\n" + job);
        sink = PrometheusProcess.startReceiver("global: {scrape_interval: 1h}\n");
        weir = WeirTestNode.start("""
                backend:
                  url: %s
                sketch:
                  targets: []
                scrape_configs:
                %s
                  - job_name: hang
                    scrape_interval: %s
                    scrape_timeout: 1s
                    metrics_path: /hang
                    static_configs: [{targets: ["%s"]}]
                  - job_name: garbage
                    scrape_interval: %s
                    metrics_path: /garbage
                    static_configs: [{targets: ["%s"]}]
                  - job_name: filesd
                    scrape_interval: %s
                    metrics_path: /tiny
                    file_sd_configs:
                      - files: ["%s"]
                  - job_name: basic
                    scrape_interval: %s
                    metrics_path: /auth
                    basic_auth: {username: u, password_file: "%s"}
                    static_configs: [{targets: ["%s"]}]
                  - job_name: bearer
                    scrape_interval: %s
                    metrics_path: /auth
                    authorization: {credentials: t0ken}
                    static_configs: [{targets: ["%s"]}]
                  - job_name: noauth
                    scrape_interval: %s
                    metrics_path: /auth
                    static_configs: [{targets: ["%s"]}]
                  - job_name: tls_ca
                    scrape_interval: %s
                    scheme: https
                    tls_config: {ca_file: "%s"}
                    static_configs: [{targets: ["%s"]}]
                  - job_name: tls_insecure
                    scrape_interval: %s
                    scheme: https
                    tls_config: {insecure_skip_verify: true}
                    static_configs: [{targets: ["%s"]}]
                  - job_name: tls_untrusted
                    scrape_interval: %s
                    scheme: https
                    static_configs: [{targets: ["%s"]}]
                """.formatted(sink.url(), job, INTERVAL, tinyInstance, INTERVAL, tinyInstance, INTERVAL, sdFile,
                INTERVAL, passwordFile, tinyInstance, INTERVAL, tinyInstance, INTERVAL, tinyInstance,
                INTERVAL, tlsServer.caFile(), tlsServer.address(), INTERVAL, tlsServer.address(), INTERVAL, tlsServer.address()));
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterAll
    void stop() {
        release.countDown();
        for (AutoCloseable c : new AutoCloseable[] {weir, sink, reference, exporter}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        if (faults != null) {
            faults.stop(0);
        }
        if (tlsServer != null) {
            tlsServer.close();
        }
    }

    @Test
    @Order(1)
    void sameSeriesAsPrometheusAndUp() throws Exception {
        // both have done a few scrapes
        awaitValue(reference, "count_over_time(up{job=\"node\"}[1m])", v -> v >= 3);
        awaitValue(sink, "count_over_time(up{job=\"node\"}[1m])", v -> v >= 3);
        assertEquals(1.0, single(sink, "up{job=\"node\"}"));
        assertEquals(1.0, single(reference, "up{job=\"node\"}"));
        // exact oracle on a constant: the boot time read by both
        assertEquals(single(reference, "node_boot_time_seconds{job=\"node\"}"), single(sink, "node_boot_time_seconds{job=\"node\"}"));

        Set<String> ref = seriesSet(reference, "{job=\"node\"}");
        Set<String> got = seriesSet(sink, "{job=\"node\"}");
        Set<String> onlyRef = new TreeSet<>(ref);
        onlyRef.removeAll(got);
        Set<String> onlyWeir = new TreeSet<>(got);
        onlyWeir.removeAll(ref);
        System.out.printf("series: reference %d, weir %d, only in reference %s, only in weir %s%n", ref.size(), got.size(), onlyRef, onlyWeir);
        assertTrue(ref.size() > 200, "reference has " + ref.size() + " series");
        assertEquals(Set.of(), onlyRef, "series Prometheus has and Weir has not");
        assertEquals(Set.of(), onlyWeir, "series Weir has and Prometheus has not");
        for (String report : List.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
                "scrape_samples_post_metric_relabeling", "scrape_series_added")) {
            assertTrue(got.contains("{TEAM=INFRA, __name__=" + report + ", env=test, host=h_127.0.0.1, instance=" + nodeInstance
                    + ", job=node, team=infra}"), report + " in " + got.size());
        }
        // the relabel rules did their work (and the same work as in Prometheus, by the set equality above)
        assertTrue(got.stream().noneMatch(x -> x.contains("__name__=go_") || x.contains("fstype=")), "go_* and fstype dropped");
        assertTrue(got.stream().anyMatch(x -> x.contains("dev_shard=")), "hashmod");
        assertTrue(got.stream().anyMatch(x -> x.contains("mp=root_")), "replace with $1");
        assertTrue(got.stream().anyMatch(x -> x.contains("busy=idle_x")), "separator and ${1}");
        // samples scraped: the same exposition size, up to series that come and go between two scrapes
        double refSamples = single(reference, "scrape_samples_scraped{job=\"node\"}");
        double weirSamples = single(sink, "scrape_samples_scraped{job=\"node\"}");
        assertEquals(refSamples, weirSamples, refSamples * 0.02, "scrape_samples_scraped");
    }

    @Test
    @Order(2)
    void openMetricsLikePrometheus() throws Exception {
        awaitValue(reference, "count_over_time(up{job=\"om\"}[1m])", v -> v >= 2);
        awaitValue(sink, "count_over_time(up{job=\"om\"}[1m])", v -> v >= 2);
        assertEquals(1.0, single(sink, "up{job=\"om\"}"));
        // Weir asks for the formats in the same order and weights as Prometheus 2.42
        assertEquals(acceptHeaders.get("prometheus"), acceptHeaders.get("weir"));
        Set<String> ref = seriesSet(reference, "{job=\"om\",__name__=~\"om_.*\"}");
        Set<String> got = seriesSet(sink, "{job=\"om\",__name__=~\"om_.*\"}");
        assertEquals(ref, got);
        assertEquals(11, got.size(), got.toString()); // _created series included, as 2.42 ingests them
        // the same values, NaN and infinities included, compared as Prometheus renders them
        assertEquals(values(reference, "{job=\"om\",__name__=~\"om_.*\"}"), values(sink, "{job=\"om\",__name__=~\"om_.*\"}"));
    }

    private static java.util.Map<String, String> values(PrometheusProcess p, String q) throws Exception {
        java.util.Map<String, String> out = new TreeMap<>();
        for (JsonNode r : query(p, q)) {
            TreeMap<String, String> m = new TreeMap<>();
            r.get("metric").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            out.put(m.toString(), r.get("value").get(1).asText());
        }
        return out;
    }

    @Test
    @Order(3)
    void hangingAndGarbageTargetsAreDownAndStallNothing() throws Exception {
        awaitValue(sink, "up{job=\"hang\"}", v -> v == 0.0);
        awaitValue(sink, "up{job=\"garbage\"}", v -> v == 0.0);
        // the hanging scrape is cut at its 1s timeout
        double duration = single(sink, "scrape_duration_seconds{job=\"hang\"}");
        assertTrue(duration >= 0.9 && duration < 5, "hang scrape took " + duration + " s");
        // nothing of the garbage body is kept, not even its valid first lines: only the report series exist
        Set<String> garbage = seriesSet(sink, "{job=\"garbage\"}");
        assertEquals(Set.of("scrape_duration_seconds", "scrape_samples_post_metric_relabeling", "scrape_samples_scraped",
                "scrape_series_added", "up"), names(garbage), garbage.toString());
        // meanwhile the node job keeps its pace: three more scrapes arrive
        double before = single(sink, "count_over_time(up{job=\"node\"}[10m])");
        awaitValue(sink, "count_over_time(up{job=\"node\"}[10m])", v -> v >= before + 3);
        assertEquals(1.0, single(sink, "up{job=\"node\"}"));
    }

    @Test
    @Order(4)
    void fileSdReloadAddsAndRemovesTargets() throws Exception {
        assertTrue(query(sink, "up{job=\"filesd\"}").isEmpty());
        Files.writeString(sdFile, "[{\"targets\": [\"" + tinyInstance + "\"], \"labels\": {\"team\": \"a\"}}]\n");
        awaitValue(sink, "tiny_metric{job=\"filesd\",team=\"a\",a=\"1\",instance=\"" + tinyInstance + "\"}", v -> v == 42.0);
        assertEquals(1.0, single(sink, "up{job=\"filesd\"}"));
        // the target leaves: its series get stale markers, so they vanish at once (not after the 5m lookback)
        Files.writeString(sdFile, "[]\n");
        awaitEmpty(sink, "tiny_metric{job=\"filesd\"}");
        awaitEmpty(sink, "up{job=\"filesd\"}");
    }

    @Test
    @Order(5)
    void authAndTls() throws Exception {
        for (String j : List.of("basic", "bearer", "tls_ca", "tls_insecure")) {
            awaitValue(sink, "up{job=\"" + j + "\"}", v -> v == 1.0);
        }
        assertEquals(1.0, single(sink, "auth_ok{job=\"basic\"}"));
        assertEquals(1.0, single(sink, "auth_ok{job=\"bearer\"}"));
        assertEquals(1.0, single(sink, "tls_ok{job=\"tls_ca\"}"));
        // without credentials: 401; without the CA: the certificate is refused
        awaitValue(sink, "up{job=\"noauth\"}", v -> v == 0.0);
        awaitValue(sink, "up{job=\"tls_untrusted\"}", v -> v == 0.0);
        assertTrue(query(sink, "tls_ok{job=\"tls_untrusted\"}").isEmpty());
    }

    @Test
    @Order(6)
    void exporterStopsSeriesGoStaleLikePrometheus() throws Exception {
        exporter.close();
        for (PrometheusProcess p : List.of(reference, sink)) {
            awaitValue(p, "up{job=\"node\"}", v -> v == 0.0);
            awaitEmpty(p, "{job=\"node\",__name__!~\"up|scrape_.*\"}");
        }
        assertEquals(0.0, single(sink, "scrape_samples_scraped{job=\"node\"}"));
    }

    // ---- helpers ----

    private static Set<String> names(Set<String> series) {
        Set<String> out = new TreeSet<>();
        for (String s : series) {
            out.add(s.substring("{__name__=".length(), s.indexOf(',')));
        }
        return out;
    }

    private static Set<String> seriesSet(PrometheusProcess p, String match) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        Http.Response r = Http.get(p.url(), "/api/v1/series", Http.params("match[]", match, "start", Long.toString(now - 600),
                "end", Long.toString(now)));
        assertEquals(200, r.status(), r.body());
        Set<String> out = new TreeSet<>();
        for (JsonNode s : r.json().get("data")) {
            TreeMap<String, String> m = new TreeMap<>();
            s.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            out.add(m.toString());
        }
        return out;
    }

    private static List<JsonNode> query(PrometheusProcess p, String q) throws Exception {
        Http.Response r = Http.get(p.url(), "/api/v1/query", Http.params("query", q));
        assertEquals(200, r.status(), r.body());
        List<JsonNode> out = new ArrayList<>();
        r.json().get("data").get("result").forEach(out::add);
        return out;
    }

    private static double single(PrometheusProcess p, String q) throws Exception {
        List<JsonNode> r = query(p, q);
        assertEquals(1, r.size(), q + " -> " + r);
        return Double.parseDouble(r.get(0).get("value").get(1).asText());
    }

    private static void awaitValue(PrometheusProcess p, String q, java.util.function.DoublePredicate ok) throws Exception {
        AtomicReference<String> last = new AtomicReference<>("");
        await(q + " on " + p.url(), last::get, () -> {
            List<JsonNode> r = query(p, q);
            last.set(r.toString());
            return r.size() == 1 && ok.test(Double.parseDouble(r.get(0).get("value").get(1).asText()));
        });
    }

    private static void awaitEmpty(PrometheusProcess p, String q) throws Exception {
        AtomicReference<String> last = new AtomicReference<>("");
        await(q + " empty on " + p.url(), last::get, () -> {
            List<JsonNode> r = query(p, q);
            last.set(r.size() + " series, e.g. " + (r.isEmpty() ? "" : r.get(0).toString()));
            return r.isEmpty();
        });
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, Supplier<String> last, Check check) throws Exception {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("timed out waiting for " + what + "; last: " + last.get());
    }
}
