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
    private VictoriaMetricsProcess(int port, Path dir, String... extra) throws IOException {
        super("victoria-metrics", port, dir, withExtra(args("victoria-metrics",
                "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + dir.resolve("data"),
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-search.disableCache",
                "-loggerLevel=WARN"), extra));
    }

    private static java.util.List<String> withExtra(java.util.List<String> args, String... extra) {
        args.addAll(java.util.List.of(extra));
        return args;
    }

    /**
     * VictoriaMetrics serving only TLS with this certificate and key, and only to this basic-auth user; ready once
     * {@code client} (which must trust the certificate) gets 200 from /health with the credentials.
     */
    public static VictoriaMetricsProcess startSecured(Path cert, Path key, String user, String password,
                                                      HttpClient client) throws IOException, InterruptedException {
        int port = Ports.free();
        VictoriaMetricsProcess vm = new VictoriaMetricsProcess(port, tempDir("vm-tls"), "-tls", "-tlsCertFile=" + cert,
                "-tlsKeyFile=" + key, "-httpAuth.username=" + user, "-httpAuth.password=" + password);
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!vm.isAlive()) {
                vm.close();
                throw new IllegalStateException("victoria-metrics exited:\n" + vm.logTail(40));
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health"))
                        .header("Authorization", auth).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return vm;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        vm.close();
        throw new IllegalStateException("secured victoria-metrics not ready (" + last + ")");
    }

    /** @param cache true keeps VictoriaMetrics' rollup result cache on, as in production (for query benchmarks) */
    public static VictoriaMetricsProcess start(boolean cache) throws IOException, InterruptedException {
        return cache ? start("-search.disableCache=false") : start();
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
