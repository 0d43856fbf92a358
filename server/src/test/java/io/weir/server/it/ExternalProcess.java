package io.weir.server.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real server binary started by a test on 127.0.0.1 with its own temporary directory, stopped by PID, with its
 * output kept in a log file that failing tests print.
 */
public class ExternalProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path dir;
    private final Path log;
    private final int port;

    protected ExternalProcess(String name, int port, Path dir, List<String> command) throws IOException {
        this.name = name;
        this.port = port;
        this.dir = dir;
        this.log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        this.process = pb.start();
    }

    public static Path tempDir(String prefix) throws IOException {
        return Files.createTempDirectory("weir-it-" + prefix);
    }

    public static boolean onPath(String binary) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    public int port() { return port; }

    protected Process process() { return process; }

    public String url() { return "http://127.0.0.1:" + port; }

    public long pid() { return process.pid(); }

    public Path dir() { return dir; }

    public boolean isAlive() { return process.isAlive(); }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Polls {@code path} until it answers 200, the process dies, or the timeout passes. */
    public void awaitHttpOk(String path, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail(40));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + " (" + last + "):\n" + logTail(40));
    }

    /** SIGTERM, then SIGKILL after 10 s; removes the temporary directory. */
    @Override
    public void close() {
        stopProcess();
        deleteRecursively(dir);
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    protected void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp dir does not fail a test
        }
    }

    protected static List<String> args(String... a) { return new ArrayList<>(List.of(a)); }
}
