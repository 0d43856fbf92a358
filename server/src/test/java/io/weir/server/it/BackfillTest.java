package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weir backfill} against a real VictoriaMetrics holding known samples: a new node answers the past window
 * from its sketches exactly, the backend gets nothing back (its export holds each sample once; the forwarder counts
 * the backfill as skipped and sends nothing), the backfill survives a restart (from the shutdown snapshot, and from the WAL alone), and a backfill split
 * into runs sharing a checkpoint, one of them stopped between two requests of a chunk, counts every sample once.
 */
class BackfillTest {
    private static final int SERIES = 3;
    private static final int SAMPLES = 90;
    private static final long STEP = 10_000;

    private static double value(int i, int j) {
        return (i * 31 + j * 7) % 23 + 0.5 * j;
    }

    private static String[] labels(int j) {
        return new String[] {"__name__", "bf_metric", "instance", "host-" + j, "job", "backfill"};
    }

    private static int backfill(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "backfill";
        System.arraycopy(args, 0, full, 1, args.length);
        return new CommandLine(new io.weir.server.Main()).execute(full);
    }

    @Test
    void historyFromVictoriaMetricsIsAnsweredExactlyNotForwardedBackAndSurvivesARestart() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 20) * 60_000;
        Path dir = ExternalProcess.tempDir("backfill");
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start()) {
            Series[] s = new Series[SERIES];
            for (int j = 0; j < SERIES; j++) {
                long[] ts = new long[SAMPLES];
                double[] v = new double[SAMPLES];
                for (int i = 0; i < SAMPLES; i++) {
                    ts[i] = base + i * STEP;
                    v[i] = value(i, j);
                }
                s[j] = new Series(labels(j), ts, v);
            }
            assertEquals(204, RemoteWriteBodies.post(vm.url(), RemoteWriteBodies.body(s)).status());
            vm.forceFlush();
            awaitExport(vm, SERIES * SAMPLES);

            String yaml = "wal: {fsync: always}\nbackend:\n  url: " + vm.url() + "\n";
            Path checkpoint = dir.resolve("bf.checkpoint");
            String match = "{job=\"backfill\"}";
            try (WeirTestNode node = WeirTestNode.start(yaml, dir.resolve("node"))) {
                // run 1: [base, base + 299 s] in 2-minute chunks of 50-sample requests: samples 0..29 of each series
                assertEquals(0, backfill("--from", vm.url(), "--url", node.url(), "--match", match, "--start", secs(base),
                        "--end", secs(base + 299_000), "--chunk", "2m", "--max-samples", "50", "--checkpoint", checkpoint.toString()));
                // a run stopped after the first request of the next chunk: that chunk is [base + 299.001 s, + 2 min],
                // samples 30..41 in the fixed order (series by labels, then time); the first 20 are at the node
                Series[] firstRequest = {part(base, 0, 30, 42), part(base, 1, 30, 38)};
                Http.Response r = Http.post(node.url() + "/api/v1/admin/backfill", RemoteWriteBodies.body(firstRequest), RemoteWriteBodies.HEADERS);
                assertEquals(204, r.status(), r.body());
                Files.writeString(checkpoint, "match=" + match.replace("=", "\\=") + "\nnext=" + (base + 299_001)
                        + "\nchunk_end=" + (base + 299_000 + 120_000) + "\nposted=20\n");
                // run 2 over the whole range with the same checkpoint resumes after those 20, even with another --chunk
                // (the stopped chunk is read as it was)
                assertEquals(0, backfill("--from", vm.url(), "--url", node.url(), "--match", match, "--start", secs(base),
                        "--end", secs(base + 900_000), "--chunk", "5m", "--max-samples", "50", "--checkpoint", checkpoint.toString()));
                // run 3: nothing left to do
                assertEquals(0, backfill("--from", vm.url(), "--url", node.url(), "--match", match, "--start", secs(base),
                        "--end", secs(base + 900_000), "--checkpoint", checkpoint.toString()));

                assertExact(node, base);
                awaitMetric(node, "weir_forwarder_backfill_skipped_total", SERIES * SAMPLES);
                assertEquals(0, metric(node, "weir_forwarder_samples_sent_total"), "nothing forwarded back");
                assertEquals(SERIES * SAMPLES, export(vm), "the backend holds each sample once");
            }
            try (WeirTestNode node = WeirTestNode.start(yaml, dir.resolve("node"))) {
                assertExact(node, base); // from the snapshot taken at shutdown
            }
            // without that snapshot the node rebuilds its sketches from the WAL alone, BACKFILL_SAMPLES included
            ExternalProcess.deleteRecursively(dir.resolve("node").resolve("snapshots"));
            try (WeirTestNode node = WeirTestNode.start(yaml, dir.resolve("node"))) {
                assertEquals(SERIES * SAMPLES, metric(node, "weir_startup_replayed_samples"), "replayed from the WAL");
                assertExact(node, base);
                // replay must not turn backfill into samples to forward either: a live sample written after it is
                // the only one the restarted node sends
                Series live = new Series(labels(0), new long[] {base + SAMPLES * STEP}, new double[] {42});
                assertEquals(204, RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(live)).status());
                awaitMetric(node, "weir_forwarder_samples_sent_total", 1);
                assertEquals(SERIES * SAMPLES + 1, export(vm));
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /**
     * Prometheus as the source (remote read, detected by --source auto because it has no /api/v1/export) and the
     * backend: exact answers, and the forwarder sends nothing back (Prometheus would drop an exact duplicate silently,
     * so its own count cannot show one: the forwarder's counters do).
     */
    @Test
    void historyFromPrometheusRemoteReadIsAnsweredExactlyAndNotForwardedBack() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 20) * 60_000;
        Path dir = ExternalProcess.tempDir("backfill-prom");
        try (PrometheusProcess prom = PrometheusProcess.startReceiver()) {
            Series[] s = new Series[SERIES];
            for (int j = 0; j < SERIES; j++) {
                s[j] = part(base, j, 0, SAMPLES);
            }
            assertEquals(204, RemoteWriteBodies.post(prom.url(), RemoteWriteBodies.body(s)).status());
            String yaml = "wal: {fsync: always}\nbackend:\n  url: " + prom.url() + "\n";
            try (WeirTestNode node = WeirTestNode.start(yaml, dir.resolve("node"))) {
                assertEquals(0, backfill("--from", prom.url(), "--url", node.url(), "--match", "bf_metric{job=~\"back.*\"}",
                        "--start", secs(base), "--end", secs(base + 900_000), "--chunk", "5m", "--max-samples", "40"));
                assertExact(node, base);
                awaitMetric(node, "weir_forwarder_backfill_skipped_total", SERIES * SAMPLES);
                assertEquals(0, metric(node, "weir_forwarder_samples_sent_total"), "nothing forwarded back");
                Http.Response r = Http.get(prom.url(), "/api/v1/query", Http.params("query", "sum(count_over_time(bf_metric[15m]))",
                        "time", Long.toString((base + 900_000) / 1000)));
                assertEquals(SERIES * SAMPLES, r.json().path("data").path("result").get(0).path("value").get(1).asInt(), r.body());
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /** Histograms, exemplars and metadata are only forwarded, never summarised: in a backfill body they are refused whole. */
    @Test
    void aBackfillBodyWithMetadataIsRefusedAndChangesNothing() throws Exception {
        try (WeirTestNode node = WeirTestNode.start("")) {
            io.weir.server.it.proto.Remote.WriteRequest w = io.weir.server.it.proto.Remote.WriteRequest.newBuilder()
                    .addTimeseries(io.weir.server.it.proto.Remote.TimeSeries.newBuilder()
                            .addLabels(io.weir.server.it.proto.Remote.Label.newBuilder().setName("__name__").setValue("bf_meta"))
                            .addSamples(io.weir.server.it.proto.Remote.Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(1)))
                    .addMetadata(io.weir.server.it.proto.Remote.MetricMetadata.newBuilder().setMetricFamilyName("bf_meta").setHelp("h"))
                    .build();
            Http.Response r = Http.post(node.url() + "/api/v1/admin/backfill", RemoteWriteBodies.snappy(w.toByteArray()), RemoteWriteBodies.HEADERS);
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().contains("float samples only"), r.body());
            assertEquals(0, Http.get(node.url() + "/ingest_stats").json().path("total_samples").asLong());
            // the same samples without metadata are taken
            Http.Response ok = Http.post(node.url() + "/api/v1/admin/backfill",
                    RemoteWriteBodies.body(new Series(new String[] {"__name__", "bf_meta"}, new long[] {System.currentTimeMillis()}, new double[] {1})),
                    RemoteWriteBodies.HEADERS);
            assertEquals(204, ok.status(), ok.body());
            assertEquals(1, Http.get(node.url() + "/ingest_stats").json().path("total_samples").asLong());
        }
    }

    @Test
    void badArgumentsAreRefusedClearly() {
        assertEquals(1, backfill("--from", "http://127.0.0.1:1", "--match", "{a=\"b\"}", "--start", "yesterday", "--end", "1"));
        assertEquals(1, backfill("--from", "http://127.0.0.1:1", "--match", "{a=\"b\"}", "--start", "10", "--end", "5"));
        assertEquals(1, backfill("--from", "http://127.0.0.1:1", "--match", "{a=\"b\"}", "--start", "1", "--end", "5", "--chunk", "1x"));
        assertEquals(1, backfill("--from", "http://127.0.0.1:1", "--match", "{a=~\"(\"}", "--start", "1", "--end", "5"));
        assertEquals(1, backfill("--from", "http://127.0.0.1:1", "--match", "{a=\"b\"}", "--start", "1", "--end", "5", "--source", "influx"));
    }

    /** Series j's samples fromIndex (inclusive) to toIndex (exclusive). */
    private static Series part(long base, int j, int fromIndex, int toIndex) {
        int n = toIndex - fromIndex;
        long[] ts = new long[n];
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            ts[k] = base + (fromIndex + k) * STEP;
            v[k] = value(fromIndex + k, j);
        }
        return new Series(labels(j), ts, v);
    }

    /** count_over_time and sum_over_time from the node's sketches equal the totals of the samples written. */
    private static void assertExact(WeirTestNode node, long base) throws Exception {
        long[][] windows = {{base + 600_000, 600_000}, {base + 900_000, 600_000}, {base + 900_000, 840_000}, {base + 300_000, 300_000}};
        for (long[] w : windows) {
            long t = w[0];
            long range = w[1];
            for (String f : new String[] {"count_over_time", "sum_over_time"}) {
                String q = f + "(bf_metric[" + range / 1000 + "s])";
                Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query", q, "time", Long.toString(t / 1000)));
                assertEquals(200, r.status(), q + ": " + r.body());
                assertEquals("sketch", r.header("X-Weir-Source"), q + " answered from sketches: " + r.body());
                JsonNode result = r.json().path("data").path("result");
                assertEquals(SERIES, result.size(), q + ": " + r.body());
                Map<String, Double> got = new HashMap<>();
                result.forEach(n -> got.put(n.path("metric").path("instance").asText(), n.path("value").get(1).asDouble()));
                for (int j = 0; j < SERIES; j++) {
                    double count = 0;
                    double sum = 0;
                    for (int i = 0; i < SAMPLES; i++) {
                        long ts = base + i * STEP;
                        if (ts > t - range && ts <= t) {
                            count++;
                            sum += value(i, j);
                        }
                    }
                    assertEquals(f.startsWith("count") ? count : sum, got.get("host-" + j), q + " at +" + (t - base) / 1000 + "s, host-" + j);
                }
            }
        }
    }

    /** Samples VictoriaMetrics' export holds for the test's series (a duplicate timestamp would count twice). */
    private static int export(VictoriaMetricsProcess vm) throws Exception {
        vm.forceFlush();
        Http.Response r = Http.get(vm.url(), "/api/v1/export", Http.params("match[]", "{job=\"backfill\"}"));
        assertEquals(200, r.status(), r.body());
        int n = 0;
        for (String line : r.body().split("\n")) {
            if (!line.isBlank()) {
                n += Http.JSON.readTree(line).path("timestamps").size();
            }
        }
        return n;
    }

    private static void awaitExport(VictoriaMetricsProcess vm, int samples) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int seen;
        while ((seen = export(vm)) != samples) {
            assertTrue(System.nanoTime() < deadline, "VictoriaMetrics holds " + seen + " samples, expected " + samples);
            Thread.sleep(100);
        }
    }

    private static double metric(WeirTestNode node, String name) throws Exception {
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in /metrics");
    }

    private static void awaitMetric(WeirTestNode node, String name, double value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double seen;
        while ((seen = metric(node, name)) != value) {
            assertTrue(System.nanoTime() < deadline, name + " is " + seen + ", expected " + value);
            Thread.sleep(50);
        }
    }

    private static String secs(long ms) {
        return java.math.BigDecimal.valueOf(ms, 3).toPlainString();
    }
}
