package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenTelemetry Java SDK (OTLP/HTTP protobuf exporter, JDK sender) exports every instrument kind to a real Weir
 * node, which journals the translated series and forwards them to a real VictoriaMetrics; what VictoriaMetrics holds
 * is compared with series written down here per Prometheus' OTLP translation rules. Also the endpoint's contract with
 * bodies the SDK's own marshaller produced: partial success for delta points, exponential histograms kept, gzip (and its limit),
 * chunked bodies, JSON (415), malformed bodies (400, nothing kept).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OtlpSdkToVictoriaMetricsTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private VictoriaMetricsProcess vm;
    private WeirTestNode weir;

    @BeforeAll
    void start() throws Exception {
        vm = VictoriaMetricsProcess.start();
        weir = WeirTestNode.start("""
                server:
                  max_request_bytes: 256KiB
                backend:
                  url: %s
                """.formatted(vm.url()));
    }

    @AfterAll
    void stop() {
        if (weir != null) {
            weir.close();
        }
        if (vm != null) {
            vm.close();
        }
    }

    /** The series the recordings above must become, per Prometheus' OTLP translation, keyed name{sorted labels}. */
    private static Map<String, Double> expected(String instance) {
        String id = "instance=\"" + instance + "\",job=\"acme/shop\"";
        Map<String, Double> m = new TreeMap<>();
        m.put("http_server_requests_total{" + id + ",method=\"GET\",status=\"200\"}", 3.0);
        m.put("process_cpu_time_seconds_total{" + id + "}", 1.5);
        m.put("queue_size{" + id + "}", 3.0);
        m.put("cpu_utilization_ratio{core=\"0\"," + id + "}", 0.25);
        m.put("http_server_duration_milliseconds_bucket{" + id + ",le=\"5\",route=\"/a\"}", 1.0);
        m.put("http_server_duration_milliseconds_bucket{" + id + ",le=\"10\",route=\"/a\"}", 2.0);
        m.put("http_server_duration_milliseconds_bucket{" + id + ",le=\"100\",route=\"/a\"}", 3.0);
        m.put("http_server_duration_milliseconds_bucket{" + id + ",le=\"+Inf\",route=\"/a\"}", 4.0);
        m.put("http_server_duration_milliseconds_sum{" + id + ",route=\"/a\"}", 260.0);
        m.put("http_server_duration_milliseconds_count{" + id + ",route=\"/a\"}", 4.0);
        m.put("bytes_sent_total{" + id + ",peer=\"db\"}", 1024.0);
        m.put("memory_used_mebibytes{" + id + "}", 12.5);
        m.put("room_temperature_celsius{" + id + ",sensor_id=\"s-1\"}", 21.5);
        m.put("threads{" + id + "}", 8.0);
        m.put("target_info{canary=\"true\",deployment_environment=\"test\",host_cpus=\"4\"," + id + ",weight=\"2.5\"}", 1.0);
        return m;
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the SDK exporter's final export on close may still be in flight afterwards
    void sdkExportOfEveryInstrumentKindArrivesInVictoriaMetricsAsPrometheusSeries() throws Exception {
        for (String compression : new String[] {"none", "gzip"}) {
            String instance = "pod-" + compression;
            OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder()
                    .setEndpoint(weir.url() + "/opentelemetry/v1/metrics").setCompression(compression).build();
            long before = System.currentTimeMillis();
            try (SdkMeterProvider provider = OtlpSdk.meterProvider(instance)
                    .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build()).build()) {
                OtlpSdk.record(provider.get("io.weir.test"));
                CompletableResultCode flushed = provider.forceFlush().join(60, TimeUnit.SECONDS);
                assertTrue(flushed.isSuccess(), "the SDK's export to Weir failed (" + compression + ")");
            }
            long after = System.currentTimeMillis();
            Map<String, double[]> stored = awaitSeries("{instance=\"" + instance + "\"}", expected(instance).size());
            Map<String, Double> values = new TreeMap<>();
            long timestamp = -1;
            for (Map.Entry<String, double[]> e : stored.entrySet()) {
                // forceFlush exports one collection; closing the provider exports a second, equal one (cumulative
                // values, constant callbacks), which may or may not have reached VictoriaMetrics yet
                double[] samples = e.getValue();
                assertTrue(samples.length == 2 || samples.length == 4, () -> "one or two samples: " + e.getKey());
                for (int i = 2; i < samples.length; i += 2) {
                    assertEquals(samples[0], samples[i], "the second collection repeats the first: " + e.getKey());
                }
                values.put(e.getKey(), samples[0]);
                long ts = (long) samples[1];
                assertTrue(timestamp < 0 || ts == timestamp, "one collection, one timestamp: " + e.getKey());
                timestamp = ts;
            }
            assertEquals(expected(instance), values, "series in VictoriaMetrics (" + compression + ")");
            assertTrue(timestamp >= before - 1 && timestamp <= after, "collection time in ms: " + timestamp);
        }
    }

    /** Series matching {@code selector} in VictoriaMetrics as name{labels} -> {value, timestamp, ...}, once there are n. */
    private Map<String, double[]> awaitSeries(String selector, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, double[]> found = Map.of();
        while (System.nanoTime() < deadline) {
            vm.forceFlush();
            Http.Response r = Http.get(vm.url(), "/api/v1/export", Http.params("match[]", selector));
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
                StringBuilder key = new StringBuilder(name).append('{');
                labels.forEach((k, v) -> key.append(key.charAt(key.length() - 1) == '{' ? "" : ",").append(k).append("=\"").append(v).append('"'));
                JsonNode vs = j.path("values");
                JsonNode ts = j.path("timestamps");
                double[] pairs = new double[vs.size() * 2];
                for (int i = 0; i < vs.size(); i++) {
                    pairs[2 * i] = vs.get(i).asDouble();
                    pairs[2 * i + 1] = ts.get(i).asLong();
                }
                found.put(key.append('}').toString(), pairs);
            }
            if (found.size() >= n) {
                return found;
            }
            Thread.sleep(200);
        }
        fail("VictoriaMetrics has " + found.keySet() + " for " + selector + ", want " + n + " series; weir: "
                + Http.get(weir.url() + "/health").body());
        return found;
    }

    private String awaitSeriesQuietly(String selector) {
        try {
            vm.forceFlush();
            return Http.get(vm.url(), "/api/v1/export", Http.params("match[]", selector)).body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    // ---- the endpoint's contract, with bodies the SDK's own marshaller wrote ----

    private record Answer(int status, String contentType, byte[] body) {
        String text() { return new String(body, StandardCharsets.UTF_8); }
    }

    private Answer post(String path, HttpRequest.BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(weir.url() + path)).timeout(Duration.ofSeconds(30)).POST(body);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    }

    private Answer post(byte[] body, String... headers) throws Exception {
        return post("/opentelemetry/v1/metrics", HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    private long totalSamples() throws Exception {
        return Http.get(weir.url() + "/ingest_stats").json().path("total_samples").asLong();
    }

    private long rejectedMetric() throws Exception {
        for (String line : Http.get(weir.url() + "/metrics").body().split("\n")) {
            if (line.startsWith("weir_otlp_rejected_points_total ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no weir_otlp_rejected_points_total in /metrics");
    }

    /** ExportMetricsServiceResponse -> {rejected_data_points, error_message}; read by hand (two nested fields). */
    private static Object[] partialSuccess(byte[] body) {
        if (body.length == 0) {
            return new Object[] {0L, ""};
        }
        assertEquals(0x0A, body[0], "field 1, LEN");
        int p = 1;
        while (body[p] < 0) {
            p++; // the partial_success length: its end is the body's end
        }
        p++;
        long rejected = 0;
        String message = "";
        while (p < body.length) {
            int tag = body[p++];
            if (tag == 0x08) {
                long v = 0;
                int shift = 0;
                byte x;
                do {
                    x = body[p++];
                    v |= (long) (x & 0x7F) << shift;
                    shift += 7;
                } while (x < 0);
                rejected = v;
            } else if (tag == 0x12) {
                int len = 0;
                int shift = 0;
                byte x;
                do {
                    x = body[p++];
                    len |= (x & 0x7F) << shift;
                    shift += 7;
                } while (x < 0);
                message = new String(body, p, len, StandardCharsets.UTF_8);
                p += len;
            } else {
                fail("unexpected tag " + tag);
            }
        }
        return new Object[] {rejected, message};
    }

    @Test
    void deltaPointsAreRefusedInPartialSuccessAndExponentialHistogramsKept() throws Exception {
        byte[] delta = OtlpSdk.body("pod-delta", AggregationTemporalitySelector.deltaPreferred(), Aggregation.defaultAggregation());
        long before = totalSamples();
        long rejectedBefore = rejectedMetric();
        Answer a = post(delta, "Content-Type", "application/x-protobuf");
        assertEquals(200, a.status(), a.text());
        assertEquals("application/x-protobuf", a.contentType());
        Object[] partial = partialSuccess(a.body());
        // deltaPreferred: the counters (sync and async) and the histogram are delta; up-down counters and gauges are not
        assertEquals(4L, partial[0], "refused points: " + partial[1]);
        assertTrue(((String) partial[1]).contains("delta temporality is not supported"), (String) partial[1]);
        Map<String, Double> kept = new TreeMap<>();
        expected("pod-delta").forEach((k, v) -> {
            if (!k.startsWith("http_server") && !k.startsWith("process_cpu") && !k.startsWith("bytes_sent")) {
                kept.put(k, v);
            }
        });
        assertEquals(before + kept.size(), totalSamples(), "exactly the kept samples were journaled");
        assertEquals(rejectedBefore + 4, rejectedMetric(), "weir_otlp_rejected_points_total");
        Map<String, double[]> stored = awaitSeries("{instance=\"pod-delta\"}", kept.size());
        assertEquals(kept.keySet(), stored.keySet());

        // A cumulative exponential histogram is kept (as a native histogram, see OtlpNativeHistogramBackendTest): nothing
        // refused, and its float series are the other instruments' only
        byte[] exponential = OtlpSdk.body("pod-exp", AggregationTemporalitySelector.alwaysCumulative(), Aggregation.base2ExponentialBucketHistogram());
        JsonNode statsBefore = Http.get(weir.url() + "/ingest_stats").json();
        a = post(exponential, "Content-Type", "application/x-protobuf");
        assertEquals(200, a.status(), a.text());
        assertEquals(0, a.body().length, "nothing refused: an empty ExportMetricsServiceResponse");
        assertEquals(rejectedBefore + 4, rejectedMetric(), "weir_otlp_rejected_points_total");
        JsonNode statsAfter = Http.get(weir.url() + "/ingest_stats").json();
        long classicSeries = expected("pod-exp").keySet().stream().filter(k -> k.startsWith("http_server_duration")).count();
        assertEquals(statsBefore.path("total_samples").asLong() + expected("pod-exp").size() - classicSeries,
                statsAfter.path("total_samples").asLong(), "float samples: every instrument but the histogram");
        assertEquals(statsBefore.path("total_histograms").asLong() + 1, statsAfter.path("total_histograms").asLong(),
                "one native histogram journaled");
    }

    @Test
    void gzipChunkedAndTheV1Alias() throws Exception {
        byte[] body = OtlpSdk.body("pod-chunked", AggregationTemporalitySelector.alwaysCumulative(), Aggregation.defaultAggregation());
        long before = totalSamples();
        // chunked: the JDK client sends a body of unknown length with Transfer-Encoding: chunked
        Answer a = post("/v1/metrics", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(gzip(body))),
                "Content-Type", "application/x-protobuf", "Content-Encoding", "gzip");
        assertEquals(200, a.status(), a.text());
        assertEquals(0, a.body().length, "nothing refused: an empty ExportMetricsServiceResponse");
        assertEquals(before + expected("pod-chunked").size(), totalSamples(),
                () -> "stored: " + awaitSeriesQuietly("{instance=\"pod-chunked\"}"));
        assertEquals(expected("pod-chunked").keySet(), awaitSeries("{instance=\"pod-chunked\"}", expected("pod-chunked").size()).keySet());
    }

    @Test
    void badRequestsAreRefusedWithAClearMessageAndChangeNothing() throws Exception {
        byte[] body = OtlpSdk.body("pod-bad", AggregationTemporalitySelector.alwaysCumulative(), Aggregation.defaultAggregation());
        long before = totalSamples();

        Answer a = post(body, "Content-Type", "application/json");
        assertEquals(415, a.status());
        assertTrue(a.text().contains("OTLP/HTTP JSON is not supported"), a.text());

        a = post(body, "Content-Type", "text/plain");
        assertEquals(415, a.status());
        a = post(body, "Content-Type", "application/x-protobuf", "Content-Encoding", "br");
        assertEquals(415, a.status());
        assertTrue(a.text().contains("unsupported Content-Encoding"), a.text());

        a = post(java.util.Arrays.copyOf(body, body.length - 3), "Content-Type", "application/x-protobuf");
        assertEquals(400, a.status());
        assertTrue(a.text().contains("malformed OTLP ExportMetricsServiceRequest"), a.text());

        a = post(java.util.Arrays.copyOf(gzip(body), 20), "Content-Type", "application/x-protobuf", "Content-Encoding", "gzip");
        assertEquals(400, a.status());
        assertTrue(a.text().contains("gzip"), a.text());

        a = post(gzip(new byte[1 << 20]), "Content-Type", "application/x-protobuf", "Content-Encoding", "gzip");
        assertEquals(413, a.status());
        assertTrue(a.text().contains("server.max_request_bytes"), a.text());

        HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(URI.create(weir.url() + "/opentelemetry/v1/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());

        assertEquals(before, totalSamples(), "refused requests journaled nothing");
        vm.forceFlush();
        assertEquals("", Http.get(vm.url(), "/api/v1/export", Http.params("match[]", "{instance=\"pod-bad\"}")).body().trim());
        assertEquals(200, post(body, "Content-Type", "application/x-protobuf").status(), "the next good request is accepted");
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
