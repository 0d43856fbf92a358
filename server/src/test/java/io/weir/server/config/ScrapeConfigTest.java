package io.weir.server.config;

import io.weir.net.relabel.RelabelAction;
import io.weir.net.scrape.ScrapeJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scrape_configs: Prometheus' defaults, every option read, every problem named with its key path. */
class ScrapeConfigTest {
    private final ConfigLoader loader = new ConfigLoader(new SimpleSelectorParser());

    @Test
    void defaultsAreThoseOfPrometheus() {
        ConfigResult r = loader.parse("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1']}]\n"
                + "  - job_name: b\n    scrape_interval: 5s\n", "t");
        assertTrue(r.isValid(), () -> r.problems().toString());
        ScrapeJob a = r.config().scrapeConfigs().get(0);
        assertEquals(60_000, a.intervalMillis());
        assertEquals(10_000, a.timeoutMillis());
        assertEquals("/metrics", a.metricsPath());
        assertEquals("http", a.scheme());
        assertTrue(a.honorTimestamps());
        assertFalse(a.honorLabels());
        assertEquals(List.of("h:1"), a.staticConfigs().get(0).targets());
        // a timeout not set is capped by a shorter interval
        assertEquals(5_000, r.config().scrapeConfigs().get(1).timeoutMillis());
        assertTrue(loader.parse("", "t").config().scrapeConfigs().isEmpty());
    }

    @Test
    void everyOptionIsRead(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path pw = Files.writeString(dir.resolve("pw"), "secret\n");
        ConfigResult r = loader.parse("""
                scrape_configs:
                  - job_name: full
                    scrape_interval: 30s
                    scrape_timeout: 20s
                    metrics_path: /probe
                    scheme: https
                    params: {module: [http_2xx]}
                    honor_labels: true
                    honor_timestamps: false
                    sample_limit: 1000
                    basic_auth: {username: u, password_file: %s}
                    tls_config: {ca_file: %s, insecure_skip_verify: true}
                    static_configs:
                      - targets: ['a:1', 'b:2']
                        labels: {env: prod}
                    file_sd_configs:
                      - files: ['%s/*.json']
                        refresh_interval: 1m
                    relabel_configs:
                      - source_labels: [__address__]
                        target_label: __param_target
                      - {action: labelmap, regex: '__meta_(.+)'}
                      - {action: hashmod, source_labels: [__address__], modulus: 4, target_label: shard}
                    metric_relabel_configs:
                      - {action: drop, source_labels: [__name__], regex: 'go_.*'}
                """.formatted(pw, ca, dir), "t");
        assertTrue(r.isValid(), () -> r.problems().toString());
        ScrapeJob j = r.config().scrapeConfigs().get(0);
        assertEquals(30_000, j.intervalMillis());
        assertEquals(20_000, j.timeoutMillis());
        assertEquals("https", j.scheme());
        assertEquals(Map.of("module", List.of("http_2xx")), j.params());
        assertTrue(j.honorLabels());
        assertFalse(j.honorTimestamps());
        assertEquals(1000, j.sampleLimit());
        assertEquals(pw, j.basicAuth().passwordFile());
        assertEquals(new ScrapeJob.TlsConfig(ca, true), j.tls());
        assertEquals(Map.of("env", "prod"), j.staticConfigs().get(0).labels());
        assertEquals(60_000, j.fileSdConfigs().get(0).refreshIntervalMillis());
        assertEquals(List.of(RelabelAction.REPLACE, RelabelAction.LABELMAP, RelabelAction.HASHMOD),
                j.relabelConfigs().stream().map(x -> x.action()).toList());
        assertEquals(RelabelAction.DROP, j.metricRelabelConfigs().get(0).action());
        String summary = ConfigLoader.summary(r.config());
        assertTrue(summary.contains("scrape jobs:    1\n  full: every 30s (timeout 20s), https://<target>/probe, 2 static target(s), file_sd "), summary);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scrape_configs: {a: 1}|scrape_configs|must be a list of scrape jobs (got a mapping)",
        "scrape_configs: [{scrape_interval: 1m}]|scrape_configs[0].job_name|required",
        "scrape_configs: [{job_name: a, scrape_interval: 10}]|scrape_configs[0].scrape_interval|not a valid duration: \"10\" (a unit is required, e.g. \"10s\")",
        "scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 10s}]|scrape_configs[0].scrape_timeout|must not be greater than scrape_interval (got 10s > 5s)",
        "scrape_configs: [{job_name: a, metrics_path: metrics}]|scrape_configs[0].metrics_path|must start with / (got \"metrics\")",
        "scrape_configs: [{job_name: a, scheme: ftp}]|scrape_configs[0].scheme|must be http or https (got \"ftp\")",
        "scrape_configs: [{job_name: a, scrape_intervall: 5s}]|scrape_configs[0].scrape_intervall|unknown key (did you mean \"scrape_interval\"?)",
        "scrape_configs: [{job_name: a, static_configs: [{targets: ['http://h:1/x']}]}]|scrape_configs[0].static_configs[0].targets[0]|must be host:port (got \"http://h:1/x\")",
        "scrape_configs: [{job_name: a, static_configs: [{labels: {1x: y}}]}]|scrape_configs[0].static_configs[0].labels.1x|invalid label name \"1x\"",
        "scrape_configs: [{job_name: a, relabel_configs: [{action: replace}]}]|scrape_configs[0].relabel_configs[0].target_label|required for action replace",
        "scrape_configs: [{job_name: a, relabel_configs: [{action: explode}]}]|scrape_configs[0].relabel_configs[0].action|unknown relabel action \"explode\" (supported: replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)",
        "scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, target_label: s, source_labels: [x]}]}]|scrape_configs[0].relabel_configs[0].modulus|required (and > 0) for action hashmod",
        "scrape_configs: [{job_name: a, metric_relabel_configs: [{action: keep, source_labels: [x], regex: '(a'}]}]|scrape_configs[0].metric_relabel_configs[0].regex|not a valid RE2 regular expression: \"(a\" (missing closing ))",
        "scrape_configs: [{job_name: a, metric_relabel_configs: [{action: labeldrop, regex: x, target_label: y}]}]|scrape_configs[0].metric_relabel_configs[0].target_label|not allowed with action labeldrop (it takes only regex)",
        "scrape_configs: [{job_name: a, sample_limit: lots}]|scrape_configs[0].sample_limit|must be a whole number (got \"lots\")",
        "scrape_configs: [{job_name: a, honor_labels: yes}]|scrape_configs[0].honor_labels|must be true or false (got \"yes\")",
        "scrape_configs: [{job_name: a, tls_config: {ca_file: /nonexistent/ca.pem}}]|scrape_configs[0].tls_config.ca_file|cannot read \"/nonexistent/ca.pem\"",
        "scrape_configs: [{job_name: a, authorization: {type: Basic, credentials: x}}]|scrape_configs[0].authorization.type|must not be Basic (use basic_auth)",
        "scrape_configs: [{job_name: a, file_sd_configs: [{files: [targets.txt]}]}]|scrape_configs[0].file_sd_configs[0].files[0]|must end in .json, .yml or .yaml (got \"targets.txt\")",
        "scrape_configs: [{job_name: a}, {job_name: a}]|scrape_configs[1].job_name|duplicate job name \"a\"",
    })
    void oneProblem(String yaml, String keyPath, String message) {
        ConfigResult r = loader.parse(yaml, "t");
        assertFalse(r.isValid(), yaml);
        assertEquals(List.of(new ConfigProblem(keyPath, message)), r.problems());
    }
}
