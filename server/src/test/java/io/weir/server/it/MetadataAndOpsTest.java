package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Metadata endpoints answered from the local series index (no backend) and the operational endpoints:
 * {@code /health}, {@code /-/healthy}, {@code /-/ready}, {@code /metrics}, {@code /ingest_stats}, {@code /ui}, 404.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetadataAndOpsTest {
    private WeirTestNode node;
    private final long now = System.currentTimeMillis();

    @BeforeAll
    void start() throws Exception {
        node = WeirTestNode.start("wal: {fsync: never}\n");
        Http.Response r = RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                Series.of(now, 1, "__name__", "mo_up", "job", "api", "instance", "i1"),
                Series.of(now, 0, "__name__", "mo_up", "job", "db", "instance", "i2"),
                Series.of(now, 7, "__name__", "mo_other", "job", "api", "env", "prod")));
        assertEquals(204, r.status(), r.body());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private JsonNode success(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
        JsonNode j = r.json();
        assertEquals("success", j.path("status").asText(), r.body());
        return j.path("data");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Set<Map<String, String>> labelSets(JsonNode array) {
        Set<Map<String, String>> out = new HashSet<>();
        for (JsonNode n : array) {
            Map<String, String> m = new HashMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            out.add(m);
        }
        return out;
    }

    @Test
    void labelsAndValuesComeFromTheLocalIndex() throws Exception {
        assertEquals(List.of("__name__", "env", "instance", "job"), strings(success(Http.get(node.url() + "/api/v1/labels"))));
        assertEquals(List.of("__name__", "instance", "job"),
                strings(success(Http.get(node.url(), "/api/v1/labels", Http.params("match[]", "mo_up")))));
        assertEquals(List.of("__name__", "env", "instance", "job"),
                strings(success(Http.postForm(node.url(), "/api/v1/labels", Http.params()))));
        assertEquals(List.of("api", "db"), strings(success(Http.get(node.url() + "/api/v1/label/job/values"))));
        assertEquals(List.of("mo_other", "mo_up"), strings(success(Http.get(node.url() + "/api/v1/label/__name__/values"))));
        assertEquals(List.of("api"), strings(success(Http.get(node.url(), "/api/v1/label/job/values", Http.params("match[]", "mo_other")))));
        assertEquals(List.of(), strings(success(Http.get(node.url() + "/api/v1/label/nosuchlabel/values"))));
    }

    @Test
    void seriesComeFromTheLocalIndex() throws Exception {
        assertEquals(Set.of(Map.of("__name__", "mo_up", "job", "api", "instance", "i1"), Map.of("__name__", "mo_up", "job", "db", "instance", "i2")),
                labelSets(success(Http.get(node.url(), "/api/v1/series", Http.params("match[]", "mo_up")))));
        assertEquals(Set.of(Map.of("__name__", "mo_up", "job", "api", "instance", "i1"), Map.of("__name__", "mo_other", "job", "api", "env", "prod")),
                labelSets(success(Http.postForm(node.url(), "/api/v1/series", Http.params("match[]", "{job=\"api\"}")))));
        assertEquals(Set.of(Map.of("__name__", "mo_up", "job", "db", "instance", "i2"), Map.of("__name__", "mo_other", "job", "api", "env", "prod")),
                labelSets(success(Http.get(node.url() + "/api/v1/series?match[]=mo_other&match[]=" + java.net.URLEncoder.encode("mo_up{instance=~\"i2|i9\"}", "UTF-8")))));
        assertEquals(Set.of(), labelSets(success(Http.get(node.url(), "/api/v1/series", Http.params("match[]", "{__name__=\"absent\"}")))));
        Http.Response bad = Http.get(node.url(), "/api/v1/series", Http.params("match[]", "mo_up{job="));
        assertEquals(400, bad.status(), bad.body());
        assertEquals("bad_data", bad.json().path("errorType").asText());
        Http.Response none = Http.get(node.url() + "/api/v1/series");
        assertEquals(400, none.status(), none.body());
        assertEquals("bad_data", none.json().path("errorType").asText());
    }

    @Test
    void limitTruncatesSeriesComeSortedAndExemplarsAreEmpty() throws Exception {
        assertEquals(List.of("__name__", "env"), strings(success(Http.get(node.url(), "/api/v1/labels", Http.params("limit", "2")))));
        assertEquals(List.of("api"), strings(success(Http.get(node.url(), "/api/v1/label/job/values", Http.params("limit", "1")))));
        JsonNode series = success(Http.get(node.url(), "/api/v1/series", Http.params("match[]", "{job=~\".+\"}")));
        assertEquals(3, series.size(), series.toString());
        // sorted by label set: mo_other before mo_up, and within mo_up by instance
        assertEquals("mo_other", series.get(0).path("__name__").asText());
        assertEquals("i1", series.get(1).path("instance").asText());
        assertEquals(List.of("__name__", "env", "job"), fieldNames(series.get(0)));
        assertEquals(1, success(Http.get(node.url(), "/api/v1/series", Http.params("match[]", "{job=~\".+\"}", "limit", "1"))).size());
        Http.Response bad = Http.get(node.url(), "/api/v1/labels", Http.params("limit", "-1"));
        assertEquals(400, bad.status(), bad.body());
        assertEquals("bad_data", bad.json().path("errorType").asText());
        assertEquals(0, success(Http.get(node.url(), "/api/v1/query_exemplars", Http.params("query", "mo_up", "start", "0", "end", "1"))).size());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void buildinfoAndMetadataAnswer() throws Exception {
        JsonNode data = success(Http.get(node.url() + "/api/v1/status/buildinfo"));
        assertFalse(data.path("version").asText().isEmpty(), data.toString());
        assertTrue(success(Http.get(node.url() + "/api/v1/metadata")).isObject());
    }

    @Test
    void healthNamesEveryComponent() throws Exception {
        Http.Response r = Http.get(node.url() + "/health");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        for (String c : new String[] {"ingest_ring", "wal", "forwarder", "backend"}) {
            assertTrue(j.path("components").has(c), c + " missing: " + r.body());
            assertFalse(j.path("components").path(c).path("status").asText().isEmpty(), c + ": " + r.body());
        }
        assertEquals("ok", j.path("status").asText(), r.body());
        assertEquals("ok", j.path("components").path("wal").path("status").asText());
    }

    @Test
    void healthyAndReady() throws Exception {
        for (String p : new String[] {"/-/healthy", "/-/ready"}) {
            Http.Response r = Http.get(node.url() + p);
            assertEquals(200, r.status(), p);
            assertFalse(r.body().isEmpty(), p);
            Http.Response head = Http.send(HttpRequest.newBuilder(URI.create(node.url() + p)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.status(), "HEAD " + p);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
            "(" + NAME + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:\\\\[\\\\\"n]|[^\"\\\\\\n])*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:\\\\[\\\\\"n]|[^\"\\\\\\n])*\")*,?)?\\})?"
                    + " ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN)( -?[0-9]+)?");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");

    /** Parses Prometheus text format strictly; returns sample name+labels -> value. */
    private static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> samples = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        String[] lines = text.split("\n", -1);
        assertEquals("", lines[lines.length - 1], "text format ends with a newline");
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertTrue(helped.add(m.group(1)), "second HELP for " + m.group(1));
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertNotNull(m.group(1));
                assertTrue(types.put(m.group(1), m.group(2)) == null, "second TYPE for " + m.group(1));
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                assertTrue(name.startsWith("weir_"), "metric without weir_ prefix: " + line);
                String family = types.containsKey(name) ? name : name.replaceAll("_(bucket|sum|count)$", "");
                assertTrue(types.containsKey(family), "sample before/without its # TYPE: " + line);
                String key = name + (m.group(2) == null ? "" : m.group(2));
                assertTrue(samples.put(key, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))) == null, "duplicate sample " + key);
            } else if (!line.isEmpty()) {
                fail("line " + (i + 1) + " is not Prometheus text format: " + line);
            }
        }
        return samples;
    }

    @Test
    void metricsIsValidPrometheusTextAndMoves() throws Exception {
        Http.Response r = Http.get(node.url() + "/metrics");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
        Map<String, Double> before = parseMetrics(r.body());
        assertTrue(before.size() > 5, r.body());
        Double ingested = before.get("weir_ingested_samples_total");
        assertNotNull(ingested, "weir_ingested_samples_total missing:\n" + r.body());
        Http.Response w = RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(new Series(new String[] {"__name__", "mo_moves"},
                new long[] {now, now + 1000, now + 2000}, new double[] {1, 2, 3})));
        assertEquals(204, w.status(), w.body());
        Map<String, Double> after = parseMetrics(Http.get(node.url() + "/metrics").body());
        assertEquals(ingested + 3, after.get("weir_ingested_samples_total"), 0.0);
    }

    @Test
    void ingestStatsHasItsFields() throws Exception {
        Http.Response r = Http.get(node.url() + "/ingest_stats");
        assertEquals(200, r.status());
        JsonNode j = r.json();
        for (String f : new String[] {"total_samples", "total_requests", "rejected_requests", "throttled_requests",
                "current_rate", "average_rate", "uptime_seconds", "series"}) {
            assertTrue(j.path(f).isNumber(), f + " missing or not a number: " + r.body());
        }
        assertTrue(j.path("total_samples").asLong() >= 3, r.body());
        assertTrue(j.path("series").asLong() >= 3, r.body());
    }

    @Test
    void uiIsHtml() throws Exception {
        Http.Response r = Http.get(node.url() + "/ui");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("text/html"), r.header("Content-Type"));
        assertTrue(r.body().toLowerCase().contains("<html"), r.body());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        for (String p : new String[] {"/nope", "/api/v1/nope", "/api/v2/write", "/healthz"}) {
            assertEquals(404, Http.get(node.url() + p).status(), p);
        }
        Http.Response r = Http.send(HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/query"))
                .method("DELETE", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, r.status());
        assertTrue(r.header("Allow").contains("GET") && r.header("Allow").contains("POST"), r.header("Allow"));
        r = Http.post(node.url() + "/health", new byte[0], Map.of());
        assertEquals(405, r.status());
        assertEquals("GET", r.header("Allow"));
    }
}
