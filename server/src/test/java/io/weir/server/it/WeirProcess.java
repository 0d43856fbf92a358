package io.weir.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Weir as its own OS process: the real {@code main}, the JVM options from {@code tuning/jvm/default.options}, the
 * test classpath. For what an in-process node cannot show: signals, exit codes, kill -9.
 */
public final class WeirProcess extends ExternalProcess {
    private WeirProcess(int port, Path dir, List<String> command) throws IOException {
        super("weir", port, dir, command);
    }

    /** @param dataDir kept after the process stops, so a test can restart on it */
    public static WeirProcess start(Path dataDir, String... extraArgs) throws IOException, InterruptedException {
        WeirProcess p = launch(dataDir, extraArgs);
        try {
            p.awaitHttpOk("/-/ready", Duration.ofSeconds(60));
        } catch (RuntimeException | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Starts the process without waiting for it to be ready (e.g. to kill it during start-up). */
    public static WeirProcess launch(Path dataDir, String... extraArgs) throws IOException {
        int port = Ports.free();
        Path logDir = tempDir("weir-proc");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String line : Files.readAllLines(optionsFile())) {
            String opt = line.strip();
            if (!opt.isEmpty() && !opt.startsWith("#")) {
                cmd.add(opt.equals("-Xms1g") ? "-Xms256m" : opt);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.weir.server.Main");
        cmd.add("serve");
        cmd.add("--listen");
        cmd.add("127.0.0.1:" + port);
        cmd.add("--data-dir");
        cmd.add(dataDir.toString());
        cmd.addAll(List.of(extraArgs));
        return new WeirProcess(port, logDir, cmd);
    }

    private static Path optionsFile() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("tuning/jvm/default.options"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("tuning/jvm/default.options not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("tuning/jvm/default.options");
    }

    public String log() {
        return logTail(200);
    }

    /** SIGTERM and the exit code (or -1 when it did not exit in time). */
    public int terminate(Duration timeout) throws InterruptedException {
        Process p = process();
        p.destroy();
        return p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill() throws InterruptedException {
        process().destroyForcibly().waitFor();
    }
}
