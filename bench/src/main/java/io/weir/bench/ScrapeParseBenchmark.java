package io.weir.bench;

import io.weir.net.scrape.ExpositionParser;
import io.weir.net.scrape.ScrapeBatch;
import io.weir.net.scrape.ScrapeTarget;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One scrape body through the exposition parser into a target's reused {@link ScrapeBatch} (target labels merged,
 * staleness tracked, report series added): the per-scrape work after the HTTP response. The body is shaped like
 * node-exporter's (counters with 2 labels, a histogram, gauges), {@code samples} lines.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScrapeParseBenchmark extends WeirForkedBenchmark {
    @Param({"50", "1000"})
    public int samples;

    @Param({"text", "openmetrics"})
    public String format;

    private final ExpositionParser parser = new ExpositionParser();
    private ScrapeBatch batch;
    private byte[] body;
    private long time;

    @Setup
    public void setUp() {
        boolean om = format.equals("openmetrics");
        StringBuilder sb = new StringBuilder("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
                + "# TYPE node_cpu_seconds_total counter\n");
        for (int i = 0; i < samples; i++) {
            switch (i % 4) {
                case 0 -> sb.append("node_cpu_seconds_total{cpu=\"").append(i % 16).append("\",mode=\"m").append(i).append("\"} ")
                        .append(123456.78 + i).append('\n');
                case 1 -> sb.append("http_request_duration_seconds_bucket{handler=\"/api/v").append(i).append("\",le=\"0.25\"} ")
                        .append(1000 + i).append('\n');
                case 2 -> sb.append("node_memory_MemFree_bytes_").append(i).append(" 1.2345e+09\n");
                default -> sb.append("node_filesystem_avail_bytes{device=\"/dev/sda").append(i)
                        .append("\",fstype=\"ext4\",mountpoint=\"/m\"} 5.4e+10\n");
            }
        }
        if (om) {
            sb.append("# EOF\n");
        }
        body = sb.toString().getBytes(StandardCharsets.UTF_8);
        ScrapeTarget target = new ScrapeTarget("node", URI.create("http://127.0.0.1:9100/metrics"),
                new TreeMap<>(Map.of("job", "node", "instance", "127.0.0.1:9100")), "k");
        batch = new ScrapeBatch(target, false, true, 0, List.of());
    }

    @Benchmark
    public int parseIntoBatch() {
        batch.begin(time += 15_000);
        if (!parser.parse(body, body.length, format.equals("openmetrics"), batch)) {
            throw new IllegalStateException(parser.error());
        }
        batch.addStaleMarkers();
        batch.addReport(true, 0.01);
        int n = batch.request().sampleCount();
        batch.committed();
        return n;
    }
}
