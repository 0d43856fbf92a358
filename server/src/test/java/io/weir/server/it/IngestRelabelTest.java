package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.server.it.RemoteWriteBodies.Series;
import io.weir.server.it.proto.Remote;
import io.weir.server.it.proto.WriteV2;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ingest.relabel_configs} end to end, with real parts: a node with relabel rules and a real VictoriaMetrics as
 * backend takes remote write 1.0, 2.0 (with a native histogram and an exemplar) and OTLP (the OpenTelemetry SDK's
 * own marshalling, with an exponential histogram) carrying series that are kept, rewritten and dropped. What
 * VictoriaMetrics holds is exactly the relabeled series with their timestamps and values; the WAL holds SERIES and
 * EXTRAS records of the relabeled series only (what the forwarder sends); the sketches answer for the relabeled
 * series, and again after a restart that replays the WAL; the counters count what was dropped.
 */
class IngestRelabelTest {
    private static final String CONFIG = """
            backend:
              url: %s
            wal:
              fsync: always
            sketch:
              targets:
                - match: '{__name__=~".+"}'
            ingest:
              relabel_configs:
                - source_labels: [__name__]
                  regex: 'drop_.*|queue_size|threads'
                  action: drop
                - source_labels: [env]
                  regex: '(.+)'
                  target_label: environment
                - regex: env
                  action: labeldrop
                - source_labels: [__name__]
                  regex: 'old_(.*)'
                  target_label: __name__
                  replacement: 'new_$1'
                - source_labels: [peer]
                  regex: '(.+)'
                  target_label: peer
                  replacement: 'peer-$1'
                - source_labels: [route]
                  regex: '/(.+)'
                  target_label: route
                  replacement: 'path-$1'
            """;

    private final long t0 = (System.currentTimeMillis() / 60_000 - 5) * 60_000;

