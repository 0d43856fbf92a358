package io.weir.perf;

import io.weir.server.BuildInfo;
import io.weir.server.Main;
import io.weir.server.WeirNode;
import io.weir.server.config.ConfigResult;
import io.weir.server.config.WeirConfig;
import io.weir.server.it.Http;
import io.weir.server.it.RemoteWriteBodies;
import io.weir.server.it.RemoteWriteBodies.Series;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Series churn over data time: every {@code roundMinutes} of data time a new generation of {@code series} series
 * replaces the last (a fleet of pods restarted), each scraped every 15 s and sent one scrape at a time (one sample
 * per series per request, as Prometheus sends), for {@code hours} of data time, on an
 * in-process node with the default configuration (every function on every series, 1 h window, series idle timeout
 * 2 h) and no backend. Samples carry their timestamps, and the node's idle clock (sketch eviction, series expiry) is
 * moved with the data, so six hours of churn run in minutes. After each data hour it prints sketch memory, the
 * series table (ids handed out, live, retiring), heap after GC and resident memory.
 *
 * <pre>java -cp ... io.weir.perf.ChurnRun [series=10000] [roundMinutes=10] [hours=6] [senders=4]</pre>
 */
public final class ChurnRun {
    static final long STEP_MS = 15_000;
    /** One sample per series per request, as Prometheus sends; 2,000 series a request. */
    private static final int SERIES_PER_REQUEST = 2_000;
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    public static void main(String[] args) throws Exception {
        int series = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int roundMinutes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int hours = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        int senders = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        long roundMs = roundMinutes * 60_000L;
        int rounds = (int) (hours * 3_600_000L / roundMs);
        int roundsPerHour = (int) (3_600_000L / roundMs);

        Path dir = Files.createTempDirectory("weir-churn");
        ConfigResult r = Main.configLoader().parse("", "churn");
        WeirConfig cfg = Main.configLoader().withOverrides(r.config(), "127.0.0.1:0", dir, "");
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        long clockStart = clock.get();
        // data time ends now, so every sample is in the past
        long base = (System.currentTimeMillis() - hours * 3_600_000L) / 60_000 * 60_000;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        System.out.printf("churn: %d series replaced every %d min of data time for %d h (%d generations), samples every"
                + " %d s, %d senders; data dir %s%n", series, roundMinutes, hours, rounds, STEP_MS / 1000, senders, dir);
        System.out.println("| data hour | ids handed out | live series | retiring | sketched series | sketch memory (MiB) "
                + "| slabs reserved (MiB) | series.dat on disk (MiB) | heap after GC (MiB) | heap committed (MiB) | RSS (MiB) | wall (s) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        long t0 = System.nanoTime();
        try (WeirNode node = WeirNode.start(cfg, BuildInfo.load(), clock::get)) {
            String url = "http://127.0.0.1:" + node.port();
            int scrapes = (int) (roundMs / STEP_MS);
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < scrapes; k++) {
                    // one scrape of the whole generation, sent as it happens: the idle clock moves with the data
                    long ts = base + round * roundMs + k * STEP_MS;
                    clock.set(clockStart + (ts - base) + STEP_MS);
                    node.expireSeries();
                    List<Future<?>> sent = new ArrayList<>();
                    for (int first = 0; first < series; first += SERIES_PER_REQUEST) {
                        int gen = round;
                        int from = first;
                        int to = Math.min(series, first + SERIES_PER_REQUEST);
                        sent.add(pool.submit(() -> {
                            post(url, body(gen, from, to, ts));
                            return null;
                        }));
                    }
                    for (Future<?> f : sent) {
                        f.get();
                    }
                }
                if ((round + 1) % roundsPerHour == 0) {
                    report((round + 1) / roundsPerHour, url, dir, t0);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static byte[] body(int gen, int from, int to, long ts) {
        Series[] s = new Series[to - from];
        for (int i = from; i < to; i++) {
            double v = (i * 31L + ts / STEP_MS * 17L) % 1000 / 10.0; // a gauge with some spread
            s[i - from] = new Series(new String[] {"__name__", "churn_requests", "instance", "pod-" + gen + "-" + i,
                "job", "churn", "pod_generation", Integer.toString(gen)}, new long[] {ts}, new double[] {v});
        }
        return RemoteWriteBodies.body(s);
    }

    static void post(String url, byte[] body) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            Http.Response r = RemoteWriteBodies.post(url, body);
            if (r.status() == 204) {
                return;
            }
            if ((r.status() != 429 && r.status() != 503) || attempt > 100) {
                throw new IllegalStateException("remote write answered " + r.status() + ": " + r.body());
            }
            Thread.sleep(20); // backpressure: retry as Prometheus would
        }
    }

    private static void report(int hour, String url, Path dir, long t0) throws IOException, InterruptedException {
        System.gc();
        Map<String, Double> m = metrics(url);
        System.out.printf("| %d | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f |%n", hour,
                m.get("weir_series"), m.get("weir_series_live"), m.get("weir_series_retiring"), m.get("weir_sketched_series"),
                m.get("weir_sketch_memory_bytes") / 1048576.0, m.get("weir_sketch_memory_reserved_bytes") / 1048576.0,
                duMiB(dir.resolve("series")), m.get("weir_jvm_heap_used_bytes") / 1048576.0,
                Runtime.getRuntime().totalMemory() / 1048576.0, rssMiB(), (System.nanoTime() - t0) / 1e9);
    }

    static Map<String, Double> metrics(String url) throws IOException, InterruptedException {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Http.get(url + "/metrics").body().split("\n")) {
            Matcher mm = SAMPLE.matcher(line);
            if (!line.startsWith("#") && mm.matches()) {
                out.merge(mm.group(1), Double.parseDouble(mm.group(3)), Double::sum);
            }
        }
        return out;
    }

    private static double rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    /** Disk blocks in use under {@code dir} (a sparse file counts what it holds, not its length). */
    static double duMiB(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return Long.parseLong(out.split("\\s+")[0]) / 1024.0;
    }
}
