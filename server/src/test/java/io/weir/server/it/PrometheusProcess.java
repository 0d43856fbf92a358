package io.weir.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real Prometheus (Debian package, 2.42) on 127.0.0.1 with its own config and temporary TSDB. */
public final class PrometheusProcess extends ExternalProcess {
    private PrometheusProcess(int port, Path dir, Path config) throws IOException {
        super("prometheus", port, dir, args("prometheus",
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--log.level=warn"));
    }

    /** @param configYaml the full prometheus.yml; "%PORT%" is replaced by Prometheus' own port */
    public static PrometheusProcess start(String configYaml) throws IOException, InterruptedException {
        int port = Ports.free();
        Path dir = tempDir("prom");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, configYaml.replace("%PORT%", Integer.toString(port)));
        PrometheusProcess p = new PrometheusProcess(port, dir, config);
        try {
            p.awaitHttpOk("/-/ready", Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }
}
