package io.weir.perf;

import io.weir.server.it.Http;
import io.weir.server.it.RemoteWriteBodies;
import io.weir.server.it.RemoteWriteBodies.Series;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One row of issue 7's memory table measured through a whole node ({@link MemoryTableRun} measures a sketch shard in
 * its own process): {@code ./weir serve}'s jar with the tuned JVM options and the default configuration but for
 * {@code sketch.default_window} = the row's window and {@code wal.fsync: never}, sent two windows of samples ending
 * now by remote write (each series' samples in time order, {@code SENDERS} connections, a series always on the same
 * one), then asked for its memory: the sketch memory metric ({@code weir_sketch_memory_bytes}, summed over shards), the
 * slabs reserved, and the node process's resident memory (VmRSS) grown since it was ready, both after a full GC
 * ({@code jcmd GC.run}). Resident memory is the whole process: heap the JVM grew into, the series table (Chronicle
 * Map), label index and decoded labels, WAL buffers and Netty's pools beside the slabs. One row a node: {@code
 * perf-tests/scripts/node-memory-table.sh} runs the table.
 *
 * <p>Usage: {@code NodeMemoryTableRun INTERVAL_MS WINDOW_MS KIND SERIES [SENDERS=4]}, KIND as for
 * {@link MemoryTableRun}.
 */
public final class NodeMemoryTableRun {
    /** Series in one request. */
    private static final int SERIES_A_BODY = 100;
    /** Samples of each series in one request (100 x 500: 50,000 samples, ~0.4 MB compressed at most). */
    private static final int SAMPLES_A_BODY = 500;

    private NodeMemoryTableRun() {
    }

