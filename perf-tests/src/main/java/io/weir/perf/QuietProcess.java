package io.weir.perf;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Waits until a process has stopped using the CPU, read from {@code /proc/PID/task/TID/schedstat} (nanoseconds on a
 * CPU per thread). A server keeps working after it has answered -- VictoriaMetrics' Go collector frees a query's
 * memory then, on the same two cores -- so a call timed right after the other server's answer measures that work as
 * well as its own. Used between the alternating calls of {@link QueryComparison} ({@code --settle true}).
 */
final class QuietProcess {
    private final Path tasks;

    QuietProcess(long pid) {
        this.tasks = Path.of("/proc", Long.toString(pid), "task");
    }

    /** Nanoseconds this process's threads have spent on a CPU so far. */
    long cpuNanos() throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
            for (Path t : ds) {
                try {
                    String s = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (IOException | RuntimeException gone) {
                    // a thread that ended between the listing and the read
                }
            }
        }
        return sum;
    }

    /**
     * Returns once the process used less than {@code quietMicros} of CPU in one {@code windowMicros} window, or after
     * {@code maxMillis}; returns the milliseconds waited.
     */
    double await(long windowMicros, long quietMicros, long maxMillis) throws IOException {
        long start = System.nanoTime();
        long before = cpuNanos();
        while (System.nanoTime() - start < maxMillis * 1_000_000L) {
            long until = System.nanoTime() + windowMicros * 1_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            long now = cpuNanos();
            if (now - before < quietMicros * 1_000L) {
                break;
            }
            before = now;
        }
        return (System.nanoTime() - start) / 1e6;
    }
}
