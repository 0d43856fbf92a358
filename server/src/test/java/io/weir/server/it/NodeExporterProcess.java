package io.weir.server.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A real prometheus-node-exporter (Debian package) on 127.0.0.1. */
public final class NodeExporterProcess extends ExternalProcess {
    private NodeExporterProcess(int port, Path dir) throws IOException {
        super("node-exporter", port, dir, args("prometheus-node-exporter",
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
    }

    public static NodeExporterProcess start() throws IOException, InterruptedException {
        NodeExporterProcess p = new NodeExporterProcess(Ports.free(), tempDir("node"));
        try {
            p.awaitHttpOk("/metrics", Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }
}
