package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Weir's local PromQL evaluation against a real Prometheus 2.42: the same series are remote-written to a
 * sketch-only Weir and to Prometheus, then several hundred expressions, generated from every operator, aggregation
 * and function over every aggregate sketch function, are asked of both, instant and range. Labels, result types
 * and the order of instant vectors must match exactly, values within Weir's stated bound (windows here lie on
 * bucket edges, so the bound is 0 and only float rounding is allowed), errors with the same status and type.
 * Samples sit 1.5 s off every window edge, where Prometheus 2.42's closed windows and Weir's left-open ones agree.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromQLDifferentialTest {
    private static final long STEP = 10_000;
    private static final int SAMPLES = 150;
    private static final String[] LEAVES = {"count_over_time(%s[5m])", "sum_over_time(%s[5m])", "avg_over_time(%s[5m])",
            "min_over_time(%s[2m])", "max_over_time(%s[3m])", "stddev_over_time(%s[5m])", "stdvar_over_time(%s[4m])",
            "avg_over_time(%s[2m] offset 3m)", "sum_over_time(%s[1m] @ %AT%)"};

    /** The node as users run it (exact tier on: these small windows are answered from raw samples). */
    private WeirTestNode weir;
    /** The same data with the exact tier off, so that every answer comes from the sketches and their bounds. */
    private WeirTestNode sketchOnly;
    /**
     * A node with Prometheus as its backend: the data reaches Prometheus through it (its forwarder), and it answers
     * expressions that need raw samples with mixed plans (sub-expressions from Prometheus, the rest from sketches).
     */
    private WeirTestNode withBackend;
    /** The X-Weir-Source {@link #compare} expects. */
    private String expectedSource = "sketch";
    private PrometheusProcess prometheus;
    private long base;
    private long t1;
    private long t2;
    private final List<String> failures = new ArrayList<>();
    private int compared;
    private int errorsCompared;
    private int emptyResults;

    @BeforeAll
    void start() throws Exception {
        base = (System.currentTimeMillis() / 60_000 - 40) * 60_000;
        t1 = base + 20 * 60_000;
        t2 = base + 23 * 60_000;
        List<Series> series = new ArrayList<>();
        String[] jobs = {"a", "b", "c"};
        int k = 0;
        for (String job : jobs) {
            for (String inst : new String[] {"1", "2"}) {
                series.add(series("dm", k++, "job", job, "instance", inst));
            }
        }
        series.add(series("dn", k++, "job", "a"));
        series.add(series("dn", k, "job", "b"));
        byte[] body = RemoteWriteBodies.body(series.toArray(new Series[0]));
        weir = WeirTestNode.start("wal: {fsync: never}\n");
        sketchOnly = WeirTestNode.start("wal: {fsync: never}\nstorage: {exact_max_bytes: 0}\n");
        prometheus = PrometheusProcess.startReceiver();
        withBackend = WeirTestNode.start("wal: {fsync: never}\nbackend: {url: '" + prometheus.url() + "'}\n");
        assertEquals(204, RemoteWriteBodies.post(weir.url(), body).status());
        assertEquals(204, RemoteWriteBodies.post(sketchOnly.url(), body).status());
        assertEquals(204, RemoteWriteBodies.post(withBackend.url(), body).status()); // and on to Prometheus
        long expected = (long) series.size() * SAMPLES;
        // both apply the samples after acknowledging them: wait until each holds all of them
        awaitCount(prometheus.url(), "sum(count_over_time({__name__=~\"d.\"}[1h]))", expected);
        awaitCount(weir.url(), "sum(count_over_time(dm[1h])) + sum(count_over_time(dn[1h]))", expected);
        awaitCount(withBackend.url(), "sum(count_over_time(dm[1h])) + sum(count_over_time(dn[1h]))", expected);
    }

    private void awaitCount(String url, String query, long expected) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            JsonNode j = Http.get(url, "/api/v1/query", Http.params("query", query, "time", sec(base + 60 * 60_000))).json();
            JsonNode res = j.path("data").path("result");
            if (res.size() == 1 && res.get(0).path("value").get(1).asLong() == expected) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                fail(url + " did not take the samples: " + j);
            }
            Thread.sleep(100);
        }
    }

    @BeforeEach
    void resetCounts() {
        failures.clear();
        compared = 0;
        errorsCompared = 0;
        emptyResults = 0;
    }

    /** Distinct, mixed-sign values so that sorting and topk have no ties. */
    private Series series(String name, int k, String... labels) {
        long[] ts = new long[SAMPLES];
        double[] vs = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            ts[i] = base + 1_500 + i * STEP;
            vs[i] = ((i * 37 + k * 11) % 101) - 30 + k * 0.125 + i * 0.001;
        }
        String[] all = new String[labels.length + 2];
        all[0] = "__name__";
        all[1] = name;
        System.arraycopy(labels, 0, all, 2, labels.length);
        return new Series(all, ts, vs);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {weir, sketchOnly, withBackend, prometheus}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static String sec(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(java.util.Locale.ROOT, "%.3f", ms / 1000.0);
    }

    /** Every expression, generated from templates over every leaf; X stands for a leaf. */
    private List<String> expressions() {
        String[] templates = {
                "X", "-X", "X + 1", "X * -2", "X / 3", "X % 7", "X ^ 2", "2 - X", "X > 10", "X < bool 10", "100 >= X",
                "X == bool X", "X != X", "X - X", "X / X", "X + X * 2 ^ 2", "atan2(X, 2)",
                "sum(X)", "sum by (job) (X)", "avg without (instance) (X)", "min by (instance) (X)", "max(X)",
                "count by (job) (X)", "group by (job) (X)", "stddev(X)", "stdvar by (job) (X)", "topk(2, X)",
                "bottomk by (job) (1, X)", "quantile(0.3, X)", "quantile by (job) (0.9, X)", "count_values(\"v\", round(X))",
                "X / on(job) group_left sum by (job) (X)", "sum by (job) (X) - on(job) group_right X",
                "X and on(job) Y", "X unless on(job) Y", "Y or X", "X * on(job) group_left Y",
                "X > on(job, instance) X * 0.5", "abs(X)", "ceil(X)", "floor(X)", "round(X)", "round(X, 5)",
                "sqrt(abs(X))", "exp(X / 100)", "ln(abs(X) + 1)", "log2(abs(X) + 1)", "log10(abs(X) + 1)", "sgn(X)",
                "clamp(X, -5, 20)", "clamp_min(X, 0)", "clamp_max(X, 10)", "timestamp(X)", "scalar(sum(X))",
                "vector(scalar(max(X)))", "absent(X)", "sort(X)", "sort_desc(X)",
                "label_replace(X, \"j2\", \"$1-x\", \"job\", \"(.*)\")", "label_join(X, \"ji\", \",\", \"job\", \"instance\")",
                "sin(X / 100)", "cos(X / 100)", "tanh(X / 100)", "deg(X)", "rad(X)", "X * pi()",
                "minute(timestamp(X))", "hour(timestamp(X))", "day_of_week(timestamp(X))", "days_in_month(timestamp(X))",
                "month(timestamp(X))", "year(timestamp(X))", "day_of_month(timestamp(X))", "time() - timestamp(X)",
                "sum(X) + on() group_left count(X)", "X + on(job) X",
                // a metric name set again, to see where it is dropped and where it is kept
                "label_replace(X, \"__name__\", \"renamed\", \"\", \"\") + 1",
                "label_replace(X, \"__name__\", \"renamed\", \"\", \"\") > 0",
                "label_replace(X, \"__name__\", \"renamed\", \"\", \"\") > bool 0",
                "atan2(label_replace(X, \"__name__\", \"renamed\", \"\", \"\"), 1)",
                "abs(label_replace(X, \"__name__\", \"renamed\", \"\", \"\"))",
                "sort(label_replace(X, \"__name__\", \"renamed\", \"\", \"\"))",
                "sum by (__name__) (label_replace(X, \"__name__\", \"renamed\", \"\", \"\"))",
                "topk(1, label_replace(X, \"__name__\", \"renamed\", \"\", \"\"))",
        };
        List<String> out = new ArrayList<>();
        for (String leaf : LEAVES) {
            String x = leaf.replace("%s", "dm").replace("%AT%", sec(t1 - 60_000));
            String y = leaf.replace("%s", "dn").replace("%AT%", sec(t1 - 60_000));
            for (String t : templates) {
                out.add(t.replace("X", x).replace("Y", y));
            }
        }
        out.add("absent(avg_over_time(nothing[5m]))");
        out.add("time()");
        out.add("1 + 2 * 3");
        out.add("\"text\"");
        out.add("2 ^ 3 ^ 2");
        return out;
    }

    @Test
    void instantQueriesMatchPrometheus() throws Exception {
        for (String q : expressions()) {
            for (long at : new long[] {t1, t2}) {
                compare("/api/v1/query", Http.params("query", q, "time", sec(at)), q + " @ " + at, true);
            }
        }
        report(600);
    }

    @Test
    void rangeQueriesMatchPrometheus() throws Exception {
        List<String> all = expressions();
        for (int i = 0; i < all.size(); i += 3) {
            String q = all.get(i);
            compare("/api/v1/query_range", Http.params("query", q, "start", sec(t1 - 5 * 60_000), "end", sec(t2),
                    "step", "60"), q + " range", false);
        }
        report(200);
    }

    /**
     * Windows whose edges fall inside sketch buckets: Weir's values are then approximate, and must lie within the
     * bound it states for the final values, through aggregations and arithmetic.
     */
    @Test
    void approximateAnswersStayWithinTheirStatedBound() throws Exception {
        String[] leaves = {"sum_over_time(dm[5m])", "count_over_time(dm[5m])", "avg_over_time(dm[4m])"};
        String[] templates = {"X", "sum(X)", "sum by (job) (X)", "avg(X)", "X * 2 + 1", "X - X", "abs(X)",
                "X / on(job) group_left sum by (job) (X)", "max(X)", "min by (instance) (X)", "quantile(0.5, X)",
                "topk(3, X)", "X > 10", "clamp(X, 0, 100)"};
        int inexact = 0;
        WeirTestNode asUsersRunIt = weir;
        weir = sketchOnly; // compare() asks `weir`
        try {
            for (String leaf : leaves) {
                for (String t : templates) {
                    String q = t.replace("X", leaf);
                    for (long at : new long[] {t1 + 7_000, t2 + 4_000}) {
                        Http.Response w = Http.get(weir.url(), "/api/v1/query", Http.params("query", q, "time", sec(at)));
                        if (w.status() == 200 && !w.json().path("approximation").path("absolute_error_bound").asText().equals("0.0")) {
                            inexact++;
                        }
                        compare("/api/v1/query", Http.params("query", q, "time", sec(at)), q + " @ " + at, false);
                    }
                }
            }
        } finally {
            weir = asUsersRunIt;
        }
        assertTrue(inexact > 0, "no approximate answer was compared");
        report(80);
    }

    /**
     * Expressions that need raw samples somewhere (a bare selector, {@code rate}, {@code deriv}, a subquery) beside
     * sketch leaves, asked of the node with Prometheus as its backend: instant queries answered as mixed plans (the
     * raw-sample parts from Prometheus, the rest from sketches), equal to Prometheus' own answers; range queries and
     * expressions with no sketch leaf left go to Prometheus whole.
     */
    @Test
    void mixedPlansMatchPrometheus() throws Exception {
        String[] mixed = {
                "avg_over_time(dm[5m]) / on(job, instance) dm",
                "dm - avg_over_time(dm[5m])",
                "count_over_time(dm[5m]) > bool on(job, instance) dm",
                "sum by (job) (max_over_time(dm[3m])) - on(job) group_left sum by (job) (rate(dn[5m]))",
                "avg_over_time(dm[5m]) * scalar(sum(dn))",
                "topk(2, avg_over_time(dm[5m]) + dm)",
                "max_over_time(dm[5m]) and on(job) dn",
                "max_over_time(dm[5m]) unless on(job) nothing_here",
                "avg_over_time(dm[5m]) + rate(dm[5m])",
                "quantile_over_time(0.5, dm[5m]) - on(instance, job) deriv(dm[5m])",
                "label_replace(dm, \"x\", \"$1\", \"job\", \"(.*)\") + on(job, instance) group_left avg_over_time(dm[5m])",
                "sum(min_over_time(dm[2m])) / count(dm)",
                "abs(sum_over_time(dn[4m]) - sum by (job) (dm))",
                "max_over_time(dm[5m]) - max_over_time(max_over_time(dm[1m])[5m:1m])",
                "stddev_over_time(dm[5m]) > on(job, instance) group_left stddev_over_time(dm[5m] offset 1m) * 0 + dm",
        };
        WeirTestNode sketchNode = weir;
        weir = withBackend;
        expectedSource = "mixed";
        try {
            for (String q : mixed) {
                for (long at : new long[] {t1, t2}) {
                    compare("/api/v1/query", Http.params("query", q, "time", sec(at)), q + " @ " + at, true);
                }
            }
            // range queries go to the backend whole (a mixed plan measured slower there): still Prometheus' answers
            expectedSource = "backend";
            for (String q : mixed) {
                compare("/api/v1/query_range", Http.params("query", q, "start", sec(t1 - 5 * 60_000), "end", sec(t2),
                        "step", "60"), q + " range", false);
            }
            for (String q : new String[] {"rate(dm[5m])", "sum by (job) (dm)", "max_over_time(rate(dm[1m])[5m:1m])"}) {
                compare("/api/v1/query", Http.params("query", q, "time", sec(t1)), q, true);
            }
        } finally {
            weir = sketchNode;
            expectedSource = "sketch";
        }
        report(3 * mixed.length + 3);
        Http.Response metrics = Http.get(withBackend.url(), "/metrics", Map.of());
        double counted = metrics.body().lines().filter(l -> l.startsWith("weir_queries_mixed_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
        assertEquals(2 * mixed.length, counted, "mixed answers counted");
    }

    /** promtool, Prometheus' own client, prints the same answers from Weir as from Prometheus. */
    @Test
    void promtoolQueriesGetTheSameAnswers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ExternalProcess.onPath("promtool"), "promtool not installed");
        String[] queries = {"sum by (job) (count_over_time(dm[5m]))", "topk(2, max_over_time(dm[3m]))",
                "count_over_time(dm[5m]) > bool 29", "sort_desc(min_over_time(dm[2m]) * 2)", "scalar(sum(count_over_time(dn[5m])))"};
        for (String q : queries) {
            String fromProm = promtool("query", "instant", "--time=" + sec(t1), prometheus.url(), q);
            assertEquals(fromProm, promtool("query", "instant", "--time=" + sec(t1), weir.url(), q), q);
            assertTrue(!fromProm.isBlank(), q);
            String[] range = {"query", "range", "--start=" + sec(t1 - 300_000), "--end=" + sec(t2), "--step=1m"};
            String rangeFromProm = promtool(concat(range, prometheus.url(), q));
            assertEquals(rangeFromProm, promtool(concat(range, weir.url(), q)), q + " range");
        }
    }

    /**
     * vmalert (VictoriaMetrics' rule evaluator) replays recording and alerting rules on sketch functions over the
     * data, once with Weir and once with Prometheus as its datasource, writing both results to one
     * VictoriaMetrics: the recorded series and alert states must be the same.
     */
    @Test
    void vmalertRulesGiveTheSameResultsOnWeirAsOnPrometheus() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ExternalProcess.onPath("vmalert"), "vmalert not installed");
        java.nio.file.Path dir = ExternalProcess.tempDir("vmalert");
        java.nio.file.Path rules = dir.resolve("rules.yml");
        java.nio.file.Files.writeString(rules, """
                groups:
                  - name: sketches
                    interval: 1m
                    rules:
                      - record: job:dm_avg5m:sum
                        expr: sum by (job) (avg_over_time(dm[5m]))
                      - record: dm_max3m:top2
                        expr: topk(2, max_over_time(dm[3m]))
                      - record: job:dm_count5m:ratio
                        expr: count_over_time(dm[5m]) / on(job) group_left sum by (job) (count_over_time(dn[5m]))
                      - alert: DmHigh
                        expr: max_over_time(dm[3m]) > 60
                        for: 2m
                        labels: {severity: page}
                """);
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start()) {
            String from = java.time.Instant.ofEpochMilli(t1 - 300_000).toString();
            String to = java.time.Instant.ofEpochMilli(t2).toString();
            for (String[] source : new String[][] {{"weir", weir.url()}, {"prom", prometheus.url()}}) {
                List<String> cmd = List.of("vmalert", "-rule=" + rules, "-datasource.url=" + source[1],
                        "-remoteWrite.url=" + vm.url(), "-external.label=src=" + source[0],
                        "-replay.timeFrom=" + from, "-replay.timeTo=" + to, "-replay.disableProgressBar",
                        "-replay.rulesDelay=0s", "-httpListenAddr=127.0.0.1:" + Ports.free(), "-loggerLevel=WARN");
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("vmalert did not finish: " + out);
                }
                assertEquals(0, p.exitValue(), "vmalert against " + source[0] + ": " + out);
            }
            vm.forceFlush();
            Map<String, String> weirSeries = export(vm, "weir");
            Map<String, String> promSeries = export(vm, "prom");
            assertTrue(weirSeries.keySet().stream().anyMatch(k -> k.contains("job:dm_avg5m:sum")), weirSeries.toString());
            assertTrue(weirSeries.keySet().stream().anyMatch(k -> k.contains("ALERTS")), weirSeries.toString());
            assertEquals(promSeries, weirSeries);
            System.out.printf("vmalert replay: %d series from Weir equal those from Prometheus, e.g. %s%n",
                    weirSeries.size(), weirSeries.entrySet().iterator().next());
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /** Every series vmalert wrote for one datasource: labels without src, then its samples (values to 9 digits). */
    private static Map<String, String> export(VictoriaMetricsProcess vm, String src) throws Exception {
        Http.Response r = Http.get(vm.url(), "/api/v1/export", Http.params("match[]", "{src=\"" + src + "\"}"));
        assertEquals(200, r.status(), r.body());
        Map<String, String> out = new TreeMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode j = Http.JSON.readTree(line);
            Map<String, String> labels = new TreeMap<>();
            j.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            labels.remove("src");
            StringBuilder samples = new StringBuilder();
            for (int i = 0; i < j.path("values").size(); i++) {
                samples.append(j.path("timestamps").get(i).asLong()).append('=')
                        .append(String.format(java.util.Locale.ROOT, "%.9g", j.path("values").get(i).asDouble())).append(' ');
            }
            out.put(labels.toString(), samples.toString());
        }
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String promtool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("promtool");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool did not finish: " + cmd);
        }
        assertEquals(0, p.exitValue(), cmd + ": " + out);
        return out;
    }

    private void report(int atLeast) {
        System.out.printf("PromQL differential: %d queries compared with Prometheus, %d of them errors, %d empty results%n",
                compared, errorsCompared, emptyResults);
        assertTrue(compared >= atLeast, "compared only " + compared);
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " differ from Prometheus:\n" + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
        }
    }

    private void compare(String path, Map<String, String> params, String what, boolean ordered) throws Exception {
        compared++;
        Http.Response p = Http.get(prometheus.url(), path, params);
        Http.Response w = Http.get(weir.url(), path, params);
        JsonNode pj = p.json();
        JsonNode wj = w.json();
        if (p.status() != w.status()) {
            failures.add(what + ": status " + w.status() + " (" + w.body() + "), Prometheus " + p.status() + " (" + p.body() + ")");
            return;
        }
        if (p.status() != 200) {
            errorsCompared++;
            if (!pj.path("errorType").asText().equals(wj.path("errorType").asText())) {
                failures.add(what + ": errorType " + wj.path("errorType") + ", Prometheus " + pj.path("errorType"));
            }
            return;
        }
        if (!expectedSource.equals(w.header("X-Weir-Source"))) {
            failures.add(what + ": answered by " + w.header("X-Weir-Source") + ", not " + expectedSource + ": "
                    + w.header("X-Weir-Fallback"));
            return;
        }
        double bound = expectedSource.equals("backend") ? 0 // Prometheus' own answer, passed through
                : wj.path("approximation").path("absolute_error_bound").asDouble(Double.NaN);
        if (Double.isNaN(bound)) {
            failures.add(what + ": no finite bound: " + wj.path("approximation"));
            return;
        }
        JsonNode pd = pj.path("data");
        JsonNode wd = wj.path("data");
        if (!pd.path("resultType").equals(wd.path("resultType"))) {
            failures.add(what + ": resultType " + wd.path("resultType") + ", Prometheus " + pd.path("resultType"));
            return;
        }
        String type = pd.path("resultType").asText();
        if (type.equals("scalar") || type.equals("string")) {
            String diff = point(pd.path("result"), wd.path("result"), bound, type.equals("string"));
            if (diff != null) {
                failures.add(what + ": " + diff);
            }
            return;
        }
        Map<String, JsonNode> ps = byLabels(pd.path("result"));
        Map<String, JsonNode> ws = byLabels(wd.path("result"));
        if (ps.isEmpty()) {
            emptyResults++;
        }
        if (!ps.keySet().equals(ws.keySet()) && !differOnlyInUncertain(ps.keySet(), ws.keySet(), wj)) {
            failures.add(what + ": series " + ws.keySet() + ", Prometheus " + ps.keySet());
            return;
        }
        if (ordered && !order(pd.path("result")).equals(order(wd.path("result")))
                && !onlyNearTiesSwapped(pd.path("result"), wd.path("result"), ps, bound)) {
            failures.add(what + ": order " + order(wd.path("result")) + ", Prometheus " + order(pd.path("result")));
            return;
        }
        for (String key : ps.keySet()) {
            JsonNode a = ps.get(key);
            JsonNode b = ws.get(key);
            if (b == null) {
                continue;
            }
            if (type.equals("vector")) {
                String diff = point(a.path("value"), b.path("value"), bound, false);
                if (diff != null) {
                    failures.add(what + " " + key + ": " + diff);
                    return;
                }
            } else {
                JsonNode av = a.path("values");
                JsonNode bv = b.path("values");
                if (av.size() != bv.size()) {
                    failures.add(what + " " + key + ": " + bv.size() + " points, Prometheus " + av.size());
                    return;
                }
                for (int i = 0; i < av.size(); i++) {
                    String diff = point(av.get(i), bv.get(i), bound, false);
                    if (diff != null) {
                        failures.add(what + " " + key + " point " + i + ": " + diff);
                        return;
                    }
                }
            }
        }
    }

    /**
     * True when Weir's order differs from Prometheus' only among values equal within the bound and float rounding
     * (sort of near-equal values): Prometheus' values read in Weir's order are the same sequence.
     */
    private static boolean onlyNearTiesSwapped(JsonNode promResult, JsonNode weirResult, Map<String, JsonNode> prom, double bound) {
        for (int i = 0; i < promResult.size(); i++) {
            JsonNode expected = promResult.get(i).path("value");
            JsonNode got = prom.get(labels(weirResult.get(i))).path("value");
            if (point(expected, got, bound, false) != null) {
                return false;
            }
        }
        return true;
    }

    /** A selection (topk, a comparison) decided within the bound must name every series it may have got wrong. */
    private static boolean differOnlyInUncertain(java.util.Set<String> prom, java.util.Set<String> weir, JsonNode answer) {
        java.util.Set<String> named = new java.util.HashSet<>();
        for (JsonNode n : answer.path("approximation").path("uncertain_series")) {
            named.add(n.asText().replace("\"", "").replace(", ", ","));
        }
        java.util.Set<String> diff = new java.util.HashSet<>(prom);
        diff.addAll(weir);
        java.util.Set<String> both = new java.util.HashSet<>(prom);
        both.retainAll(weir);
        diff.removeAll(both);
        for (String d : diff) {
            if (!named.contains(d.replace(", ", ","))) {
                return false;
            }
        }
        return true;
    }

    private static String point(JsonNode prom, JsonNode weir, double bound, boolean text) {
        if (prom.get(0).asDouble() != weir.get(0).asDouble()) {
            return "timestamp " + weir.get(0) + ", Prometheus " + prom.get(0);
        }
        String ps = prom.get(1).asText();
        String ws = weir.get(1).asText();
        if (text || ps.equals(ws)) {
            return ps.equals(ws) ? null : "value " + ws + ", Prometheus " + ps;
        }
        double a = Double.parseDouble(ps.replace("Inf", "Infinity"));
        double b = Double.parseDouble(ws.replace("Inf", "Infinity"));
        if (Double.isNaN(a) && Double.isNaN(b)) {
            return null;
        }
        double tolerance = bound + 1e-9 * Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
        return Math.abs(a - b) <= tolerance ? null : "value " + ws + ", Prometheus " + ps + " (bound " + bound + ")";
    }

    private static Map<String, JsonNode> byLabels(JsonNode result) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (JsonNode s : result) {
            m.put(labels(s), s);
        }
        return m;
    }

    private static List<String> order(JsonNode result) {
        List<String> l = new ArrayList<>();
        for (JsonNode s : result) {
            l.add(labels(s));
        }
        return l;
    }

    private static String labels(JsonNode s) {
        Map<String, String> m = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = s.path("metric").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        return m.toString();
    }
}
