package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The query contract of a running node: 400 {@code bad_data} for parse errors and bad parameters, 422
 * {@code execution} for what needs a backend when none is set, 503 {@code unavailable} for an unreachable backend,
 * exact sketch answers with their markings, and unchanged backend answers (real VictoriaMetrics).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryContractTest {
    private static final long STEP_MILLIS = 10_000;
    private static final int SAMPLES = 120;
    private static final String[] JOBS = {"a", "b"};

    private WeirTestNode local;
    private WeirTestNode deadBackend;
    private WeirTestNode withVm;
    private VictoriaMetricsProcess vm;
    /** First sample time, on a minute edge. */
    private long base;
    /** An aligned evaluation time in the middle of the data. */
    private long t;
    private final double[][] values = new double[JOBS.length][SAMPLES];

    @BeforeAll
    void start() throws Exception {
        base = (System.currentTimeMillis() / 60_000 - 25) * 60_000;
        t = base + 10 * 60_000;
        Series[] series = new Series[JOBS.length];
        for (int j = 0; j < JOBS.length; j++) {
            long[] ts = new long[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                ts[i] = base + i * STEP_MILLIS;
                values[j][i] = j == 0 ? (i * 7 % 13) + 0.25 * i : 1000.5 - (i * i % 17) * 1.125;
            }
            series[j] = new Series(new String[] {"__name__", "qc_metric", "job", JOBS[j]}, ts, values[j]);
        }
        byte[] body = RemoteWriteBodies.body(series);

        local = WeirTestNode.start("wal: {fsync: never}\n");
        deadBackend = WeirTestNode.start("wal: {fsync: never}\nbackend: {url: 'http://127.0.0.1:%d', timeout: 5s}\n".formatted(Ports.free()));
        vm = VictoriaMetricsProcess.start();
        withVm = WeirTestNode.start("wal: {fsync: never}\nbackend: {url: '%s'}\n".formatted(vm.url()));
        for (WeirTestNode n : new WeirTestNode[] {local, deadBackend, withVm}) {
            Http.Response r = RemoteWriteBodies.post(n.url(), body);
            assertEquals(204, r.status(), r.body());
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (Http.get(withVm.url() + "/health").json().path("components").path("forwarder").path("samples_sent").asLong() < 2L * SAMPLES) {
            if (System.currentTimeMillis() > deadline) {
                fail("forwarder did not send: " + Http.get(withVm.url() + "/health").body());
            }
            Thread.sleep(100);
        }
        vm.forceFlush();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {local, deadBackend, withVm, vm}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static String sec(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.format(java.util.Locale.ROOT, "%.3f", millis / 1000.0);
    }

    // ---- errors ----

    private static void assertError(Http.Response r, int status, String type, String messagePart) {
        assertEquals(status, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("error", j.path("status").asText(), r.body());
        assertEquals(type, j.path("errorType").asText(), r.body());
        assertFalse(j.path("error").asText().isEmpty(), r.body());
        if (messagePart != null) {
            assertTrue(j.path("error").asText().toLowerCase().contains(messagePart.toLowerCase()), () -> "error should mention " + messagePart + ": " + r.body());
        }
    }

    private Http.Response query(WeirTestNode n, String... params) throws Exception {
        return Http.get(n.url(), "/api/v1/query", Http.params(params));
    }

    private Http.Response range(WeirTestNode n, String... params) throws Exception {
        return Http.get(n.url(), "/api/v1/query_range", Http.params(params));
    }

    /** The value of an instant query's single result, or NaN when it has none. */
    private static double single(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        JsonNode result = r.json().path("data").path("result");
        return result.size() == 1 ? result.get(0).path("value").path(1).asDouble(Double.NaN) : Double.NaN;
    }

    @Test
    void aQueryRightAfterThe204SeesTheRequestAndShortWindowsOverSparseSamplesAreExact() throws Exception {
        // one sample per request, 10 s apart; every query right after its 204, never polled
        for (int k = 1; k <= 30; k++) {
            long ts = base + k * 10_000L;
            byte[] body = RemoteWriteBodies.body(new Series(new String[] {"__name__", "ryw_metric"}, new long[] {ts}, new double[] {k}));
            assertEquals(204, RemoteWriteBodies.post(local.url(), body).status());
            assertEquals(k, single(query(local, "query", "count_over_time(ryw_metric[1h])", "time", sec(ts))), "request " + k);
            assertEquals(k * (k + 1) / 2.0, single(query(local, "query", "sum_over_time(ryw_metric[1h])", "time", sec(ts))), "request " + k);
        }
        // Prometheus' answers over samples 10 s apart (values 1..30 at base+10s..base+300s), from raw samples
        assertEquals(29.5, single(query(local, "query", "avg_over_time(ryw_metric[20s])", "time", sec(base + 300_000))));
        assertEquals(28.5, single(query(local, "query", "avg_over_time(ryw_metric[20s])", "time", sec(base + 295_000))));
        assertEquals(2.0, single(query(local, "query", "min_over_time(ryw_metric[10s])", "time", sec(base + 20_000))));
        assertEquals(15.5, single(query(local, "query", "quantile_over_time(0.5, ryw_metric[5m])", "time", sec(base + 300_000))));
        assertEquals(30.0, single(query(local, "query", "distinct_over_time(ryw_metric[5m])", "time", sec(base + 300_000))));
    }

    @Test
    void parseErrorsAndBadParametersAre400BadData() throws Exception {
        assertError(query(local, "query", "sum(qc_metric"), 400, "bad_data", "query");
        assertError(query(local, "query", "no_such_function(qc_metric[5m])"), 400, "bad_data", "no_such_function");
        assertError(query(local, "query", "qc_metric{job=}"), 400, "bad_data", null);
        assertError(query(local, "query", ""), 400, "bad_data", null);
        assertError(Http.get(local.url() + "/api/v1/query"), 400, "bad_data", null);
        assertError(query(local, "query", "count_over_time(qc_metric[5m])", "time", "yesterday"), 400, "bad_data", "time");
        assertError(Http.postForm(local.url(), "/api/v1/query", Http.params("query", "count_over_time(qc_metric[5m]", "time", sec(t))), 400, "bad_data", null);
        String q = "count_over_time(qc_metric[5m])";
        assertError(range(local, "query", q, "start", sec(t - 60_000), "end", sec(t), "step", "0"), 400, "bad_data", "step");
        assertError(range(local, "query", q, "start", sec(t - 60_000), "end", sec(t), "step", "-10"), 400, "bad_data", "step");
        assertError(range(local, "query", q, "start", sec(t - 60_000), "end", sec(t), "step", "abc"), 400, "bad_data", "step");
        assertError(range(local, "query", q, "start", sec(t), "end", sec(t - 60_000), "step", "10"), 400, "bad_data", "end");
        assertError(range(local, "query", q, "start", "notatime", "end", sec(t), "step", "10"), 400, "bad_data", "start");
        assertError(range(local, "query", q, "start", sec(t - 11_001_000), "end", sec(t), "step", "1"), 400, "bad_data", "11,000");
        assertError(range(local, "query", q, "start", sec(t), "end", sec(t)), 400, "bad_data", "step");
        // 11,000 intervals is still allowed (Prometheus' own limit is "more than 11,000")
        Http.Response ok = range(local, "query", "count_over_time(nothing_here[5m])", "start", sec(t - 11_000_000), "end", sec(t), "step", "1");
        assertEquals(200, ok.status(), ok.body());
    }

    @Test
    void edges() throws Exception {
        // a sketch function over a selector matching nothing: an empty vector, as Prometheus
        Http.Response r = query(local, "query", "count_over_time(nothing_here[5m])", "time", sec(t));
        assertEquals(200, r.status(), r.body());
        assertEquals(0, r.json().path("data").path("result").size(), r.body());
        // metadata with an unreachable backend
        assertError(Http.get(deadBackend.url() + "/api/v1/labels"), 503, "unavailable", null);
    }

    @Test
    void frequencyFunctionsComeFromSketchesExactOnWholeBucketsAndWithinTheirBoundOtherwise() throws Exception {
        // [1h] at a 10-minute edge after the last sample holds every bucket with data whole; [5m] at t may cut buckets
        long afterAll = ((base + (long) SAMPLES * STEP_MILLIS) / 600_000 + 1) * 600_000;
        for (String window : new String[] {"1h", "5m"}) {
            long w = window.equals("1h") ? 3_600_000 : 300_000;
            long at = window.equals("1h") ? afterAll : t;
            for (String f : new String[] {"distinct_over_time", "l1_over_time", "l2_over_time", "entropy_over_time"}) {
                Http.Response r = query(local, "query", f + "(qc_metric[" + window + "])", "time", sec(at));
                assertEquals(200, r.status(), r.body());
                assertEquals("sketch", r.header("X-Weir-Source"), r.header("X-Weir-Fallback"));
                JsonNode fn = r.json().path("approximation").path("functions").path(f);
                boolean exact = fn.path("exact").asBoolean();
                double bound = exact ? 0 : fn.path("relative_error_bound").asDouble(Double.NaN);
                if (window.equals("1h")) {
                    assertTrue(exact, r.body());
                }
                JsonNode result = r.json().path("data").path("result");
                assertEquals(JOBS.length, result.size(), r.body());
                for (JsonNode s : result) {
                    int j = java.util.Arrays.asList(JOBS).indexOf(s.path("metric").path("job").asText());
                    java.util.Map<Double, Integer> counts = new java.util.HashMap<>();
                    for (int i = 0; i < SAMPLES; i++) {
                        long ts = base + (long) i * STEP_MILLIS;
                        if (ts > at - w && ts <= at) {
                            counts.merge(values[j][i], 1, Integer::sum);
                        }
                    }
                    double l1 = counts.values().stream().mapToInt(Integer::intValue).sum();
                    double want = switch (f) {
                        case "distinct_over_time" -> counts.size();
                        case "l1_over_time" -> l1;
                        case "l2_over_time" -> Math.sqrt(counts.values().stream().mapToDouble(c -> (double) c * c).sum());
                        default -> -counts.values().stream().mapToDouble(c -> c / l1 * Math.log(c / l1) / Math.log(2)).sum();
                    };
                    double got = Double.parseDouble(s.path("value").get(1).asText());
                    assertTrue(Math.abs(got - want) <= (bound + 1e-9) * Math.max(1e-9, Math.abs(want)) + 1e-9,
                            f + "[" + window + "] job=" + JOBS[j] + ": got " + got + ", exact " + want + ", bound " + bound);
                }
            }
        }
    }

    @Test
    void quantilesComeFromSketchesWithinTheirReportedRankError() throws Exception {
        for (double phi : new double[] {0, 0.25, 0.5, 0.9, 0.99, 1}) {
            Http.Response r = query(local, "query", "quantile_over_time(" + phi + ", qc_metric[5m])", "time", sec(t));
            assertEquals(200, r.status(), r.body());
            assertEquals("sketch", r.header("X-Weir-Source"), r.header("X-Weir-Fallback"));
            JsonNode fn = r.json().path("approximation").path("functions").path("quantile_over_time");
            double rankBound = fn.path("rank_error").asDouble(Double.NaN);
            assertFalse(Double.isNaN(rankBound), r.body());
            JsonNode result = r.json().path("data").path("result");
            assertEquals(JOBS.length, result.size(), r.body());
            for (JsonNode s : result) {
                int j = java.util.Arrays.asList(JOBS).indexOf(s.path("metric").path("job").asText());
                double got = Double.parseDouble(s.path("value").get(1).asText());
                double[] window = java.util.stream.IntStream.range(0, SAMPLES)
                        .filter(i -> base + (long) i * STEP_MILLIS > t - 300_000 && base + (long) i * STEP_MILLIS <= t)
                        .mapToDouble(i -> values[j][i]).sorted().toArray();
                long below = java.util.Arrays.stream(window).filter(v -> v < got).count();
                long atOrBelow = java.util.Arrays.stream(window).filter(v -> v <= got).count();
                double n = window.length;
                // the answer's rank range must reach phi within the reported rank error (plus one sample of slack)
                double slack = rankBound + 1 / n + 1e-9;
                assertTrue(below / n <= phi + slack && atOrBelow / n >= phi - slack,
                        "phi=" + phi + " job=" + JOBS[j] + " got=" + got + " window=" + java.util.Arrays.toString(window) + " bound=" + rankBound);
                assertTrue(got >= window[0] - 1e-9 * Math.abs(window[0]) && got <= window[window.length - 1] * (1 + 1e-2), "within [min,max]: " + got);
            }
        }
        // out-of-range phi: -Inf / +Inf, as Prometheus
        Http.Response low = query(local, "query", "quantile_over_time(-0.5, qc_metric[5m])", "time", sec(t));
        assertEquals("-Inf", low.json().path("data").path("result").get(0).path("value").get(1).asText(), low.body());
        Http.Response high = query(local, "query", "quantile_over_time(1.5, qc_metric[5m])", "time", sec(t));
        assertEquals("+Inf", high.json().path("data").path("result").get(0).path("value").get(1).asText(), high.body());
        // a non-literal phi is left to the backend
        assertError(query(local, "query", "quantile_over_time(scalar(qc_metric), qc_metric[5m])", "time", sec(t)), 422, "execution", "backend");
    }

    @Test
    void needsBackendWithoutOneIs422Execution() throws Exception {
        Http.Response r = query(local, "query", "rate(qc_metric[5m])", "time", sec(t));
        assertError(r, 422, "execution", "backend");
        r = range(local, "query", "qc_metric", "start", sec(t - 60_000), "end", sec(t), "step", "15");
        assertError(r, 422, "execution", "backend");
    }

    @Test
    void unreachableBackendIs503Unavailable() throws Exception {
        assertError(query(deadBackend, "query", "rate(qc_metric[5m])", "time", sec(t)), 503, "unavailable", null);
        assertError(range(deadBackend, "query", "qc_metric", "start", sec(t - 60_000), "end", sec(t), "step", "15"), 503, "unavailable", null);
        // sketch answers do not need the backend
        Http.Response r = query(deadBackend, "query", "count_over_time(qc_metric[5m])", "time", sec(t));
        assertEquals(200, r.status(), r.body());
        assertEquals("sketch", r.header("X-Weir-Source"));
    }

    // ---- sketch answers ----

    /** Aggregates over the samples of job j in (end - w, end]. */
    private double expected(String function, int j, long end, long windowMillis) {
        double count = 0, sum = 0, sum2 = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < SAMPLES; i++) {
            long ts = base + i * STEP_MILLIS;
            if (ts > end - windowMillis && ts <= end) {
                double v = values[j][i];
                count++;
                sum += v;
                sum2 += v * v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double mean = sum / count;
        double var = 0;
        for (int i = 0; i < SAMPLES; i++) {
            long ts = base + i * STEP_MILLIS;
            if (ts > end - windowMillis && ts <= end) {
                var += (values[j][i] - mean) * (values[j][i] - mean);
            }
        }
        var /= count;
        return switch (function) {
            case "count_over_time" -> count;
            case "sum_over_time" -> sum;
            case "avg_over_time" -> mean;
            case "min_over_time" -> min;
            case "max_over_time" -> max;
            case "stddev_over_time" -> Math.sqrt(var);
            case "stdvar_over_time" -> var;
            case "sum2_over_time" -> sum2;
            default -> throw new IllegalArgumentException(function);
        };
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Math.abs(expected - actual) > 1e-12 * Math.max(1, Math.abs(expected))) {
            fail(what + ": expected " + expected + " got " + actual);
        }
    }

    private static final String[] FUNCTIONS = {"count_over_time", "sum_over_time", "avg_over_time", "min_over_time",
            "max_over_time", "stddev_over_time", "stdvar_over_time", "sum2_over_time"};

    /** Checks markings and values of an instant sketch answer evaluated at {@code at} for data ending at {@code end}. */
    private void checkInstant(Http.Response r, String function, long at, long end) {
        assertEquals(200, r.status(), r.body());
        assertEquals("sketch", r.header("X-Weir-Source"), function);
        JsonNode j = r.json();
        assertEquals("success", j.path("status").asText());
        assertEquals("vector", j.path("data").path("resultType").asText());
        assertTrue(j.path("warnings").isArray() && j.path("warnings").size() == 1, r.body());
        assertTrue(j.path("warnings").get(0).asText().contains(function), r.body());
        assertEquals("sketch", j.path("approximation").path("source").asText(), r.body());
        assertTrue(j.path("approximation").path("functions").has(function), r.body());
        JsonNode result = j.path("data").path("result");
        assertEquals(JOBS.length, result.size(), r.body());
        for (JsonNode s : result) {
            assertEquals(1, s.path("metric").size(), "__name__ must be dropped: " + s);
            int job = s.path("metric").path("job").asText().equals("a") ? 0 : 1;
            JsonNode v = s.path("value");
            assertEquals(at / 1000.0, v.get(0).asDouble(), 0.0);
            assertTrue(v.get(1).isTextual(), "value must be a string: " + v);
            String what = function + " job=" + JOBS[job] + " at " + at;
            if (function.equals("count_over_time")) {
                assertEquals(Long.toString((long) expected(function, job, end, 300_000)), v.get(1).asText(), what);
            } else {
                assertClose(expected(function, job, end, 300_000), Double.parseDouble(v.get(1).asText()), what);
            }
        }
    }

    @Test
    void everySketchFunctionIsExactOnAlignedWindowsGetAndPost() throws Exception {
        for (String f : FUNCTIONS) {
            String q = f + "(qc_metric[5m])";
            Http.Response r = query(local, "query", q, "time", sec(t));
            checkInstant(r, f, t, t);
            assertTrue(r.json().path("approximation").path("functions").path(f).path("exact").asBoolean(), r.body());
            assertTrue(r.body().contains("\"value\":[" + sec(t) + ",\""), "Prometheus timestamp format: " + r.body());
            checkInstant(Http.postForm(local.url(), "/api/v1/query", Http.params("query", q, "time", sec(t))), f, t, t);
            // the same through the node with a backend: still from sketches
            checkInstant(query(withVm, "query", q, "time", sec(t)), f, t, t);
        }
    }

    @Test
    void timestampsAreFormattedLikePrometheus() throws Exception {
        Http.Response r = query(local, "query", "count_over_time(qc_metric[5m])", "time", sec(t) + ".5");
        assertEquals(200, r.status(), r.body());
        // Prometheus' MarshalTimestamp: whole seconds, then '.' and three digits when there is a fraction
        assertTrue(r.body().contains("\"value\":[" + sec(t) + ".500,\""), r.body());
        assertEquals(t / 1000 + 0.5, r.json().path("data").path("result").get(0).path("value").get(0).asDouble(), 0.0);
        r = query(local, "query", "count_over_time(qc_metric[5m])", "time", sec(t) + ".05");
        assertTrue(r.body().contains("\"value\":[" + sec(t) + ".050,\""), r.body());
        r = query(local, "query", "count_over_time(qc_metric[5m])", "time", sec(t) + ".125");
        assertTrue(r.body().contains("\"value\":[" + sec(t) + ".125,\""), r.body());
        // RFC 3339 time is accepted too
        r = query(local, "query", "count_over_time(qc_metric[5m])", "time", java.time.Instant.ofEpochMilli(t).toString());
        checkInstant(r, "count_over_time", t, t);
    }

    @Test
    void offsetAndAtAreHonoured() throws Exception {
        for (String f : new String[] {"sum_over_time", "max_over_time", "count_over_time"}) {
            checkInstant(query(local, "query", f + "(qc_metric[5m] offset 2m)", "time", sec(t + 120_000)), f, t + 120_000, t);
            checkInstant(query(local, "query", f + "(qc_metric[5m] @ " + sec(t) + ")", "time", sec(t + 7 * 60_000)), f, t + 7 * 60_000, t);
            checkInstant(query(local, "query", f + "(qc_metric[5m] @ " + sec(t + 60_000) + " offset 1m)", "time", sec(t - 3 * 60_000)), f, t - 3 * 60_000, t);
        }
    }

    @Test
    void rangeQueryReturnsAMatrixWithTheRightSteps() throws Exception {
        long start = t - 4 * 60_000;
        for (boolean post : new boolean[] {false, true}) {
            Map<String, String> p = Http.params("query", "avg_over_time(qc_metric[5m])", "start", sec(start), "end", sec(t), "step", "60s");
            Http.Response r = post ? Http.postForm(local.url(), "/api/v1/query_range", p) : Http.get(local.url(), "/api/v1/query_range", p);
            assertEquals(200, r.status(), r.body());
            assertEquals("sketch", r.header("X-Weir-Source"));
            JsonNode j = r.json();
            assertEquals("matrix", j.path("data").path("resultType").asText(), r.body());
            assertTrue(j.has("warnings") && j.has("approximation"), r.body());
            JsonNode result = j.path("data").path("result");
            assertEquals(JOBS.length, result.size());
            for (JsonNode s : result) {
                assertFalse(s.path("metric").has("__name__"), s.toString());
                int job = s.path("metric").path("job").asText().equals("a") ? 0 : 1;
                JsonNode values = s.path("values");
                assertEquals(5, values.size(), s.toString());
                for (int i = 0; i < 5; i++) {
                    long at = start + i * 60_000L;
                    assertEquals(at / 1000.0, values.get(i).get(0).asDouble(), 0.0, s.toString());
                    assertClose(expected("avg_over_time", job, at, 300_000), Double.parseDouble(values.get(i).get(1).asText()), "point " + i);
                }
            }
        }
    }

    // ---- backend answers ----

    private static JsonNode withoutStats(JsonNode j) {
        ((ObjectNode) j).remove("stats");
        return j;
    }

    /**
     * With VictoriaMetrics as the backend, an instant expression with a raw-sample part is answered as a mixed plan
     * (the bare selector from VictoriaMetrics, the window from sketches) with the values VictoriaMetrics gives for the
     * whole expression; as a range query it goes to VictoriaMetrics whole.
     */
    @Test
    void mixedPlansWithVictoriaMetricsAsTheBackend() throws Exception {
        String q = "avg_over_time(qc_metric[5m]) - qc_metric";
        String[][] requests = {
                {"/api/v1/query", "query", q, "time", sec(t)},
                {"/api/v1/query_range", "query", q, "start", sec(t - 300_000), "end", sec(t), "step", "30"},
                {"/api/v1/query_range", "query", q, "start", sec(base + 300_000), "end", sec(t), "step", "5"},
        };
        for (String[] r : requests) {
            Map<String, String> p = Http.params(java.util.Arrays.copyOfRange(r, 1, r.length));
            Http.Response viaWeir = Http.get(withVm.url(), r[0], p);
            Http.Response direct = Http.get(vm.url(), r[0], p);
            assertEquals(200, viaWeir.status(), viaWeir.body());
            assertEquals(r[0].endsWith("range") ? "backend" : "mixed", viaWeir.header("X-Weir-Source"), viaWeir.header("X-Weir-Fallback"));
            JsonNode w = viaWeir.json().path("data").path("result");
            JsonNode v = direct.json().path("data").path("result");
            assertEquals(JOBS.length, w.size(), viaWeir.body());
            assertEquals(v.size(), w.size(), direct.body());
            for (JsonNode ws : w) {
                JsonNode vs = null;
                for (JsonNode candidate : v) {
                    if (candidate.path("metric").equals(ws.path("metric"))) {
                        vs = candidate;
                    }
                }
                assertTrue(vs != null, ws.path("metric") + " not in " + direct.body());
                JsonNode wp = ws.has("value") ? Http.JSON.createArrayNode().add(ws.path("value")) : ws.path("values");
                JsonNode vp = vs.has("value") ? Http.JSON.createArrayNode().add(vs.path("value")) : vs.path("values");
                assertEquals(vp.size(), wp.size(), String.join(" ", r));
                for (int k = 0; k < wp.size(); k++) {
                    assertEquals(vp.get(k).get(0).asDouble(), wp.get(k).get(0).asDouble(), 0, "timestamp");
                    double expected = vp.get(k).get(1).asDouble();
                    assertEquals(expected, wp.get(k).get(1).asDouble(), 1e-9 * Math.max(1, Math.abs(expected)), String.join(" ", r));
                }
            }
        }
    }

    @Test
    void backendQueriesReturnWhatVictoriaMetricsReturns() throws Exception {
        String[][] queries = {
                {"/api/v1/query", "query", "rate(qc_metric[5m])", "time", sec(t)},
                {"/api/v1/query", "query", "qc_metric", "time", sec(t)},
                {"/api/v1/query_range", "query", "sum(rate(qc_metric[1m]))", "start", sec(t - 300_000), "end", sec(t), "step", "30"},
        };
        for (String[] q : queries) {
            Map<String, String> p = Http.params(java.util.Arrays.copyOfRange(q, 1, q.length));
            for (boolean post : new boolean[] {false, true}) {
                Http.Response viaWeir = post ? Http.postForm(withVm.url(), q[0], p) : Http.get(withVm.url(), q[0], p);
                Http.Response direct = post ? Http.postForm(vm.url(), q[0], p) : Http.get(vm.url(), q[0], p);
                assertEquals(200, viaWeir.status(), viaWeir.body());
                assertEquals("backend", viaWeir.header("X-Weir-Source"), viaWeir.body());
                assertEquals(direct.status(), viaWeir.status());
                JsonNode w = withoutStats(viaWeir.json());
                assertTrue(w.path("data").path("result").size() > 0, "backend has the forwarded data: " + viaWeir.body());
                assertEquals(withoutStats(direct.json()), w, String.join(" ", q));
            }
        }
    }

    /**
     * A client that takes gzip gets the backend's own gzip stream, handed on as it came (the node neither inflates
     * nor compresses again): its header is Go's (operating system byte 255, which Java's deflater never writes), it
     * inflates to what VictoriaMetrics answers, and the same query series and labels ask without gzip gets plain JSON.
     */
    @Test
    void aClientThatTakesGzipGetsTheBackendsGzipAsItCame() throws Exception {
        String[] paths = {
                "/api/v1/query_range?query=qc_metric&start=" + sec(base) + "&end=" + sec(t) + "&step=10",
                "/api/v1/series?match[]=qc_metric&start=" + sec(base) + "&end=" + sec(t),
        };
        for (String path : paths) {
            HttpResponse<byte[]> direct = gzipGet(vm.url() + path, "gzip");
            HttpResponse<byte[]> viaWeir = gzipGet(withVm.url() + path, "gzip");
            assertEquals(200, viaWeir.statusCode(), path);
            assertEquals("backend", viaWeir.headers().firstValue("X-Weir-Source").orElse(null), path);
            assertEquals("gzip", direct.headers().firstValue("Content-Encoding").orElse(null), "VictoriaMetrics compresses " + path);
            assertEquals("gzip", viaWeir.headers().firstValue("Content-Encoding").orElse(null), path);
            assertEquals(direct.body()[9] & 0xff, viaWeir.body()[9] & 0xff, "the gzip header is the backend's: " + path);
            assertEquals(withoutStats(Http.JSON.readTree(inflate(direct.body()))),
                    withoutStats(Http.JSON.readTree(inflate(viaWeir.body()))), path);
            HttpResponse<byte[]> plain = gzipGet(withVm.url() + path, null);
            assertEquals(200, plain.statusCode(), path);
            assertFalse(plain.headers().firstValue("Content-Encoding").isPresent(), path);
            assertEquals(withoutStats(Http.JSON.readTree(inflate(direct.body()))), withoutStats(Http.JSON.readTree(plain.body())), path);
        }
    }

    private static HttpResponse<byte[]> gzipGet(String url, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    private static byte[] inflate(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }
}
