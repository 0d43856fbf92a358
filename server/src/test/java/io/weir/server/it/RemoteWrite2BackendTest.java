package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.server.it.proto.Remote;
import io.weir.server.it.proto.WriteV2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Remote write 2.0 (and 1.0 native histograms and exemplars) through a real node to a real Prometheus 2.42 backend
 * (remote-write receiver, native histograms, exemplar storage): what a 2.0 client built from the specification's
 * proto sends is answered 204 with the -Written counts, journaled, forwarded and found again by querying the backend;
 * malformed 2.0 bodies get 400 and change nothing; unknown encodings get 415.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteWrite2BackendTest {
    static final Map<String, String> V2_HEADERS = Map.of(
            "Content-Encoding", "snappy",
            "Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request",
            "X-Prometheus-Remote-Write-Version", "2.0.0");

    private PrometheusProcess backend;
    private WeirTestNode node;
    private final long now = System.currentTimeMillis() / 1000 * 1000;

    @BeforeAll
    void start() throws Exception {
        backend = PrometheusProcess.start("global: {scrape_interval: 1h}\n",
                "--web.enable-remote-write-receiver", "--enable-feature=native-histograms,exemplar-storage");
        node = WeirTestNode.start("""
                backend:
                  url: %s
                wal:
                  fsync: never
                limits:
                  max_label_value_length: 65536   # the 413 case needs label values past the default limit
                """.formatted(backend.url()));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {node, backend}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }

    private Http.Response postV2(WriteV2.Request req) throws Exception {
        return Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.snappy(req.toByteArray()), V2_HEADERS);
    }

    private JsonNode stats() throws Exception {
        return Http.get(node.url() + "/ingest_stats").json();
    }

    /** Polls a backend instant query until {@code done} holds for its result (generous deadline, no fixed sleeps). */
    private JsonNode awaitBackend(String query, long timeMillis, Predicate<JsonNode> done) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            Http.Response r = Http.get(backend.url(), "/api/v1/query", Http.params("query", query, "time", seconds(timeMillis)));
            assertEquals(200, r.status(), r.body());
            last = r.json().path("data").path("result");
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        fail(query + " at " + timeMillis + ": the backend still answers " + last + "\nnode health: " + Http.get(node.url() + "/health").body());
        return null;
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.3f", millis / 1000.0);
    }

    private static double scalarOf(JsonNode vector) {
        return vector.get(0).path("value").get(1).asDouble();
    }

    /** The request the brief calls the hole: one series, ten samples, sent as 2.0. Nothing may be dropped. */
    @Test
    void tenSamplesOfOneSeriesReachTheBackend() throws Exception {
        WriteV2.TimeSeries.Builder ts = WriteV2.TimeSeries.newBuilder().addLabelsRefs(1).addLabelsRefs(2).addLabelsRefs(3).addLabelsRefs(4);
        for (int i = 0; i < 10; i++) {
            ts.addSamples(WriteV2.Sample.newBuilder().setTimestamp(now - 60_000 + i * 1000L).setValue(100 + i));
        }
        WriteV2.Request req = WriteV2.Request.newBuilder().addSymbols("").addSymbols("__name__").addSymbols("rw2_ten")
                .addSymbols("job").addSymbols("hole").addTimeseries(ts).build();
        long before = stats().path("total_samples").asLong();
        Http.Response r = postV2(req);
        assertEquals(204, r.status(), r.body());
        assertEquals("10", r.header("X-Prometheus-Remote-Write-Samples-Written"));
        assertEquals("0", r.header("X-Prometheus-Remote-Write-Histograms-Written"));
        assertEquals("0", r.header("X-Prometheus-Remote-Write-Exemplars-Written"));
        assertEquals(before + 10, stats().path("total_samples").asLong());
        // every (timestamp, value) pair, exactly, from the backend's raw range
        JsonNode m = awaitBackend("rw2_ten[2m]", now, v -> v.size() == 1 && v.get(0).path("values").size() == 10);
        assertEquals("hole", m.get(0).path("metric").path("job").asText());
        for (int i = 0; i < 10; i++) {
            JsonNode p = m.get(0).path("values").get(i);
            assertEquals((now - 60_000 + i * 1000L) / 1000.0, p.get(0).asDouble(), 1e-9);
            assertEquals(Integer.toString(100 + i), p.get(1).asText());
        }
    }

    @Test
    void everyRemoteWrite2FieldIsKeptAndForwarded() throws Exception {
        List<String> symbols = new ArrayList<>(List.of("", "__name__", "rw2_float", "job", "rw2", "rw2_hist", "trace_id",
                "abc123", "help for the float", "seconds", "rw2_float_hist", "help for the histogram"));
        WriteV2.TimeSeries.Builder floats = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2, 3, 4))
                .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE)
                        .setHelpRef(8).setUnitRef(9))
                .setCreatedTimestamp(now - 120_000)
                .addExemplars(WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(6, 7)).setValue(7.5).setTimestamp(now - 30_000));
        for (int i = 0; i < 5; i++) {
            floats.addSamples(WriteV2.Sample.newBuilder().setTimestamp(now - 50_000 + i * 10_000L).setValue(i * 0.5));
        }
        WriteV2.Histogram h1 = WriteV2.Histogram.newBuilder().setCountInt(5).setSum(12.5).setSchema(0).setZeroThreshold(1e-128)
                .setZeroCountInt(1).addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(0).setLength(2))
                .addPositiveDeltas(2).addPositiveDeltas(0).setTimestamp(now - 20_000).build();
        WriteV2.Histogram h2 = h1.toBuilder().setCountInt(8).setSum(20).setZeroCountInt(2).clearPositiveDeltas()
                .addPositiveDeltas(3).addPositiveDeltas(0).setTimestamp(now - 10_000).build();
        WriteV2.TimeSeries.Builder hist = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 5, 3, 4))
                .addHistograms(h1).addHistograms(h2)
                .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_HISTOGRAM).setHelpRef(11));
        WriteV2.Histogram fh = WriteV2.Histogram.newBuilder().setCountFloat(3.5).setSum(7).setSchema(1).setZeroThreshold(0.001)
                .setZeroCountFloat(0.5).addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(1).setLength(2))
                .addPositiveCounts(1).addPositiveCounts(2).setResetHint(WriteV2.Histogram.ResetHint.RESET_HINT_GAUGE)
                .setTimestamp(now - 10_000).build();
        WriteV2.TimeSeries.Builder floatHist = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 10, 3, 4)).addHistograms(fh);
        WriteV2.Request req = WriteV2.Request.newBuilder().addAllSymbols(symbols)
                .addTimeseries(floats).addTimeseries(hist).addTimeseries(floatHist).build();

        JsonNode before = stats();
        Http.Response r = postV2(req);
        assertEquals(204, r.status(), r.body());
        assertEquals("5", r.header("X-Prometheus-Remote-Write-Samples-Written"));
        assertEquals("3", r.header("X-Prometheus-Remote-Write-Histograms-Written"));
        assertEquals("1", r.header("X-Prometheus-Remote-Write-Exemplars-Written"));
        JsonNode after = stats();
        assertEquals(before.path("total_samples").asLong() + 5, after.path("total_samples").asLong());
        assertEquals(before.path("total_histograms").asLong() + 3, after.path("total_histograms").asLong());
        assertEquals(before.path("total_exemplars").asLong() + 1, after.path("total_exemplars").asLong());
        assertEquals(before.path("total_metadata").asLong() + 2, after.path("total_metadata").asLong());

        // in the WAL, as RW 1.0: histograms, the exemplar with its labels, metadata named after the series, and the
        // created timestamp (field 6, which RW 1.0 receivers skip)
        Remote.WriteRequest journaled = journaledExtras();
        Map<String, Remote.TimeSeries> bySeries = new HashMap<>();
        for (Remote.TimeSeries t : journaled.getTimeseriesList()) {
            bySeries.put(t.getLabels(0).getValue(), t);
        }
        List<Remote.MetricMetadata> metadata = journaled.getMetadataList().stream()
                .filter(md -> md.getMetricFamilyName().startsWith("rw2_")).toList();
        assertEquals(List.of(Remote.Exemplar.newBuilder().addLabels(Remote.Label.newBuilder().setName("trace_id").setValue("abc123"))
                .setValue(7.5).setTimestamp(now - 30_000).build()), bySeries.get("rw2_float").getExemplarsList());
        assertEquals(List.of(now - 120_000), bySeries.get("rw2_float").getUnknownFields().getField(6).getVarintList());
        assertEquals(0, bySeries.get("rw2_float").getSamplesCount());
        assertEquals(List.of(Remote.Histogram.parseFrom(h1.toByteArray()), Remote.Histogram.parseFrom(h2.toByteArray())),
                bySeries.get("rw2_hist").getHistogramsList());
        assertEquals(List.of(Remote.Histogram.parseFrom(fh.toByteArray())), bySeries.get("rw2_float_hist").getHistogramsList());
        assertEquals(List.of(
                Remote.MetricMetadata.newBuilder().setType(Remote.MetricMetadata.MetricType.GAUGE).setMetricFamilyName("rw2_float")
                        .setHelp("help for the float").setUnit("seconds").build(),
                Remote.MetricMetadata.newBuilder().setType(Remote.MetricMetadata.MetricType.HISTOGRAM).setMetricFamilyName("rw2_hist")
                        .setHelp("help for the histogram").build()), metadata);

        // at the backend: floats, both integer histograms, the float histogram, the exemplar
        JsonNode m = awaitBackend("rw2_float[2m]", now, v -> v.size() == 1 && v.get(0).path("values").size() == 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(Double.toString(i * 0.5).replace(".0", ""), m.get(0).path("values").get(i).get(1).asText().replace(".0", ""));
        }
        assertEquals(5.0, scalarOf(awaitBackend("histogram_count(rw2_hist)", now - 20_000, v -> v.size() == 1)));
        assertEquals(12.5, scalarOf(awaitBackend("histogram_sum(rw2_hist)", now - 20_000, v -> v.size() == 1)));
        assertEquals(8.0, scalarOf(awaitBackend("histogram_count(rw2_hist)", now - 10_000, v -> v.size() == 1)));
        assertEquals(20.0, scalarOf(awaitBackend("histogram_sum(rw2_hist)", now - 10_000, v -> v.size() == 1)));
        assertEquals(3.5, scalarOf(awaitBackend("histogram_count(rw2_float_hist)", now - 10_000, v -> v.size() == 1)));
        assertEquals(7.0, scalarOf(awaitBackend("histogram_sum(rw2_float_hist)", now - 10_000, v -> v.size() == 1)));
        JsonNode ex = awaitExemplars("rw2_float", now - 60_000, now);
        assertEquals("abc123", ex.path("labels").path("trace_id").asText(), ex.toString());
        assertEquals("7.5", ex.path("value").asText());
        assertEquals((now - 30_000) / 1000.0, ex.path("timestamp").asDouble(), 1e-9);
        assertEquals(0, PrometheusWeirVictoriaMetricsTest.metricValue(Http.get(node.url() + "/metrics").body(), "weir_forwarder_extras_dropped_total"));
    }

    @Test
    void remoteWrite1HistogramsAndExemplarsAreForwarded() throws Exception {
        Remote.Histogram h = Remote.Histogram.newBuilder().setCountInt(4).setSum(9).setSchema(2).setZeroThreshold(1e-128)
                .setZeroCountInt(0).addPositiveSpans(Remote.BucketSpan.newBuilder().setOffset(-1).setLength(1))
                .addPositiveDeltas(4).setTimestamp(now - 5_000).build();
        Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
                .addTimeseries(Remote.TimeSeries.newBuilder()
                        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("rw1_hist"))
                        .addLabels(Remote.Label.newBuilder().setName("job").setValue("rw1")).addHistograms(h))
                .addTimeseries(Remote.TimeSeries.newBuilder()
                        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("rw1_counter"))
                        .addSamples(Remote.Sample.newBuilder().setValue(42).setTimestamp(now - 5_000))
                        .addExemplars(Remote.Exemplar.newBuilder().addLabels(Remote.Label.newBuilder().setName("trace_id").setValue("t-rw1"))
                                .setValue(1.25).setTimestamp(now - 5_000)))
                .build();
        Http.Response r = Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.snappy(req.toByteArray()), RemoteWriteBodies.HEADERS);
        assertEquals(204, r.status(), r.body());
        assertEquals("1", r.header("X-Prometheus-Remote-Write-Samples-Written"));
        assertEquals("1", r.header("X-Prometheus-Remote-Write-Histograms-Written"));
        assertEquals("1", r.header("X-Prometheus-Remote-Write-Exemplars-Written"));
        assertEquals(4.0, scalarOf(awaitBackend("histogram_count(rw1_hist)", now - 5_000, v -> v.size() == 1)));
        assertEquals(9.0, scalarOf(awaitBackend("histogram_sum(rw1_hist)", now - 5_000, v -> v.size() == 1)));
        JsonNode ex = awaitExemplars("rw1_counter", now - 60_000, now);
        assertEquals("t-rw1", ex.path("labels").path("trace_id").asText(), ex.toString());
        assertEquals("1.25", ex.path("value").asText());
    }

    @Test
    void malformedRemoteWrite2BodiesGet400AndChangeNothing() throws Exception {
        WriteV2.TimeSeries.Builder good = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2))
                .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(now));
        List<String> syms = List.of("", "__name__", "rw2_bad");
        Map<String, WriteV2.Request> cases = new java.util.LinkedHashMap<>();
        cases.put("symbol index 7 out of range", WriteV2.Request.newBuilder().addAllSymbols(syms).addTimeseries(good)
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 7))
                        .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(now))).build());
        cases.put("labels_refs has 3 entries", WriteV2.Request.newBuilder().addAllSymbols(syms).addTimeseries(good)
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2, 1))
                        .addHistograms(WriteV2.Histogram.newBuilder().setCountInt(1).setTimestamp(now))).build());
        cases.put("Exemplar.labels_refs: symbol index 99", WriteV2.Request.newBuilder().addAllSymbols(syms)
                .addTimeseries(good.clone().addExemplars(WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(1, 99)))).build());
        cases.put("help_ref 5 out of range", WriteV2.Request.newBuilder().addAllSymbols(syms)
                .addTimeseries(good.clone().setMetadata(WriteV2.Metadata.newBuilder().setHelpRef(5))).build());
        cases.put("no __name__", WriteV2.Request.newBuilder().addAllSymbols(List.of("", "job", "x"))
                .addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2))
                        .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(now))).build());
        for (Map.Entry<String, WriteV2.Request> c : cases.entrySet()) {
            JsonNode before = stats();
            Http.Response r = postV2(c.getValue());
            assertEquals(400, r.status(), c.getKey() + ": " + r.body());
            assertTrue(r.body().contains(c.getKey()), "message should name the problem (" + c.getKey() + "): " + r.body());
            assertEquals("0", r.header("X-Prometheus-Remote-Write-Samples-Written"));
            assertEquals("0", r.header("X-Prometheus-Remote-Write-Histograms-Written"));
            assertEquals("0", r.header("X-Prometheus-Remote-Write-Exemplars-Written"));
            JsonNode after = stats();
            for (String k : List.of("total_samples", "total_histograms", "total_exemplars", "total_metadata", "series", "total_requests")) {
                assertEquals(before.path(k).asLong(), after.path(k).asLong(), c.getKey() + ": ingest_stats." + k + " changed");
            }
            assertEquals(before.path("rejected_requests").asLong() + 1, after.path("rejected_requests").asLong());
        }
        assertEquals(0, Http.get(node.url(), "/api/v1/series", Http.params("match[]", "{__name__=\"rw2_bad\"}")).json().path("data").size());
        // a 1.0 body sent with the 2.0 Content-Type is refused, not read as an empty 2.0 request
        byte[] v1 = RemoteWriteBodies.body(RemoteWriteBodies.Series.of(now, 1, "__name__", "rw2_bad"));
        Http.Response r = Http.post(node.url() + "/api/v1/write", v1, V2_HEADERS);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.body().contains("remote write 1.0"), r.body());
    }

    /** A small 2.0 body whose extras would repeat a 60 KB label on 1,200 series (72 MB): 413, nothing changes. */
    @Test
    void extrasThatWouldExpandPastTheLimitGet413() throws Exception {
        String big = "x".repeat(60_000);
        WriteV2.Request.Builder req = WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "rw2_big", "blob", big, "id"));
        for (int i = 0; i < 1_200; i++) {
            req.addSymbols(Integer.toString(i));
            req.addTimeseries(WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2, 3, 4, 5, 6 + i))
                    .addSamples(WriteV2.Sample.newBuilder().setValue(i).setTimestamp(now))
                    .addExemplars(WriteV2.Exemplar.newBuilder().setValue(1).setTimestamp(now)));
        }
        JsonNode before = stats();
        Http.Response r = postV2(req.build());
        assertEquals(413, r.status(), r.body());
        assertTrue(r.body().contains("histograms, exemplars and metadata encode to"), r.body());
        assertEquals("0", r.header("X-Prometheus-Remote-Write-Samples-Written"));
        JsonNode after = stats();
        for (String k : List.of("total_samples", "total_exemplars", "series", "total_requests")) {
            assertEquals(before.path(k).asLong(), after.path(k).asLong(), "ingest_stats." + k + " changed");
        }
    }

    @Test
    void unknownEncodingsGet415NamingWhatIsAccepted() throws Exception {
        byte[] body = RemoteWriteBodies.body(RemoteWriteBodies.Series.of(now, 1, "__name__", "rw2_415"));
        for (String type : List.of("application/x-protobuf;proto=io.prometheus.write.v3.Request", "application/json", "text/plain")) {
            Map<String, String> h = new HashMap<>(RemoteWriteBodies.HEADERS);
            h.put("Content-Type", type);
            long samples = stats().path("total_samples").asLong();
            Http.Response r = Http.post(node.url() + "/api/v1/write", body, h);
            assertEquals(415, r.status(), type + ": " + r.body());
            assertTrue(r.body().contains("io.prometheus.write.v2.Request") && r.body().contains("prometheus.WriteRequest"), r.body());
            assertEquals(samples, stats().path("total_samples").asLong());
        }
        // no Content-Type at all is what older senders send: read as 1.0
        Map<String, String> h = new HashMap<>(RemoteWriteBodies.HEADERS);
        h.remove("Content-Type");
        assertEquals(204, Http.post(node.url() + "/api/v1/write", body, h).status());
    }

    private JsonNode awaitExemplars(String query, long start, long end) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            Http.Response r = Http.get(backend.url(), "/api/v1/query_exemplars",
                    Http.params("query", query, "start", seconds(start), "end", seconds(end)));
            assertEquals(200, r.status(), r.body());
            last = r.json().path("data");
            if (last.size() > 0 && last.get(0).path("exemplars").size() > 0) {
                return last.get(0).path("exemplars").get(0);
            }
            Thread.sleep(200);
        }
        fail("no exemplar for " + query + " at the backend: " + last);
        return null;
    }

    /**
     * Every EXTRAS record in the node's WAL so far, concatenated (RW 1.0 WriteRequest fields concatenate). Read after
     * the 204, so the records asked for are written; the tail may still grow, which a NO_LIMIT reader ends at.
     */
    private Remote.WriteRequest journaledExtras() throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (WalReader reader = WalReader.open(node.dataDir().resolve("wal"), WalReader.OLDEST)) {
            WalVisitor v = new WalVisitor() {
                @Override
                public void onSeries(int seriesId, byte[] labels, int off, int len) { }

                @Override
                public void onSamples(int count, int[] seriesIds, long[] timestamps, double[] values) { }

                @Override
                public void onBackfillSamples(int count, int[] seriesIds, long[] timestamps, double[] values) { }

                @Override
                public void onExtras(byte[] fields, int off, int len) {
                    all.write(fields, off, len);
                }
            };
            while (reader.read(v, WalReader.NO_LIMIT, 100) > 0) {
                // until the committed end
            }
        }
        return Remote.WriteRequest.parseFrom(all.toByteArray());
    }
}
