package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node restarted on the same data dir answers as before (series index and sketches rebuilt from the WAL) and
 * keeps ingesting; with a real VictoriaMetrics that goes away and comes back, every acknowledged sample arrives.
 */
class RestartTest {
    private static final String[] FUNCTIONS = {"count_over_time", "sum_over_time", "avg_over_time", "min_over_time",
            "max_over_time", "stddev_over_time", "stdvar_over_time", "sum2_over_time"};

    private static byte[] batch(String metric, long first, int samples, long stepMillis, int seriesCount, int salt) {
        Series[] s = new Series[seriesCount];
        for (int j = 0; j < seriesCount; j++) {
            long[] ts = new long[samples];
            double[] v = new double[samples];
            for (int i = 0; i < samples; i++) {
                ts[i] = first + i * stepMillis;
                v[i] = (i * 31 + j * 7 + salt) % 23 + 0.5 * j;
            }
            s[j] = new Series(new String[] {"__name__", metric, "instance", "host-" + j, "job", "restart"}, ts, v);
        }
        return RemoteWriteBodies.body(s);
    }

    private static void write(WeirTestNode node, byte[] body) throws Exception {
        Http.Response r = RemoteWriteBodies.post(node.url(), body);
        assertEquals(204, r.status(), r.body());
    }

