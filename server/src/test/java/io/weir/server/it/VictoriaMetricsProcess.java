package io.weir.server.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real single-node VictoriaMetrics (Debian package) on 127.0.0.1. Started without latency offset and cache so
 * that data is queryable as soon as {@link #forceFlush()} returns.
 */
public final class VictoriaMetricsProcess extends ExternalProcess {
    private VictoriaMetricsProcess(int port, Path dir, boolean cache) throws IOException {
        super("victoria-metrics", port, dir, args(cache ? new String[] {"victoria-metrics",
                "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + dir.resolve("data"),
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-loggerLevel=WARN"} : new String[] {"victoria-metrics",
                "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + dir.resolve("data"),
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-search.disableCache",
                "-loggerLevel=WARN"}));
    }

    public static VictoriaMetricsProcess start() throws IOException, InterruptedException {
        return start(false);
    }

    /** @param cache true keeps VictoriaMetrics' rollup result cache on, as in production (for query benchmarks) */
    public static VictoriaMetricsProcess start(boolean cache) throws IOException, InterruptedException {
        VictoriaMetricsProcess vm = new VictoriaMetricsProcess(Ports.free(), tempDir("vm"), cache);
        try {
            vm.awaitHttpOk("/health", Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    /** Makes every ingested sample searchable. */
    public void forceFlush() throws IOException, InterruptedException {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/internal/force_flush")).build(),
                HttpResponse.BodyHandlers.discarding());
    }
}
