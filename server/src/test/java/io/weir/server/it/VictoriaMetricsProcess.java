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
    private VictoriaMetricsProcess(int port, Path dir, String... extraArgs) throws IOException {
        super("victoria-metrics", port, dir, withExtra(args("victoria-metrics",
                "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + dir.resolve("data"),
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-search.disableCache",
                "-loggerLevel=WARN"), extraArgs));
    }

    private static java.util.List<String> withExtra(java.util.List<String> base, String... extra) {
        base.addAll(java.util.List.of(extra));
        return base;
    }

    public static VictoriaMetricsProcess start() throws IOException, InterruptedException {
        return start(new String[0]);
    }

    /** @param extraArgs further flags, e.g. {@code -promscrape.config=FILE} */
    public static VictoriaMetricsProcess start(String... extraArgs) throws IOException, InterruptedException {
        VictoriaMetricsProcess vm = new VictoriaMetricsProcess(Ports.free(), tempDir("vm"), extraArgs);
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
