package io.weir.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real Prometheus (Debian package, 2.42) on 127.0.0.1 with its own config and temporary TSDB. */
public final class PrometheusProcess extends ExternalProcess {
    private final boolean ownsDir;

    private PrometheusProcess(int port, Path dir, Path config, boolean ownsDir, String... extraArgs) throws IOException {
        super("prometheus", port, dir, args(withExtra(new String[] {"prometheus",
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--log.level=warn"}, extraArgs)));
        this.ownsDir = ownsDir;
    }

    private static String[] withExtra(String[] base, String[] extra) {
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    /** A Prometheus that accepts remote write at {@code /api/v1/write} (and scrapes nothing). */
    public static PrometheusProcess startReceiver() throws IOException, InterruptedException {
        Path dir = tempDir("prom");
        int port = Ports.free();
        Path config = dir.resolve("prometheus-" + port + ".yml");
        Files.writeString(config, "global: {scrape_interval: 1m}\n");
        PrometheusProcess p = new PrometheusProcess(port, dir, config, true, "--web.enable-remote-write-receiver");
        try {
            p.awaitHttpOk("/-/ready", Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** @param configYaml the full prometheus.yml; "%PORT%" is replaced by Prometheus' own port */
    public static PrometheusProcess start(String configYaml) throws IOException, InterruptedException {
        return startOn(tempDir("prom"), configYaml, true);
    }

    /** Starts on an existing directory (e.g. to read back the TSDB of a stopped instance); leaves it in place. */
    public static PrometheusProcess startOn(Path dir, String configYaml) throws IOException, InterruptedException {
        return startOn(dir, configYaml, false);
    }

    private static PrometheusProcess startOn(Path dir, String configYaml, boolean ownsDir) throws IOException, InterruptedException {
        int port = Ports.free();
        Path config = dir.resolve("prometheus-" + port + ".yml");
        Files.writeString(config, configYaml.replace("%PORT%", Integer.toString(port)));
        PrometheusProcess p = new PrometheusProcess(port, dir, config, ownsDir);
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
