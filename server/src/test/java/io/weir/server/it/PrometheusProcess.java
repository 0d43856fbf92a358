package io.weir.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real Prometheus (Debian package, 2.42) on 127.0.0.1 with its own config and temporary TSDB. */
public final class PrometheusProcess extends ExternalProcess {
    private final boolean ownsDir;

    private PrometheusProcess(int port, Path dir, Path config, boolean ownsDir, String... extraFlags) throws IOException {
        super("prometheus", port, dir, withFlags(args("prometheus",
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--log.level=warn"), extraFlags));
        this.ownsDir = ownsDir;
    }

    private static java.util.List<String> withFlags(java.util.List<String> args, String... extra) {
        args.addAll(java.util.List.of(extra));
        return args;
    }

    /** A Prometheus that accepts remote write on /api/v1/write (a backend for a Weir node). */
    public static PrometheusProcess startReceiver(String configYaml) throws IOException, InterruptedException {
        return startOn(tempDir("prom"), configYaml, true, "--web.enable-remote-write-receiver");
    }

    /** A Prometheus that accepts remote write at {@code /api/v1/write} (and scrapes nothing). */
    public static PrometheusProcess startReceiver() throws IOException, InterruptedException {
        return startReceiver("global: {scrape_interval: 1m}\n");
    }

    /** Starts with extra command-line flags, e.g. {@code --web.enable-remote-write-receiver}. */
    public static PrometheusProcess startWithFlags(String configYaml, String... flags) throws IOException, InterruptedException {
        return startOn(tempDir("prom"), configYaml, true, flags);
    }

    /** @param configYaml the full prometheus.yml; "%PORT%" is replaced by Prometheus' own port */
    public static PrometheusProcess start(String configYaml) throws IOException, InterruptedException {
        return startOn(tempDir("prom"), configYaml, true);
    }

    /** As {@link #start(String)} with more command-line flags (e.g. {@code --enable-feature=native-histograms}). */
    public static PrometheusProcess start(String configYaml, String... extraFlags) throws IOException, InterruptedException {
        return startOn(tempDir("prom"), configYaml, true, extraFlags);
    }

    /** Starts on an existing directory (e.g. to read back the TSDB of a stopped instance); leaves it in place. */
    public static PrometheusProcess startOn(Path dir, String configYaml) throws IOException, InterruptedException {
        return startOn(dir, configYaml, false);
    }

    private static PrometheusProcess startOn(Path dir, String configYaml, boolean ownsDir, String... extraFlags) throws IOException, InterruptedException {
        int port = Ports.free();
        Path config = dir.resolve("prometheus-" + port + ".yml");
        Files.writeString(config, configYaml.replace("%PORT%", Integer.toString(port)));
        PrometheusProcess p = new PrometheusProcess(port, dir, config, ownsDir, extraFlags);
        try {
            p.awaitHttpOk("/-/ready", Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Stops the process (SIGTERM: Prometheus flushes its remote-write queues) but keeps its directory. */
    public void closeKeepingData() {
        stopProcess();
    }

    @Override
    public void close() {
        stopProcess();
        if (ownsDir) {
            deleteRecursively(dir());
        }
    }
}