    private static Set<String> series(WeirTestNode node, String match) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/series", Http.params("match[]", match));
        assertEquals(200, r.status(), r.body());
        Set<String> out = new TreeSet<>();
        r.json().path("data").forEach(n -> out.add(n.toString()));
        return out;
    }

    /** Sketch answers of every function at {@code at}: query -> response body. */
    private static Map<String, String> answers(WeirTestNode node, String metric, long at) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : FUNCTIONS) {
            String q = f + "(" + metric + "[5m])";
            Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query", q, "time", Long.toString(at / 1000)));
            assertEquals(200, r.status(), q + ": " + r.body());
            assertEquals("sketch", r.header("X-Weir-Source"), q);
            assertEquals(3, r.json().path("data").path("result").size(), r.body());
            out.put(q, r.body());
        }
        return out;
    }

    @Test
    void seriesAndSketchesSurviveARestartAndWritesContinue() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 20) * 60_000;
        long t = base + 10 * 60_000;
        Path dir = ExternalProcess.tempDir("restart");
        try {
            Set<String> seriesBefore;
            Map<String, String> before;
            Map<String, String> later;
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: always}\n", dir)) {
                write(node, batch("rs_metric", base, 60, 10_000, 3, 0));
                write(node, batch("rs_metric", base + 600_000, 30, 10_000, 3, 5));
                write(node, batch("rs_other", base, 5, 60_000, 1, 1));
                seriesBefore = series(node, "{job=\"restart\"}");
                assertEquals(4, seriesBefore.size(), seriesBefore.toString());
                before = answers(node, "rs_metric", t);
                later = answers(node, "rs_metric", t + 300_000);
            }
            long restartedSamples;
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: always}\n", dir)) {
                assertEquals(seriesBefore, series(node, "{job=\"restart\"}"));
                assertEquals(before, answers(node, "rs_metric", t), "sketch answers after restart");
                assertEquals(later, answers(node, "rs_metric", t + 300_000), "sketch answers after restart");
                // new writes continue: the same series get more samples, a new series appears
                write(node, batch("rs_metric", base + 900_000, 30, 10_000, 3, 9));
                write(node, batch("rs_new", base + 900_000, 3, 10_000, 1, 2));
                assertEquals(5, series(node, "{job=\"restart\"}").size());
                JsonNode r = Http.get(node.url(), "/api/v1/query", Http.params("query", "count_over_time(rs_metric[20m])",
                        "time", Long.toString((base + 1200_000) / 1000))).json();
                // 120 samples from base to base + 1190 s; (T-20m, T] leaves out the one at base
                assertEquals(3, r.path("data").path("result").size(), r.toString());
                for (JsonNode s : r.path("data").path("result")) {
                    assertEquals("119", s.path("value").get(1).asText(), r.toString());
                }
                restartedSamples = Http.get(node.url() + "/ingest_stats").json().path("total_samples").asLong();
                assertEquals(93, restartedSamples, "samples ingested by the second node");
            }
            // and a third start sees everything
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: always}\n", dir)) {
                assertEquals(5, series(node, "{job=\"restart\"}").size());
                assertEquals(before, answers(node, "rs_metric", t));
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /** VictoriaMetrics on a fixed port and data dir that can be stopped and started again. */
    private static final class RestartableVm extends ExternalProcess {
        RestartableVm(int port, Path dir) throws IOException, InterruptedException {
            super("victoria-metrics", port, dir, args("victoria-metrics",
                    "-httpListenAddr=127.0.0.1:" + port,
                    "-storageDataPath=" + dir.resolve("data"),
                    "-retentionPeriod=100y",
                    "-search.latencyOffset=0s",
                    "-search.disableCache",
                    "-loggerLevel=WARN"));
            awaitHttpOk("/health", Duration.ofSeconds(30));
        }

        void stop() { stopProcess(); }

        /** Every (series, timestamp, value) VictoriaMetrics holds for {@code match}, duplicates collapsed. */
        Set<String> export(String match) throws IOException, InterruptedException {
            HttpClient http = HttpClient.newHttpClient();
            http.send(HttpRequest.newBuilder(URI.create(url() + "/internal/force_flush")).build(), HttpResponse.BodyHandlers.discarding());
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/export?"
                    + Http.form(Http.params("match[]", match)))).build(), HttpResponse.BodyHandlers.ofString());
            Set<String> out = new HashSet<>();
            for (String line : r.body().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode j = Http.JSON.readTree(line);
                String instance = j.path("metric").path("instance").asText();
                for (int i = 0; i < j.path("timestamps").size(); i++) {
                    out.add(instance + "@" + j.path("timestamps").get(i).asLong() + "=" + j.path("values").get(i).asDouble());
                }
            }
            return out;
        }
    }

    private static Set<String> expectedPoints(long first, int samples, long stepMillis, int seriesCount, int salt) {
        Set<String> out = new HashSet<>();
        for (int j = 0; j < seriesCount; j++) {
            for (int i = 0; i < samples; i++) {
                out.add("host-" + j + "@" + (first + i * stepMillis) + "=" + ((i * 31 + j * 7 + salt) % 23 + 0.5 * j));
            }
        }
        return out;
    }

    @Test
    void everyAcknowledgedSampleReachesABackendThatWasDown() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 30) * 60_000;
        int port = Ports.free();
        Path vmDir = ExternalProcess.tempDir("vm-restart");
        Path weirDir = ExternalProcess.tempDir("restart-fwd");
        RestartableVm vm = new RestartableVm(port, vmDir);
        String config = "wal: {fsync: always}\nbackend: {url: '%s', timeout: 5s}\n".formatted(vm.url());
        Set<String> expected = new HashSet<>();
        try {
            try (WeirTestNode node = WeirTestNode.start(config, weirDir)) {
                write(node, batch("rs_fwd", base, 50, 10_000, 4, 0));
                expected.addAll(expectedPoints(base, 50, 10_000, 4, 0));
                awaitPoints(vm, expected);
                vm.stop();
                // the backend is down: writes are still acknowledged (they are in the WAL)
                write(node, batch("rs_fwd", base + 500_000, 50, 10_000, 4, 1));
                expected.addAll(expectedPoints(base + 500_000, 50, 10_000, 4, 1));
                long deadline = System.currentTimeMillis() + 10_000;
                while (!Http.get(node.url() + "/health").json().path("components").path("backend").path("status").asText().equals("down")) {
                    if (System.currentTimeMillis() > deadline) {
                        fail("backend not reported down: " + Http.get(node.url() + "/health").body());
                    }
                    Thread.sleep(100);
                }
            }
            // a new node on the same data dir, backend still down: resumes from the persisted cursor
            try (WeirTestNode node = WeirTestNode.start(config, weirDir)) {
                write(node, batch("rs_fwd", base + 1_000_000, 50, 10_000, 4, 2));
                expected.addAll(expectedPoints(base + 1_000_000, 50, 10_000, 4, 2));
                Thread.sleep(1500);
                vm = new RestartableVm(port, vmDir);
                awaitPoints(vm, expected);
                write(node, batch("rs_fwd", base + 1_500_000, 10, 10_000, 4, 3));
                expected.addAll(expectedPoints(base + 1_500_000, 10, 10_000, 4, 3));
                awaitPoints(vm, expected);
            }
        } finally {
            vm.close();
            ExternalProcess.deleteRecursively(weirDir);
        }
    }

    private static void awaitPoints(RestartableVm vm, Set<String> expected) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        Set<String> got = Set.of();
        while (System.currentTimeMillis() < deadline) {
            got = vm.export("{__name__=\"rs_fwd\"}");
            if (got.containsAll(expected)) {
                assertEquals(expected, got, "VictoriaMetrics holds samples nobody wrote");
                return;
            }
            Thread.sleep(250);
        }
        List<String> missing = new ArrayList<>(expected);
        missing.removeAll(got);
        fail(missing.size() + " of " + expected.size() + " acknowledged samples never reached VictoriaMetrics, e.g. "
                + missing.subList(0, Math.min(5, missing.size())) + "\n" + vm.logTail(20));
    }
}
