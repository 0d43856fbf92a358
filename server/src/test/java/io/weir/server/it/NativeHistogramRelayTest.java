package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.weir.server.it.proto.Exposition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real parts end to end: a Prometheus 2.42 with native histograms and exemplar storage scrapes a target that exposes a
 * native histogram and a counter with exemplars (protobuf exposition, served by this test), remote-writes to Weir
 * (remote write 1.0 with {@code send_native_histograms} and {@code send_exemplars}), and Weir forwards to a second
 * Prometheus 2.42 (remote-write receiver, native histograms, exemplar storage). The backend must hold the same
 * histograms and exemplars as the sender: every histogram point and exemplar it has is identical to the sender's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeHistogramRelayTest {
    private static final String EXPOSITION = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private HttpServer target;
    private final AtomicInteger scrapes = new AtomicInteger();
    private PrometheusProcess backend;
    private WeirTestNode node;
    private PrometheusProcess sender;

    @BeforeAll
    void start() throws Exception {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/metrics", exchange -> {
            byte[] body = exposition(scrapes.incrementAndGet());
            exchange.getResponseHeaders().set("Content-Type", EXPOSITION);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        target.start();
        backend = PrometheusProcess.start("global: {scrape_interval: 1h}\n",
                "--web.enable-remote-write-receiver", "--enable-feature=native-histograms,exemplar-storage");
        node = WeirTestNode.start("""
                backend:
                  url: %s
                wal:
                  fsync: never
                """.formatted(backend.url()));
        sender = PrometheusProcess.start("""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: relay
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                remote_write:
                  - url: %s/api/v1/write
                    send_exemplars: true
                    send_native_histograms: true
                    queue_config: {batch_send_deadline: 1s}
                """.formatted(target.getAddress().getPort(), node.url()),
                "--enable-feature=native-histograms,exemplar-storage");
    }

    /** Scrape n: a native histogram (schema 0) of 3n observations and a counter at n with exemplar "trace-n". */
    private static byte[] exposition(int n) throws IOException {
        Exposition.MetricFamily histogram = Exposition.MetricFamily.newBuilder().setName("relay_latency_seconds")
                .setHelp("Latency of the relay test target.").setType(Exposition.MetricType.HISTOGRAM)
                .addMetric(Exposition.Metric.newBuilder().setHistogram(Exposition.Histogram.newBuilder()
                        .setSampleCount(3L * n).setSampleSum(1.5 * n).setSchema(0).setZeroThreshold(1e-128).setZeroCount(n)
                        .addPositiveSpan(Exposition.BucketSpan.newBuilder().setOffset(0).setLength(2))
                        .addPositiveDelta(n).addPositiveDelta(0)))
                .build();
        Exposition.MetricFamily counter = Exposition.MetricFamily.newBuilder().setName("relay_requests_total")
                .setHelp("Requests of the relay test target.").setType(Exposition.MetricType.COUNTER)
                .addMetric(Exposition.Metric.newBuilder().setCounter(Exposition.Counter.newBuilder().setValue(n)
                        .setExemplar(Exposition.Exemplar.newBuilder()
                                .addLabel(Exposition.LabelPair.newBuilder().setName("trace_id").setValue("trace-" + n))
                                .setValue(n))))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        histogram.writeDelimitedTo(out);
        counter.writeDelimitedTo(out);
        return out.toByteArray();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {sender, node, backend}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
        if (target != null) {
            target.stop(0);
        }
    }

    private static JsonNode query(String url, String q, long timeMillis) throws Exception {
        Http.Response r = Http.get(url, "/api/v1/query", Http.params("query", q, "time", String.format(java.util.Locale.ROOT, "%.3f", timeMillis / 1000.0)));
        assertEquals(200, r.status(), r.body());
        return r.json().path("data").path("result");
    }

    @Test
    void nativeHistogramsAndExemplarsArriveAtTheBackendAsTheSenderHasThem() throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        JsonNode backendPoints = null;
        long at = 0;
        while (System.currentTimeMillis() < deadline) {
            at = System.currentTimeMillis();
            JsonNode r = query(backend.url(), "relay_latency_seconds[5m]", at);
            if (r.size() == 1 && r.get(0).path("histograms").size() >= 3) {
                backendPoints = r.get(0).path("histograms");
                break;
            }
            Thread.sleep(250);
        }
        if (backendPoints == null) {
            fail("the backend has fewer than 3 native histogram points; node health: " + Http.get(node.url() + "/health").body()
                    + "\nsender log: " + sender.logTail(20));
        }
        // every point at the backend is the sender's point at that timestamp, bucket for bucket
        Map<String, JsonNode> senderPoints = new HashMap<>();
        for (JsonNode p : query(sender.url(), "relay_latency_seconds[5m]", at).get(0).path("histograms")) {
            senderPoints.put(p.get(0).asText(), p.get(1));
        }
        for (JsonNode p : backendPoints) {
            JsonNode s = senderPoints.get(p.get(0).asText());
            assertEquals(s, p.get(1), "histogram at " + p.get(0).asText());
            // and it is what the target served: scrape n has count 3n, sum 1.5n
            double count = Double.parseDouble(p.get(1).path("count").asText());
            double sum = Double.parseDouble(p.get(1).path("sum").asText());
            assertEquals(count / 2, sum, 1e-9, p.toString());
        }
        // exemplars: the backend's are the sender's
        JsonNode backendExemplars = awaitExemplars(backend.url(), at);
        Http.Response s = Http.get(sender.url(), "/api/v1/query_exemplars", Http.params("query", "relay_requests_total",
                "start", Long.toString(at / 1000 - 300), "end", Long.toString(at / 1000 + 1)));
        Map<String, JsonNode> senderExemplars = new HashMap<>();
        for (JsonNode e : s.json().path("data").get(0).path("exemplars")) {
            senderExemplars.put(e.path("labels").path("trace_id").asText(), e);
        }
        for (JsonNode e : backendExemplars) {
            String trace = e.path("labels").path("trace_id").asText();
            assertTrue(trace.startsWith("trace-"), e.toString());
            assertEquals(senderExemplars.get(trace), e, "exemplar " + trace);
        }
        assertEquals(0, PrometheusWeirVictoriaMetricsTest.metricValue(Http.get(node.url() + "/metrics").body(), "weir_forwarder_extras_dropped_total"));
        assertTrue(Http.get(node.url() + "/ingest_stats").json().path("total_histograms").asLong() >= 3);
    }

    private static JsonNode awaitExemplars(String url, long at) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            Http.Response r = Http.get(url, "/api/v1/query_exemplars", Http.params("query", "relay_requests_total",
                    "start", Long.toString(at / 1000 - 300), "end", Long.toString(at / 1000 + 1)));
            JsonNode data = r.json().path("data");
            if (data.size() > 0 && data.get(0).path("exemplars").size() > 0) {
                return data.get(0).path("exemplars");
            }
            Thread.sleep(250);
        }
        fail("no exemplars at the backend");
        return null;
    }
}