    public static void main(String[] args) throws Exception {
        long interval = Long.parseLong(args[0]);
        long window = Long.parseLong(args[1]);
        String kind = args[2];
        int series = Integer.parseInt(args[3]);
        int senders = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        if (!MemoryTableRun.KINDS.contains(kind)) {
            throw new IllegalArgumentException("kind: one of " + MemoryTableRun.KINDS + ", not " + kind);
        }
        String config = "wal:\n  fsync: never\nsketch:\n  default_window: " + window / 1000 + "s\n";
        String keptState = System.getProperty("weir.query.keptState");
        if (keptState != null) {
            config += "query:\n  kept_state_size: " + keptState + "\n"; // e.g. -Dweir.query.keptState=16MiB
        }
        try (WeirServerProcess weir = WeirServerProcess.start(WeirServerProcess.repoRoot(), config, List.of())) {
            String pid = Long.toString(weir.pid());
            fullGc(pid);
            double rss0 = MemoryTableRun.rssKiB(pid);
            long perSeries = 2 * window / interval;
            long first = System.currentTimeMillis() - perSeries * interval;
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(senders);
            List<Future<Long>> sent = new ArrayList<>();
            for (int t = 0; t < senders; t++) {
                int sender = t;
                sent.add(pool.submit(() -> send(weir.url(), sender, senders, series, perSeries, first, interval, kind)));
            }
            long samples = 0;
            for (Future<Long> f : sent) {
                samples += f.get(); // a sender's failure ends the run here
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - t0) / 1e9;
            fullGc(pid);
            double rss = MemoryTableRun.rssKiB(pid) - rss0;
            String metrics = Http.get(weir.url() + "/metrics").body();
            double inUse = sum(metrics, "weir_sketch_memory_bytes");
            double reserved = sum(metrics, "weir_sketch_memory_reserved_bytes");
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %d | %.1f | %.1f | %.1f | %.0f MiB | %.0f exact, %.0f promoted, %.0f refused, %.0f too old | %.2f M/s |%n",
                MemoryTableRun.duration(interval), MemoryTableRun.duration(window), kind, window / interval, series,
                inUse / 1024 / series, reserved / 1024 / series, rss / series, MemoryTableRun.rssKiB(pid) / 1024,
                sum(metrics, "weir_sketch_exact_series"), sum(metrics, "weir_sketch_promoted_series_total"),
                sum(metrics, "weir_sketch_refused_series_total"), sum(metrics, "weir_sketch_skipped_too_old_total"),
                samples / seconds / 1e6);
            if (Boolean.getBoolean("weir.query.heap")) {
                queryHeap(weir.url(), pid, Math.min(series, 100_000));
            }
        }
    }

    /** Sends the samples of the series {@code s} with {@code s % senders == sender}, slice by slice in time order. */
    private static long send(String url, int sender, int senders, int series, long perSeries, long first, long interval,
                             String kind) throws Exception {
        List<Integer> mine = new ArrayList<>();
        for (int s = sender; s < series; s += senders) {
            mine.add(s);
        }
        SplittableRandom rnd = new SplittableRandom(11 + sender);
        double[] counters = new double[series];
        long samples = 0;
        for (long from = 0; from < perSeries; from += SAMPLES_A_BODY) {
            int n = (int) Math.min(SAMPLES_A_BODY, perSeries - from);
            for (int g = 0; g < mine.size(); g += SERIES_A_BODY) {
                List<Series> body = new ArrayList<>();
                for (int s : mine.subList(g, Math.min(mine.size(), g + SERIES_A_BODY))) {
                    long[] ts = new long[n];
                    double[] vs = new double[n];
                    for (int i = 0; i < n; i++) {
                        ts[i] = first + (from + i) * interval;
                        vs[i] = MemoryTableRun.value(kind, rnd, counters, s, from + i);
                    }
                    body.add(new Series(new String[] {"__name__", "mem", "instance", "host" + s, "job", "memtable"}, ts, vs));
                    samples += n;
                }
                post(url, RemoteWriteBodies.body(body.toArray(new Series[0])));
            }
        }
        return samples;
    }

    /**
     * With {@code -Dweir.query.heap=true}: the heap a node keeps for series it has answered queries over (label views,
     * the series' cuts, their labels' JSON), after a full GC, per series: {@code avg_over_time} over the first
     * {@code n} series (host0 .. host99999 at most, one query under the default {@code query.max_series}), asked
     * twice.
     */
    private static void queryHeap(String url, String pid, int n) throws Exception {
        String query = "avg_over_time(mem{instance=~\"host[0-9]{1," + Integer.toString(n - 1).length() + "}\"}[1h])";
        fullGc(pid);
        double h0 = sum(Http.get(url + "/metrics").body(), "weir_jvm_heap_used_bytes");
        double[] after = new double[2];
        for (int round = 0; round < 2; round++) {
            Http.Response r = Http.get(url, "/api/v1/query", Http.params("query", query));
            if (r.status() != 200) {
                throw new IllegalStateException("query refused: " + r.status() + " " + r.body());
            }
            fullGc(pid);
            after[round] = sum(Http.get(url + "/metrics").body(), "weir_jvm_heap_used_bytes");
        }
        System.out.printf(Locale.ROOT, "heap kept for queried series (%s, up to %d series): %.0f B a series after the"
            + " first query, %.0f B more after the second (heap %.0f -> %.0f -> %.0f MiB)%n", query, n,
            (after[0] - h0) / n, (after[1] - after[0]) / n, h0 / 1048576, after[0] / 1048576, after[1] / 1048576);
        String m = Http.get(url + "/metrics").body();
        System.out.printf(Locale.ROOT, "kept state estimate after the last sweep: %.1f MiB, let go so far: %.0f%n",
            sum(m, "weir_query_kept_state_bytes") / 1048576, sum(m, "weir_query_kept_state_let_go_total"));
        if (System.getProperty("weir.query.keptState") != null) {
            // no reads from here: the sweep after next lets go of what the budget does not hold (timer, every 30 s)
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (sum(Http.get(url + "/metrics").body(), "weir_query_kept_state_let_go_total") == 0 && System.nanoTime() < until) {
                Thread.sleep(1_000);
            }
            fullGc(pid);
            m = Http.get(url + "/metrics").body();
            double swept = sum(m, "weir_jvm_heap_used_bytes");
            System.out.printf(Locale.ROOT, "after a sweep past the budget: heap %.0f MiB (%.0f B a queried series above the"
                + " start), kept state estimate %.1f MiB, let go %.0f%n", swept / 1048576, (swept - h0) / n,
                sum(m, "weir_query_kept_state_bytes") / 1048576, sum(m, "weir_query_kept_state_let_go_total"));
        }
    }

    /** Posts a body until it is taken: 429/503 (the ring or WAL behind) are waited out as a sender would. */
    private static void post(String url, byte[] body) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Http.Response r = RemoteWriteBodies.post(url, body);
            if (r.status() / 100 == 2) {
                return;
            }
            if ((r.status() != 429 && r.status() != 503) || attempt == 1_000) {
                throw new IllegalStateException("write refused: " + r.status() + " " + r.body());
            }
            Thread.sleep(20);
        }
    }

    static void fullGc(String pid) throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java").replaceAll("java$", "jcmd"),
            pid, "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " GC.run failed");
        }
        Thread.sleep(500);
    }

    /** The sum of a metric's samples over its label sets (one per shard). */
    private static double sum(String metrics, String name) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
