package io.weir.perf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@link ChurnRun} through a whole node as users run it ({@code ./weir serve}'s jar, the tuned JVM options, its own
 * process) in wall-clock time: the node's idle clock cannot be moved from outside, so the windows are short instead
 * (sketch window 1 m, series idle timeout 2 m, labels freed 5 m after expiry, the defaults' rules otherwise). Every
 * {@code generationSeconds} a new generation of {@code series} series replaces the last, each sent a sample every
 * 15 s (one sample per series per request, 2,000 series a request); every minute it prints the node's resident memory
 * (after a full GC), heap, sketch memory, series table and its file, so that growth under churn shows as it would in
 * production, process and all.
 *
 * <pre>java -cp ... io.weir.perf.NodeChurnRun [series=10000] [generationSeconds=60] [minutes=20] [senders=4]</pre>
 */
public final class NodeChurnRun {
    private static final String CONFIG = """
            wal:
              fsync: never
            sketch:
              default_window: 60s
            storage:
              series_idle_timeout: 2m
            """;

    public static void main(String[] args) throws Exception {
        int series = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int generationSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int minutes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int senders = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try (WeirServerProcess weir = WeirServerProcess.start(WeirServerProcess.repoRoot(), CONFIG, List.of())) {
            String pid = Long.toString(weir.pid());
            Path seriesDir = weir.dir().resolve("data").resolve("series");
            System.out.printf(Locale.ROOT, "node churn: %d series replaced every %d s for %d min, a sample every %d s, %d"
                + " senders; config:%n%s%n", series, generationSeconds, minutes, ChurnRun.STEP_MS / 1000, senders, CONFIG);
            System.out.println("| minute | ids handed out | live series | retiring | sketched series | sketch memory (MiB) "
                + "| slabs reserved (MiB) | series.dat on disk (MiB) | heap after GC (MiB) | node RSS after GC (MiB) |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            long t0 = System.nanoTime();
            long nextReport = 60;
            for (long tick = 0; ; tick++) {
                long dueNs = t0 + TimeUnit.MILLISECONDS.toNanos(tick * ChurnRun.STEP_MS);
                long waitNs = dueNs - System.nanoTime();
                if (waitNs > 0) {
                    TimeUnit.NANOSECONDS.sleep(waitNs); // a scrape interval: the sender's own schedule
                }
                long elapsedS = (System.nanoTime() - t0) / 1_000_000_000L;
                if (elapsedS >= nextReport) {
                    report(nextReport / 60, weir.url(), pid, seriesDir);
                    nextReport += 60;
                }
                if (elapsedS >= minutes * 60L) {
                    break;
                }
                int gen = (int) (tick * ChurnRun.STEP_MS / 1000 / generationSeconds);
                long ts = System.currentTimeMillis();
                List<Future<?>> sent = new ArrayList<>();
                for (int first = 0; first < series; first += 2_000) {
                    int from = first;
                    int to = Math.min(series, first + 2_000);
                    sent.add(pool.submit(() -> {
                        ChurnRun.post(weir.url(), ChurnRun.body(gen, from, to, ts));
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void report(long minute, String url, String pid, Path seriesDir) throws Exception {
        NodeMemoryTableRun.fullGc(pid);
        Map<String, Double> m = ChurnRun.metrics(url);
        System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f |%n", minute,
            m.get("weir_series"), m.get("weir_series_live"), m.get("weir_series_retiring"), m.get("weir_sketched_series"),
            m.get("weir_sketch_memory_bytes") / 1048576.0, m.get("weir_sketch_memory_reserved_bytes") / 1048576.0,
            ChurnRun.duMiB(seriesDir), m.get("weir_jvm_heap_used_bytes") / 1048576.0, MemoryTableRun.rssKiB(pid) / 1024);
    }
}
