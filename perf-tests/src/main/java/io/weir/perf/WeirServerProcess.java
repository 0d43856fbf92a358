package io.weir.perf;

import io.weir.server.it.ExternalProcess;
import io.weir.server.it.Ports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Weir as users run it: {@code java <tuning/jvm/default.options> -jar server/target/weir-server.jar serve}, on a free
 * loopback port, with its config and data in a temporary directory that {@link #close()} removes.
 */
final class WeirServerProcess extends ExternalProcess {
    private WeirServerProcess(int port, Path dir, List<String> command) throws IOException {
        super("weir", port, dir, command);
    }

    /** @param extraJvmOptions appended after the tuned options (e.g. a JFR recording); may be empty */
    static WeirServerProcess start(Path repoRoot, String config, List<String> extraJvmOptions)
            throws IOException, InterruptedException {
        Path jar = repoRoot.resolve("server/target/weir-server.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build with mvn -o install -DskipTests");
        }
        Path dir = tempDir("weir-perf");
        Path configFile = dir.resolve("weir.yml");
        Files.writeString(configFile, config);
        int port = Ports.free();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String line : Files.readAllLines(repoRoot.resolve("tuning/jvm/default.options"))) {
            String opt = line.strip();
            if (!opt.isEmpty() && !opt.startsWith("#")) {
                cmd.add(opt);
            }
        }
        cmd.addAll(extraJvmOptions);
        cmd.addAll(List.of("-jar", jar.toString(), "serve", "--config", configFile.toString(),
                "--listen", "127.0.0.1:" + port, "--data-dir", dir.resolve("data").toString()));
        WeirServerProcess p = new WeirServerProcess(port, dir, cmd);
        try {
            p.awaitHttpOk("/-/ready", Duration.ofSeconds(60));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The directory above the working directory that holds {@code tuning/jvm/default.options}. */
    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("tuning/jvm/default.options"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("tuning/jvm/default.options not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
