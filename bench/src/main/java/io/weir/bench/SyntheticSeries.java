package io.weir.bench;

import io.weir.engine.series.CanonicalLabels;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import java.util.SplittableRandom;

/**
 * Deterministic, realistic-looking series for the benchmarks: eight labels per series, sorted by name (the shape
 * of a Kubernetes HTTP metric), unique per index, about 150 bytes of label text. Sample values are counters that
 * grow by small integers, timestamps a 15 s scrape.
 */
final class SyntheticSeries {
    static final long START_MS = 1_700_000_000_000L;
    static final long SCRAPE_MS = 15_000L;

    private static final String[] METRICS = {
        "http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
        "http_request_duration_seconds_count", "http_response_size_bytes_sum", "grpc_server_handled_total",
        "process_cpu_seconds_total", "container_memory_working_set_bytes",
    };
    private static final String[] CONTAINERS = {"api", "worker", "gateway", "billing", "search"};
    private static final String[] JOBS = {"kubernetes-pods", "kubernetes-service-endpoints", "node-exporter"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE"};
    private static final String[] NAMESPACES = {"prod", "staging", "payments", "platform-observability"};
    private static final String[] STATUSES = {"200", "201", "204", "301", "400", "404", "500", "503"};

    private SyntheticSeries() {}

    /** The label set of series {@code i} in canonical form; distinct for distinct i. */
    static byte[] labels(int i) {
        String container = CONTAINERS[i % CONTAINERS.length];
        return CanonicalLabels.of(
            "__name__", METRICS[i % METRICS.length],
            "container", container,
            "instance", "10." + (i >>> 16 & 0xFF) + "." + (i >>> 8 & 0xFF) + "." + (i & 0xFF) + ":8080",
            "job", JOBS[i % JOBS.length],
            "method", METHODS[(i / 3) % METHODS.length],
            "namespace", NAMESPACES[(i / 5) % NAMESPACES.length],
            "pod", container + "-7f9c8d6b5-" + Integer.toString(1_000_000 + i, 36),
            "status", STATUSES[(i / 7) % STATUSES.length]);
    }

    /**
     * Fills {@code encoder} with a request of {@code series} series (ids from {@code firstSeries}) of
     * {@code samplesPerSeries} samples each; returns the compressed length.
     */
    static int encode(RemoteWriteEncoder encoder, int firstSeries, int series, int samplesPerSeries) {
        SplittableRandom random = new SplittableRandom(42);
        encoder.reset();
        for (int s = 0; s < series; s++) {
            byte[] labels = labels(firstSeries + s);
            encoder.beginSeries(labels, 0, labels.length);
            double counter = random.nextInt(1_000_000);
            for (int j = 0; j < samplesPerSeries; j++) {
                counter += random.nextInt(50);
                encoder.sample(START_MS + j * SCRAPE_MS, counter);
            }
            encoder.endSeries();
        }
        return encoder.finish();
    }
}
