package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Grafana dashboard in {@code ops/grafana/} against a real node: every expression parses with Weir's PromQL
 * parser, every metric it names is in the node's {@code /metrics}, and a real VictoriaMetrics that scrapes the node
 * answers every expression without error (with data, except the latency quantiles of a node that had no query).
 */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("..", "ops", "grafana", "weir-node.json");
    private static final Pattern METRIC = Pattern.compile("\\bweir_[A-Za-z0-9_:]+");

    @Test
    void everyPanelQueryParsesNamesRealMetricsAndEvaluates() throws Exception {
        JsonNode dashboard = Http.JSON.readTree(Files.readString(DASHBOARD));
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        assertTrue(exprs.size() >= 20, "dashboard has " + exprs.size() + " queries");
        List<String> concrete = new ArrayList<>();
        for (String e : exprs) {
            String q = e.replace("$__rate_interval", "30s").replace("$instance", ".*");
            PromQLParser.parse(q); // throws with the position of a syntax error
            concrete.add(q);
        }

        VictoriaMetricsProcess backend = VictoriaMetricsProcess.start();
        try (backend; WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\nbackend: {url: '" + backend.url() + "'}\n")) {
            long now = System.currentTimeMillis();
            assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                    Series.of(now, 1, "__name__", "dash_up", "job", "api"))).status());
            String metrics = Http.get(node.url() + "/metrics").body();
            Set<String> exposed = new TreeSet<>();
            Matcher m = METRIC.matcher(metrics);
            while (m.find()) {
                exposed.add(m.group());
            }
            Set<String> missing = new TreeSet<>();
            for (String e : exprs) {
                Matcher n = METRIC.matcher(e);
                while (n.find()) {
                    if (!exposed.contains(n.group())) {
                        missing.add(n.group());
                    }
                }
            }
            Matcher t = METRIC.matcher(dashboard.path("templating").toString());
            while (t.find()) {
                if (!exposed.contains(t.group())) {
                    missing.add(t.group());
                }
            }
            assertTrue(missing.isEmpty(), "dashboard names metrics the node does not expose: " + missing);

            try (VictoriaMetricsProcess scraper = scraping(node.port())) {
                awaitScrapes(scraper, 4);
                for (String q : concrete) {
                    Http.Response r = Http.get(scraper.url(), "/api/v1/query", Http.params("query", q));
                    assertEquals(200, r.status(), q + " -> " + r.body());
                    assertEquals("success", r.json().path("status").asText(), q + " -> " + r.body());
                    if (!q.contains("histogram_quantile")) {
                        assertFalse(r.json().path("data").path("result").isEmpty(), "no data for " + q);
                    }
                }
            }
        }
    }

    /** A second VictoriaMetrics that scrapes the node every second, as a user's Prometheus would. */
    private static VictoriaMetricsProcess scraping(int weirPort) throws Exception {
        Path config = Files.createTempFile("weir-scrape", ".yml");
        Files.writeString(config, """
                scrape_configs:
                  - job_name: weir
                    scrape_interval: 1s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(weirPort));
        config.toFile().deleteOnExit();
        return VictoriaMetricsProcess.start("-promscrape.config=" + config);
    }

    private static void awaitScrapes(VictoriaMetricsProcess vm, int scrapes) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            vm.forceFlush();
            Http.Response r = Http.get(vm.url(), "/api/v1/query", Http.params("query", "count_over_time(weir_series[1m])"));
            JsonNode result = r.json().path("data").path("result");
            if (!result.isEmpty() && result.get(0).path("value").get(1).asDouble() >= scrapes) {
                return;
            }
            Thread.sleep(200);
        }
        fail("VictoriaMetrics did not scrape the node " + scrapes + " times within 60 s");
    }
}
