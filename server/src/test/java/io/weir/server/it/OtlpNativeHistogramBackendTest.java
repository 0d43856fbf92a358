package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.server.it.proto.Remote;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenTelemetry Java SDK with base2 exponential bucket histograms exports to a real Weir node whose backend is a
 * real Prometheus 2.42 (remote-write receiver, native histograms, exemplar storage): the exponential histograms arrive
 * as native histograms with exactly the counts, sums and buckets the SDK recorded, and exemplars recorded under a
 * sampled span arrive with their trace and span ids, on the series Prometheus' OTLP translation puts them on; the
 * node's WAL holds the native histograms and exemplars as EXTRAS records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpNativeHistogramBackendTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";
    /** Exactly representable, so the sum is exact; 0 lands in the zero bucket. */
    private static final double[] DURATIONS = {0, 0.5, 1, 3, 3, 10, 250};
    private static final String ID = "{instance=\"pod-native\",job=\"acme/shop\"}";

    private PrometheusProcess backend;
    private WeirTestNode node;

    @BeforeAll
    void start() throws Exception {
        backend = PrometheusProcess.start("global: {scrape_interval: 1h}\n",
                "--web.enable-remote-write-receiver", "--enable-feature=native-histograms,exemplar-storage");
        node = WeirTestNode.start("""
                backend:
                  url: %s
                wal:
                  fsync: never
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

    @Test
    void exponentialHistogramsArriveAsNativeHistogramsAndExemplarsWithTheirIds() throws Exception {
        OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint(node.url() + "/opentelemetry/v1/metrics").build();
        Context sampled = Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault())));
        long start = System.currentTimeMillis();
        try (SdkMeterProvider provider = OtlpSdk.meterProvider("pod-native")
                .registerView(InstrumentSelector.builder().setName("rpc.duration").build(),
                        View.builder().setAggregation(Aggregation.base2ExponentialBucketHistogram()).build())
                .registerView(InstrumentSelector.builder().setName("cache.lookup").build(),
                        View.builder().setAggregation(Aggregation.base2ExponentialBucketHistogram()).build())
                .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build()).build()) {
            Meter meter = provider.get("io.weir.test");
            DoubleHistogram rpc = meter.histogramBuilder("rpc.duration").setUnit("s").build();
            // equal values keep the SDK at its finest scale (20): Weir merges buckets down to schema 8
            DoubleHistogram cache = meter.histogramBuilder("cache.lookup").setUnit("ms").build();
            DoubleHistogram classic = meter.histogramBuilder("http.server.duration").setUnit("ms")
                    .setExplicitBucketBoundariesAdvice(List.of(5.0, 10.0, 100.0)).build();
            LongCounter requests = meter.counterBuilder("http.server.requests").setUnit("{request}").build();
            Attributes route = Attributes.of(stringKey("route"), "/a");

            // First export without exemplars: it creates the series at the backend (Prometheus 2.42 refuses an
            // exemplar for a series it does not have yet, and appends a request's exemplars before its histograms).
            for (int i = 0; i < DURATIONS.length - 1; i++) {
                rpc.record(DURATIONS[i], route, Context.root());
            }
            cache.record(1.5, Attributes.empty(), Context.root());
            cache.record(1.5, Attributes.empty(), Context.root());
            classic.record(3, route, Context.root());
            requests.add(1, route, Context.root());
            assertTrue(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess(), "the SDK's first export to Weir failed");
            awaitBackend("histogram_count(rpc_duration_seconds" + ID + ")", v -> v.size() == 1);
            awaitBackend("http_server_requests_total" + ID, v -> v.size() == 1);
            awaitBackend("http_server_duration_milliseconds_bucket" + ID, v -> v.size() == 4);

            // Second export: the last measurement of each instrument under a sampled span, so each carries one exemplar.
            rpc.record(DURATIONS[DURATIONS.length - 1], route, sampled);
            cache.record(1.5, Attributes.empty(), sampled);
            classic.record(7, route, sampled);
            requests.add(2, route, sampled);
            assertTrue(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess(), "the SDK's second export to Weir failed");
            long end = System.currentTimeMillis() + 1000;

            double sum = 0;
            for (double d : DURATIONS) {
                sum += d;
            }
            String rpcSeries = "rpc_duration_seconds" + ID.replace("}", ",route=\"/a\"}");
            assertEquals(DURATIONS.length, scalar(awaitBackend("histogram_count(" + rpcSeries + ")",
                    v -> v.size() == 1 && scalar(v) == DURATIONS.length)));
            assertEquals(sum, scalar(awaitBackend("histogram_sum(" + rpcSeries + ")", v -> v.size() == 1)));
            assertBucketsHold(rpcSeries, DURATIONS);
            String cacheSeries = "cache_lookup_milliseconds" + ID;
            assertEquals(3.0, scalar(awaitBackend("histogram_count(" + cacheSeries + ")", v -> v.size() == 1 && scalar(v) == 3)));
            assertEquals(4.5, scalar(awaitBackend("histogram_sum(" + cacheSeries + ")", v -> v.size() == 1)));
            assertBucketsHold(cacheSeries, new double[] {1.5, 1.5, 1.5});

            // journaled: the node's WAL holds both exports' native histograms of rpc.duration as EXTRAS records
            // (the answer came after the commit), the second with its exemplar
            List<Remote.Histogram> journaled = new ArrayList<>();
            int journaledExemplars = 0;
            for (Remote.TimeSeries ts : journaledExtras().getTimeseriesList()) {
                boolean isRpc = ts.getLabelsList().stream().anyMatch(l -> l.getName().equals("__name__") && l.getValue().equals("rpc_duration_seconds"));
                if (isRpc) {
                    journaled.addAll(ts.getHistogramsList());
                    journaledExemplars += ts.getExemplarsCount();
                }
            }
            assertEquals(2, journaled.size(), "two exports, two native histograms in the WAL");
            assertEquals(DURATIONS.length - 1, journaled.get(0).getCountInt());
            assertEquals(DURATIONS.length, journaled.get(1).getCountInt());
            assertEquals(sum, journaled.get(1).getSum());
            assertEquals(1, journaled.get(1).getZeroCountInt());
            assertEquals(1, journaledExemplars);

            // exemplars: on the native histogram series, on the classic bucket whose le covers 7, on the counter
            assertExemplar(rpcSeries, "{}", 250, start, end);
            assertExemplar(cacheSeries, "{}", 1.5, start, end);
            assertExemplar("http_server_duration_milliseconds_bucket" + ID.replace("}", ",route=\"/a\"}"), "{le=\"10\"}", 7, start, end);
            assertExemplar("http_server_requests_total" + ID.replace("}", ",route=\"/a\"}"), "{}", 2, start, end);
        }
    }

    /** Every EXTRAS record in the node's WAL so far, concatenated (RW 1.0 WriteRequest fields concatenate). */
    private Remote.WriteRequest journaledExtras() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
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

    /** The backend's buckets of the series' latest histogram hold exactly the values, each in the bucket around it. */
    private void assertBucketsHold(String series, double[] values) throws Exception {
        JsonNode h = awaitBackend(series, v -> v.size() == 1).get(0).path("histogram").get(1);
        assertEquals(values.length, h.path("count").asDouble(), h.toString());
        JsonNode buckets = h.path("buckets");
        List<String> problems = new ArrayList<>();
        long total = 0;
        for (JsonNode b : buckets) {
            int boundaries = b.get(0).asInt(); // 0: (lower, upper]  1: [lower, upper)  2: (lower, upper)  3: [lower, upper]
            double lower = b.get(1).asDouble();
            double upper = b.get(2).asDouble();
            long count = b.get(3).asLong();
            long inside = 0;
            for (double v : values) {
                boolean aboveLower = (boundaries == 1 || boundaries == 3) ? v >= lower : v > lower;
                boolean belowUpper = (boundaries == 0 || boundaries == 3) ? v <= upper : v < upper;
                if (aboveLower && belowUpper) {
                    inside++;
                }
            }
            if (inside != count) {
                problems.add(b + " holds " + count + ", the SDK recorded " + inside + " values there");
            }
            total += count;
        }
        assertEquals(List.of(), problems, h.toString());
        assertEquals(values.length, total, "every recorded value is in a bucket: " + h);
    }

    private void assertExemplar(String series, String extraLabels, double value, long start, long end) throws Exception {
        JsonNode data = awaitExemplars(series, start, end);
        assertEquals(1, data.size(), data.toString());
        JsonNode exemplars = data.get(0).path("exemplars");
        assertEquals(1, exemplars.size(), data.toString());
        JsonNode e = exemplars.get(0);
        assertEquals(TRACE_ID, e.path("labels").path("trace_id").asText(), e.toString());
        assertEquals(SPAN_ID, e.path("labels").path("span_id").asText(), e.toString());
        assertEquals(2, e.path("labels").size(), e.toString());
        assertEquals(value, e.path("value").asDouble(), e.toString());
        if (!extraLabels.equals("{}")) {
            assertEquals("10", data.get(0).path("seriesLabels").path("le").asText(), data.toString());
        }
        double ts = e.path("timestamp").asDouble() * 1000;
        assertTrue(ts >= start - 1 && ts <= end, "exemplar time " + ts + " within the test");
    }

    private JsonNode awaitExemplars(String query, long start, long end) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            Http.Response r = Http.get(backend.url(), "/api/v1/query_exemplars",
                    Http.params("query", query, "start", seconds(start - 60_000), "end", seconds(end + 60_000)));
            assertEquals(200, r.status(), r.body());
            last = r.json().path("data");
            if (last.size() > 0 && last.get(0).path("exemplars").size() > 0) {
                return last;
            }
            Thread.sleep(200);
        }
        fail("no exemplar for " + query + " at the backend: " + last + "\nnode health: " + Http.get(node.url() + "/health").body());
        return null;
    }

    /** Polls a backend instant query (now) until {@code done} holds for its result (generous deadline). */
    private JsonNode awaitBackend(String query, Predicate<JsonNode> done) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            Http.Response r = Http.get(backend.url(), "/api/v1/query", Http.params("query", query));
            assertEquals(200, r.status(), r.body());
            last = r.json().path("data").path("result");
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        fail(query + ": the backend still answers " + last + "\nnode health: " + Http.get(node.url() + "/health").body());
        return null;
    }

    private static double scalar(JsonNode vector) {
        return vector.get(0).path("value").get(1).asDouble();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }
}
