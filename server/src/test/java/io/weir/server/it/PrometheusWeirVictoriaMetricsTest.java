package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole write and read path with real parts: Prometheus 2.42 scrapes itself and node-exporter every second and
 * remote-writes to Weir, which forwards to VictoriaMetrics. Then Prometheus is stopped, and Weir's sketch answers
 * are compared with VictoriaMetrics' exact ones, VictoriaMetrics is checked to hold every sample Prometheus
 * scraped (read back from Prometheus' own TSDB), and a non-sketch query is checked to come from the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusWeirVictoriaMetricsTest {
    /** Long enough that 30 s windows ending 10 s before the cut lie wholly after Prometheus' first scrape. */
    private static final long RUN_MILLIS = 58_000;
    private static final String[] METRICS = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
            "prometheus_http_requests_total", "node_cpu_seconds_total", "node_memory_MemFree_bytes", "go_goroutines",
            "node_network_receive_bytes_total", "process_resident_memory_bytes"};
    private static final String[] FUNCTIONS = {"count_over_time", "sum_over_time", "avg_over_time", "min_over_time",
            "max_over_time"};

    private VictoriaMetricsProcess vm;
    private NodeExporterProcess nodeExporter;
    private WeirTestNode weir;
    private PrometheusProcess prometheus;
    private String promConfig;
    private long cutMillis;
    private long firstMillis;

    @BeforeAll
    void run() throws Exception {
        vm = VictoriaMetricsProcess.start();
        nodeExporter = NodeExporterProcess.start();
        weir = WeirTestNode.start("""
                backend:
                  url: %s
                sketch:
                  default_window: 3m   # 1 s aggregate buckets: every whole-second window edge is a bucket edge
                """.formatted(vm.url()));
        promConfig = """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: prometheus
                    static_configs: [{targets: ['127.0.0.1:%%PORT%%']}]
                  - job_name: node
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                remote_write:
                  - url: %s/api/v1/write
                    queue_config: {batch_send_deadline: 1s, max_samples_per_send: 2000}
                """.formatted(nodeExporter.port(), weir.url()).replace("%%PORT%%", "%PORT%");
        firstMillis = System.currentTimeMillis();
        prometheus = PrometheusProcess.start(promConfig);
        Thread.sleep(RUN_MILLIS);
        // Everything scraped before the cut has long been sent (1 s batch deadline); compare up to it.
        cutMillis = (System.currentTimeMillis() - 8_000) / 1000 * 1000;
        prometheus.closeKeepingData();
        awaitForwarded();
        vm.forceFlush();
    }

    /** Waits until the forwarder has sent every sample Weir acknowledged. */
    private void awaitForwarded() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode stats = Http.get(weir.url() + "/ingest_stats").json();
            String metrics = Http.get(weir.url() + "/metrics").body();
            long sent = metricValue(metrics, "weir_forwarder_samples_sent_total");
            if (sent >= stats.get("total_samples").asLong() && sent > 0) {
                return;
            }
            Thread.sleep(200);
        }
        fail("forwarder did not catch up:\n" + Http.get(weir.url() + "/health").body());
    }

    static long metricValue(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {prometheus, weir, nodeExporter, vm}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }

    @Test
    void sketchAnswersAgreeWithVictoriaMetrics() throws Exception {
        int compared = 0;
        List<String> problems = new ArrayList<>();
        for (long t = cutMillis - 10_000; t <= cutMillis; t += 5_000) {
            String time = Long.toString(t / 1000);
            for (String metric : METRICS) {
                for (String f : FUNCTIONS) {
                    String q = f + "(" + metric + "[30s])";
                    Http.Response w = Http.get(weir.url(), "/api/v1/query", Http.params("query", q, "time", time));
                    assertEquals(200, w.status(), q + ": " + w.body());
                    assertEquals("sketch", w.header("X-Weir-Source"), q + " should be answered from sketches: " + w.header("X-Weir-Fallback"));
                    JsonNode wj = w.json();
                    wj.get("data").get("result").forEach(r -> assertFalse(r.get("metric").has("__name__"), "__name__ must be dropped: " + r));
                    assertTrue(wj.get("warnings").get(0).asText().contains(f), wj.toString());
                    assertTrue(wj.get("approximation").get("functions").get(f).get("exact").asBoolean(), wj.toString());
                    Http.Response v = Http.get(vm.url(), "/api/v1/query", Http.params("query", q, "time", time));
                    Map<String, double[]> weirSeries = vector(wj, t);
                    Map<String, double[]> vmSeries = vector(v.json(), t);
                    if (!weirSeries.keySet().equals(vmSeries.keySet())) {
                        problems.add(q + " @" + time + ": series differ\n weir=" + weirSeries.keySet() + "\n vm=" + vmSeries.keySet());
                        continue;
                    }
                    for (var e : weirSeries.entrySet()) {
                        double a = e.getValue()[0];
                        double b = vmSeries.get(e.getKey())[0];
                        boolean ok = f.equals("count_over_time") ? a == b
                                : a == b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
                        if (!ok) {
                            problems.add(q + " @" + time + " " + e.getKey() + ": weir=" + a + " vm=" + b);
                        }
                        compared++;
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " mismatches, first: " + problems.subList(0, Math.min(20, problems.size())));
        assertTrue(compared > 300, "compared only " + compared + " values");
    }

    @Test
    void everySampleScrapedIsInVictoriaMetrics() throws Exception {
        // Read Prometheus' own TSDB back with a Prometheus that scrapes nothing and writes nowhere, and compare raw
        // samples (a range selector as an instant query returns them) series by series with VictoriaMetrics.
        try (PrometheusProcess reader = PrometheusProcess.startOn(prometheus.dir(), "global: {scrape_interval: 1h}\n")) {
            long window = (cutMillis - firstMillis) / 1000 + 60;
            String q = "{__name__=~\".+\"}[" + window + "s]";
            String time = Long.toString(cutMillis / 1000);
            Map<String, Map<Long, Double>> truth = rawSamples(Http.get(reader.url(), "/api/v1/query", Http.params("query", q, "time", time)).json());
            Map<String, Map<Long, Double>> stored = rawSamples(Http.get(vm.url(), "/api/v1/query", Http.params("query", q, "time", time)).json());
            assertTrue(truth.size() > 500, "Prometheus scraped only " + truth.size() + " series");
            List<String> problems = new ArrayList<>();
            long total = 0;
            for (var e : truth.entrySet()) {
                Map<Long, Double> got = stored.getOrDefault(e.getKey(), Map.of());
                for (var sample : e.getValue().entrySet()) {
                    total++;
                    Double v = got.get(sample.getKey());
                    double want = sample.getValue();
                    if (v == null || (v.doubleValue() != want && Math.abs(v - want) > 1e-12 * Math.abs(want))) {
                        problems.add(e.getKey() + " @" + sample.getKey() + ": prometheus=" + want + " vm=" + v);
                    }
                }
            }
            assertTrue(problems.isEmpty(), problems.size() + " samples missing or different of " + total + ", first: "
                    + problems.subList(0, Math.min(10, problems.size())));
            assertTrue(total > 20_000, "only " + total + " samples compared");
        }
    }

    private static String withoutName(JsonNode metric) {
        Map<String, String> labels = new TreeMap<>();
        metric.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        labels.remove("__name__");
        return labels.toString();
    }

    /** Matrix result as label text (name included) -> timestamp ms -> value, NaN (stale markers) left out. */
    static Map<String, Map<Long, Double>> rawSamples(JsonNode response) {
        assertEquals("success", response.get("status").asText(), response.toString());
        Map<String, Map<Long, Double>> out = new TreeMap<>();
        for (JsonNode s : response.get("data").get("result")) {
            Map<String, String> labels = new TreeMap<>();
            s.get("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            Map<Long, Double> points = new TreeMap<>();
            for (JsonNode p : s.get("values")) {
                double v = Double.parseDouble(p.get(1).asText());
                if (!Double.isNaN(v)) {
                    points.put(Math.round(p.get(0).asDouble() * 1000), v);
                }
            }
            out.put(labels.toString(), points);
        }
        return out;
    }

    @Test
    void otherQueriesComeFromTheBackend() throws Exception {
        String time = Long.toString(cutMillis / 1000);
        Http.Response r = Http.get(weir.url(), "/api/v1/query", Http.params("query", "rate(prometheus_http_requests_total[30s])", "time", time));
        assertEquals(200, r.status(), r.body());
        assertEquals("backend", r.header("X-Weir-Source"));
        assertEquals("success", r.json().get("status").asText());
        assertFalse(r.json().get("data").get("result").isEmpty(), r.body());
        Http.Response range = Http.postForm(weir.url(), "/api/v1/query_range", Http.params("query", "sum(up)",
                "start", Long.toString(cutMillis / 1000 - 20), "end", time, "step", "5"));
        assertEquals(200, range.status(), range.body());
        assertEquals("backend", range.header("X-Weir-Source"));
        assertEquals("matrix", range.json().get("data").get("resultType").asText());
    }

    @Test
    void rangeQueriesFromSketchesAgreeWithVictoriaMetrics() throws Exception {
        String q = "max_over_time(node_cpu_seconds_total[30s])";
        Map<String, String> p = Http.params("query", q, "start", Long.toString(cutMillis / 1000 - 10), "end",
                Long.toString(cutMillis / 1000), "step", "5");
        Http.Response w = Http.get(weir.url(), "/api/v1/query_range", p);
        assertEquals("sketch", w.header("X-Weir-Source"), w.header("X-Weir-Fallback"));
        Http.Response v = Http.get(vm.url(), "/api/v1/query_range", p);
        assertEquals(v.json().get("data").get("result").size(), w.json().get("data").get("result").size());
        Map<String, String> weirValues = new TreeMap<>();
        Map<String, String> vmValues = new TreeMap<>();
        w.json().get("data").get("result").forEach(s -> weirValues.put(withoutName(s.get("metric")), s.get("values").toString()));
        v.json().get("data").get("result").forEach(s -> vmValues.put(withoutName(s.get("metric")), s.get("values").toString()));
        assertFalse(weirValues.isEmpty());
        assertEquals(vmValues, weirValues);
    }

    /**
     * Instant-vector result as canonical label text -> value, asserting every point carries the query time. The
     * metric name is left out: Weir drops it as Prometheus does, VictoriaMetrics keeps it for min/max/avg_over_time.
     */
    static Map<String, double[]> vector(JsonNode response, long timeMillis) {
        assertEquals("success", response.get("status").asText(), response.toString());
        Map<String, double[]> out = new TreeMap<>();
        for (JsonNode s : response.get("data").get("result")) {
            Map<String, String> labels = new TreeMap<>();
            s.get("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            labels.remove("__name__");
            JsonNode value = s.get("value");
            assertEquals(timeMillis / 1000.0, value.get(0).asDouble(), 1e-9, "timestamp of " + labels);
            out.put(labels.toString(), new double[] {Double.parseDouble(value.get(1).asText())});
        }
        return out;
    }
}