    @Test
    void keptRewrittenAndDroppedSeriesOfEverySourceReachWalSketchesAndBackendAsRelabeled() throws Exception {
        Path dir = ExternalProcess.tempDir("relabel");
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start()) {
            String config = CONFIG.formatted(vm.url());
            Map<String, String> sketchAnswers;
            try (WeirTestNode node = WeirTestNode.start(config, dir)) {
                // remote write 1.0: kept, rewritten (name and env), dropped
                Http.Response r1 = RemoteWriteBodies.post(node.url(), RemoteWriteBodies.body(
                        new Series(new String[] {"__name__", "rl_kept", "job", "rw1"}, new long[] {t0, t0 + 10_000}, new double[] {1, 2}),
                        Series.of(t0, 3, "__name__", "old_rw1", "env", "prod", "job", "rw1"),
                        Series.of(t0, 4, "__name__", "drop_rw1", "job", "rw1")));
                assertEquals(204, r1.status(), r1.body());

                // remote write 2.0: rewritten floats with an exemplar, a dropped series with a histogram, a kept
                // histogram series whose env is rewritten
                Http.Response r2 = Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.snappy(v2Request().toByteArray()),
                        RemoteWrite2BackendTest.V2_HEADERS);
                assertEquals(204, r2.status(), r2.body());
                assertEquals("2", r2.header("X-Prometheus-Remote-Write-Samples-Written"), "what was kept");
                assertEquals("1", r2.header("X-Prometheus-Remote-Write-Histograms-Written"));
                assertEquals("1", r2.header("X-Prometheus-Remote-Write-Exemplars-Written"));

                // OTLP: the SDK's body with every instrument kind and an exponential (native) histogram
                byte[] otlp = OtlpSdk.body("pod-relabel", AggregationTemporalitySelector.alwaysCumulative(),
                        Aggregation.base2ExponentialBucketHistogram());
                Http.Response r3 = Http.post(node.url() + "/opentelemetry/v1/metrics", otlp, Map.of("Content-Type", "application/x-protobuf"));
                assertEquals(200, r3.status(), r3.body());

                // VictoriaMetrics holds exactly the relabeled float series
                Map<String, List<double[]>> stored = awaitExport(vm, EXPECTED_VM.size());
                assertEquals(EXPECTED_VM, values(stored), "series and values in VictoriaMetrics");
                assertEquals(List.of(t0, t0 + 10_000), timestamps(stored.get("rl_kept{job=\"rw1\"}")));
                assertEquals(List.of(t0), timestamps(stored.get("new_rw1{environment=\"prod\",job=\"rw1\"}")));
                assertEquals(List.of(t0, t0 + 1_000), timestamps(stored.get("new_rw2{environment=\"dev\",job=\"rw2\"}")));
                long otlpTime = timestamps(stored.get("process_cpu_time_seconds_total{" + OTLP_ID + "}")).get(0);
                for (Map.Entry<String, List<double[]>> e : stored.entrySet()) {
                    if (e.getKey().contains("pod-relabel")) {
                        assertEquals(List.of(otlpTime), timestamps(e.getValue()), "one OTLP collection: " + e.getKey());
                    }
                }

                // the WAL: SERIES records name only relabeled series; EXTRAS records carry the relabeled histogram
                // and exemplar series, nothing of the dropped one
                Wal wal = readWal(node.dataDir());
                assertEquals(EXPECTED_SERIES, wal.series, "SERIES records");
                assertEquals(EXPECTED_EXTRAS, wal.extras(), "EXTRAS records (series, histograms, exemplars)");

                // counters and the series table
                Map<String, Double> metrics = metrics(node);
                assertEquals(4.0, metrics.get("weir_ingest_relabel_dropped_series_total"), "drop_rw1, drop_rw2, queue_size, threads");
                assertEquals(5.0, metrics.get("weir_ingest_relabel_dropped_samples_total"), "1 + (1 float + 1 histogram) + 1 + 1");
                assertEquals((double) EXPECTED_SERIES.size(), metrics.get("weir_series"));

                // the shard writers apply a batch after the journaler acknowledged it: wait until every kept float
                // sample is sketched (exactly these: the dropped ones never reach a shard)
                awaitSketched(node, EXPECTED_VM.values().stream().mapToInt(List::size).sum());
                sketchAnswers = sketchAnswers(node);
                assertEquals(EXPECTED_SKETCH, sketchAnswers, "sketch answers for the relabeled series");
            }
            // a restart replays the WAL: the same series and the same answers
            try (WeirTestNode node = WeirTestNode.start(config, dir)) {
                assertEquals(sketchAnswers, sketchAnswers(node), "sketch answers after WAL replay");
                assertEquals((double) EXPECTED_SERIES.size(), metrics(node).get("weir_series"));
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /**
     * VictoriaMetrics 1.79 keeps neither native histograms nor exemplars, so a real Prometheus 2.42 (remote-write
     * receiver, native histograms, exemplar storage) shows that the forwarded histogram and exemplar are those of the
     * relabeled series, and that nothing of the dropped series arrives.
     */
    @Test
    void theForwardedHistogramAndExemplarAreThoseOfTheRelabeledSeries() throws Exception {
        try (PrometheusProcess prom = PrometheusProcess.start("global: {scrape_interval: 1h}\n",
                "--web.enable-remote-write-receiver", "--enable-feature=native-histograms,exemplar-storage");
             WeirTestNode node = WeirTestNode.start(CONFIG.formatted(prom.url()))) {
            Http.Response r = Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.snappy(v2Request().toByteArray()),
                    RemoteWrite2BackendTest.V2_HEADERS);
            assertEquals(204, r.status(), r.body());
            String at = String.format(java.util.Locale.ROOT, "%.3f", t0 / 1000.0);
            JsonNode count = awaitQuery(prom, "histogram_count(rw2_hist)", at);
            assertEquals("{environment=\"dev\",job=\"rw2\"} 5", vector(count));
            assertEquals("{environment=\"dev\",job=\"rw2\"} 12.5", vector(awaitQuery(prom, "histogram_sum(rw2_hist)", at)));
            assertEquals("{environment=\"dev\",job=\"rw2\"} 5", vector(awaitQuery(prom, "new_rw2", at)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            JsonNode ex = Http.JSON.createArrayNode();
            while (System.nanoTime() < deadline && ex.isEmpty()) {
                ex = Http.get(prom.url(), "/api/v1/query_exemplars", Http.params("query", "{job=\"rw2\"}",
                        "start", String.format(java.util.Locale.ROOT, "%.3f", (t0 - 60_000) / 1000.0),
                        "end", String.format(java.util.Locale.ROOT, "%.3f", (t0 + 60_000) / 1000.0))).json().path("data");
                if (ex.isEmpty()) {
                    Thread.sleep(200);
                }
            }
            assertEquals(1, ex.size(), ex.toString());
            TreeMap<String, String> exemplarSeries = new TreeMap<>();
            ex.get(0).path("seriesLabels").fields().forEachRemaining(f -> exemplarSeries.put(f.getKey(), f.getValue().asText()));
            assertEquals(Map.of("__name__", "new_rw2", "environment", "dev", "job", "rw2"), exemplarSeries);
            assertEquals(1, ex.get(0).path("exemplars").size(), ex.toString());
            assertEquals("abc", ex.get(0).path("exemplars").get(0).path("labels").path("trace_id").asText());
            assertEquals("7.5", ex.get(0).path("exemplars").get(0).path("value").asText());
            // nothing of the dropped series, nor the old names, reached the backend
            Http.Response series = Http.get(prom.url(), "/api/v1/series", Http.params("match[]", "{job=\"rw2\"}",
                    "start", "0", "end", String.format(java.util.Locale.ROOT, "%.3f", System.currentTimeMillis() / 1000.0)));
            TreeSet<String> names = new TreeSet<>();
            series.json().path("data").forEach(n -> names.add(n.path("__name__").asText()));
            assertEquals(new TreeSet<>(List.of("new_rw2", "rw2_hist")), names);
        }
    }

    /** Scraped series are relabeled too, after the job's own metric_relabel_configs. */
    @Test
    void scrapedSeriesAreRelabeledAfterMetricRelabelConfigs() throws Exception {
        com.sun.net.httpserver.HttpServer target = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/metrics", exchange -> {
            byte[] body = "scraped_kept{env=\"a\"} 1\ndrop_scraped 2\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        target.start();
        String address = "127.0.0.1:" + target.getAddress().getPort();
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start();
             WeirTestNode node = WeirTestNode.start(CONFIG.formatted(vm.url()) + """
                     scrape_configs:
                       - job_name: sj
                         scrape_interval: 1s
                         static_configs: [{targets: ['%s']}]
                         metric_relabel_configs:
                           - {source_labels: [__name__], regex: 'scraped_(.*)', target_label: __name__, replacement: 'old_$1'}
                     """.formatted(address))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            TreeSet<String> names = new TreeSet<>();
            TreeMap<String, String> kept = new TreeMap<>();
            List<String> want = List.of("new_kept", "scrape_duration_seconds", "scrape_samples_post_metric_relabeling",
                    "scrape_samples_scraped", "scrape_series_added", "up");
            while (System.nanoTime() < deadline && !names.containsAll(want)) {
                vm.forceFlush();
                Http.Response r = Http.get(vm.url(), "/api/v1/export", Http.params("match[]", "{job=\"sj\"}"));
                assertEquals(200, r.status(), r.body());
                for (String line : r.body().split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode metric = Http.JSON.readTree(line).path("metric");
                    names.add(metric.path("__name__").asText());
                    if (metric.path("__name__").asText().equals("new_kept")) {
                        metric.fields().forEachRemaining(f -> kept.put(f.getKey(), f.getValue().asText()));
                    }
                }
                if (!names.containsAll(want)) {
                    Thread.sleep(200);
                }
            }
            // scraped_kept -> old_kept (metric_relabel_configs) -> new_kept, env -> environment (ingest); drop_scraped dropped
            assertEquals(new TreeSet<>(want), names);
            assertEquals(Map.of("__name__", "new_kept", "environment", "a", "instance", address, "job", "sj"), kept);
            assertTrue(metrics(node).get("weir_ingest_relabel_dropped_series_total") >= 1, "drop_scraped counted");
        } finally {
            target.stop(0);
        }
    }

    private static JsonNode awaitQuery(PrometheusProcess prom, String query, String time) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Http.Response r = Http.get(prom.url(), "/api/v1/query", Http.params("query", query, "time", time));
            assertEquals(200, r.status(), r.body());
            last = r.json().path("data").path("result");
            if (!last.isEmpty()) {
                return last;
            }
            Thread.sleep(200);
        }
        fail(query + " at " + time + ": the backend has nothing");
        return last;
    }

    /** One-element vector as {labels} value (without __name__). */
    private static String vector(JsonNode result) {
        assertEquals(1, result.size(), result.toString());
        TreeMap<String, String> labels = new TreeMap<>();
        result.get(0).path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        labels.remove("__name__");
        return format(labels) + " " + result.get(0).path("value").get(1).asText();
    }

    private static final String OTLP_ID = "instance=\"pod-relabel\",job=\"acme/shop\"";

    /** name{labels} -> values, as Prometheus' OTLP translation and the rules give them. */
    private static final Map<String, List<Double>> EXPECTED_VM = new TreeMap<>(Map.ofEntries(
            Map.entry("rl_kept{job=\"rw1\"}", List.of(1.0, 2.0)),
            Map.entry("new_rw1{environment=\"prod\",job=\"rw1\"}", List.of(3.0)),
            Map.entry("new_rw2{environment=\"dev\",job=\"rw2\"}", List.of(5.0, 6.0)),
            Map.entry("http_server_requests_total{" + OTLP_ID + ",method=\"GET\",status=\"200\"}", List.of(3.0)),
            Map.entry("process_cpu_time_seconds_total{" + OTLP_ID + "}", List.of(1.5)),
            Map.entry("cpu_utilization_ratio{core=\"0\"," + OTLP_ID + "}", List.of(0.25)),
            Map.entry("bytes_sent_total{" + OTLP_ID + ",peer=\"peer-db\"}", List.of(1024.0)),
            Map.entry("memory_used_mebibytes{" + OTLP_ID + "}", List.of(12.5)),
            Map.entry("room_temperature_celsius{" + OTLP_ID + ",sensor_id=\"s-1\"}", List.of(21.5)),
            Map.entry("target_info{canary=\"true\",deployment_environment=\"test\",host_cpus=\"4\"," + OTLP_ID + ",weight=\"2.5\"}", List.of(1.0))));

    /** Series with float samples: the ones that get ids and SERIES records. */
    private static final TreeSet<String> EXPECTED_SERIES = new TreeSet<>(EXPECTED_VM.keySet());

    /** Series of the EXTRAS records: name{labels} histograms=n exemplars=[...]. */
    private static final List<String> EXPECTED_EXTRAS = List.of(
            "new_rw2{environment=\"dev\",job=\"rw2\"} histograms=0 exemplars=[{trace_id=\"abc\"} 7.5]",
            "rw2_hist{environment=\"dev\",job=\"rw2\"} histograms=1 exemplars=[]",
            "http_server_duration_milliseconds{" + OTLP_ID + ",route=\"path-a\"} histograms=1 exemplars=[]");

    /**
     * count_over_time and sum_over_time of the relabeled float series, from sketches, over (t0 - 1ms, t0 + 59.999s]:
     * a sketch covers from just before its series' first sample (t0 here), and with a backend a window reaching
     * further back goes to the backend.
     */
    private static final Map<String, String> EXPECTED_SKETCH = Map.of(
            "count_over_time(rl_kept[1m])", "{job=\"rw1\"} 2",
            "sum_over_time(rl_kept[1m])", "{job=\"rw1\"} 3",
            "sum_over_time(new_rw1[1m])", "{environment=\"prod\",job=\"rw1\"} 3",
            "sum_over_time(new_rw2[1m])", "{environment=\"dev\",job=\"rw2\"} 11",
            "count_over_time({job=\"rw1\"}[1m])", "{environment=\"prod\",job=\"rw1\"} 1;{job=\"rw1\"} 2");

    private WriteV2.Request v2Request() {
        List<String> symbols = List.of("", "__name__", "old_rw2", "env", "dev", "job", "rw2", "drop_rw2", "rw2_hist",
                "trace_id", "abc");
        WriteV2.Histogram hist = WriteV2.Histogram.newBuilder().setCountInt(5).setSum(12.5).setSchema(0).setZeroThreshold(1e-128)
                .setZeroCountInt(1).addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(0).setLength(2))
                .addPositiveDeltas(2).addPositiveDeltas(0).setTimestamp(t0).build();
        return WriteV2.Request.newBuilder().addAllSymbols(symbols)
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2, 3, 4, 5, 6))
                        .addSamples(WriteV2.Sample.newBuilder().setTimestamp(t0).setValue(5))
                        .addSamples(WriteV2.Sample.newBuilder().setTimestamp(t0 + 1_000).setValue(6))
                        .addExemplars(WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(9, 10)).setValue(7.5).setTimestamp(t0)))
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 7, 5, 6))
                        .addSamples(WriteV2.Sample.newBuilder().setTimestamp(t0).setValue(6)).addHistograms(hist)
                        .addExemplars(WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(9, 10)).setValue(1).setTimestamp(t0)))
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 8, 3, 4, 5, 6)).addHistograms(hist))
                .build();
    }

    private static Map<String, List<Double>> values(Map<String, List<double[]>> stored) {
        Map<String, List<Double>> out = new TreeMap<>();
        stored.forEach((k, v) -> out.put(k, v.stream().map(p -> p[1]).toList()));
        return out;
    }

    private static List<Long> timestamps(List<double[]> samples) {
        assertTrue(samples != null, "series missing");
        return samples.stream().map(p -> (long) p[0]).toList();
    }

    /** Everything in VictoriaMetrics as name{labels} -> [(timestamp, value)], once it has n series. */
    private static Map<String, List<double[]>> awaitExport(VictoriaMetricsProcess vm, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, List<double[]>> found = Map.of();
        while (System.nanoTime() < deadline) {
            vm.forceFlush();
            Http.Response r = Http.get(vm.url(), "/api/v1/export", Http.params("match[]", "{__name__!=\"\"}"));
            assertEquals(200, r.status(), r.body());
            found = new TreeMap<>();
            for (String line : r.body().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode j = Http.JSON.readTree(line);
                TreeMap<String, String> labels = new TreeMap<>();
                j.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
                String name = labels.remove("__name__");
                List<double[]> samples = new ArrayList<>();
                for (int i = 0; i < j.path("values").size(); i++) {
                    samples.add(new double[] {j.path("timestamps").get(i).asLong(), j.path("values").get(i).asDouble()});
                }
                found.put(name + format(labels), samples);
            }
            if (found.size() >= n && found.values().stream().mapToInt(List::size).sum() >= 12) {
                return found;
            }
            Thread.sleep(200);
        }
        fail("VictoriaMetrics has " + found.keySet() + ", want " + n + " series");
        return found;
    }

    private static String format(Map<String, String> labels) {
        StringBuilder sb = new StringBuilder("{");
        labels.forEach((k, v) -> sb.append(sb.length() == 1 ? "" : ",").append(k).append("=\"").append(v).append('"'));
        return sb.append('}').toString();
    }

    private static String format(byte[] canonical, int off, int len) {
        TreeMap<String, String> labels = new TreeMap<>();
        CanonicalLabels.forEach(canonical, off, len, (b, no, nl, vo, vl) -> labels.put(
                new String(b, no, nl, StandardCharsets.UTF_8), new String(b, vo, vl, StandardCharsets.UTF_8)));
        String name = labels.remove("__name__");
        return name + format(labels);
    }

    private static String format(List<Remote.Label> list) {
        TreeMap<String, String> labels = new TreeMap<>();
        list.forEach(l -> labels.put(l.getName(), l.getValue()));
        String name = labels.remove("__name__");
        return (name == null ? "" : name) + format(labels);
    }

    private record Wal(TreeSet<String> series, Remote.WriteRequest extrasRequest) {
        List<String> extras() {
            List<String> out = new ArrayList<>();
            for (Remote.TimeSeries t : extrasRequest.getTimeseriesList()) {
                List<String> ex = t.getExemplarsList().stream().map(e -> format(e.getLabelsList()) + " " + e.getValue()).toList();
                out.add(format(t.getLabelsList()) + " histograms=" + t.getHistogramsCount() + " exemplars=" + ex);
            }
            return out;
        }
    }

    private static Wal readWal(Path dataDir) throws IOException {
        TreeSet<String> series = new TreeSet<>();
        ByteArrayOutputStream extras = new ByteArrayOutputStream();
        try (WalReader reader = WalReader.open(dataDir.resolve("wal"), WalReader.OLDEST)) {
            WalVisitor v = new WalVisitor() {
                @Override
                public void onSeries(int seriesId, byte[] labels, int off, int len) {
                    series.add(format(labels, off, len));
                }

                @Override
                public void onSamples(int count, int[] seriesIds, long[] timestamps, double[] values) { }

                @Override
                public void onBackfillSamples(int count, int[] seriesIds, long[] timestamps, double[] values) { }

                @Override
                public void onExtras(byte[] fields, int off, int len) {
                    extras.write(fields, off, len);
                }
            };
            while (reader.read(v, WalReader.NO_LIMIT, 100) > 0) {
                // until the committed end
            }
        }
        return new Wal(series, Remote.WriteRequest.parseFrom(extras.toByteArray()));
    }

    private static Map<String, Double> metrics(WeirTestNode node) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank() && !line.contains("{")) {
                int sp = line.lastIndexOf(' ');
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return out;
    }

    private static double sum(WeirTestNode node, String family) throws Exception {
        double total = 0;
        for (String line : Http.get(node.url() + "/metrics").body().split("\n")) {
            if (line.startsWith(family + "{") || line.startsWith(family + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static void awaitSketched(WeirTestNode node, int samples) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double applied = 0;
        while (System.nanoTime() < deadline) {
            applied = sum(node, "weir_sketch_samples_applied_total");
            if (applied >= samples) {
                assertEquals(samples, applied, "samples applied to sketches");
                return;
            }
            Thread.sleep(50);
        }
        fail("sketches applied " + applied + " samples, want " + samples);
    }

    private Map<String, String> sketchAnswers(WeirTestNode node) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String q : EXPECTED_SKETCH.keySet()) {
            Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query", q, "time", String.format(java.util.Locale.ROOT, "%.3f", (t0 + 59_999) / 1000.0)));
            assertEquals(200, r.status(), r.body());
            assertEquals("sketch", r.header("X-Weir-Source"), q + ": " + r.body() + " fallback: " + r.header("X-Weir-Fallback"));
            List<String> results = new ArrayList<>();
            for (JsonNode s : r.json().path("data").path("result")) {
                TreeMap<String, String> labels = new TreeMap<>();
                s.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
                results.add(format(labels) + " " + s.path("value").get(1).asText());
            }
            results.sort(null);
            out.put(q, String.join(";", results));
        }
        return out;
    }
}
