package io.weir.perf;

import io.weir.server.it.Http;
import io.weir.server.it.RemoteWriteBodies;
import io.weir.server.it.RemoteWriteBodies.Series;
import io.weir.server.it.VictoriaMetricsProcess;

import io.weir.engine.query.eval.LocalPlanner;
import io.weir.engine.query.eval.MixedPlan;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.net.load.InsertLoad;
import io.weir.net.load.LoadResult;
import io.weir.net.load.RemoteWritePayloads;
import io.weir.net.load.SeriesCatalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Query latency, Weir (sketches, local PromQL evaluation) beside VictoriaMetrics (raw samples, rollup cache on),
 * in one run on this machine: the same 1,000 series (10 jobs x 100 instances, 24 h 15 min of 15 s samples) are
 * written to both, then each query shape is asked {@code warmup} times (JIT, caches) and {@code runs} times
 * measured, the two systems alternating per request. Prints the median and p90 per shape and system; checks that
 * Weir answered every shape from sketches and that both return the same series count.
 * <pre>
 *   java -cp ... io.weir.perf.QueryComparison [--runs 30] [--warmup 150] [--warmup-seconds 20] [--load-series 10000 --load-seconds 20]
 *       [--load-history true] [--client lean|jdk]
 * </pre>
 * With {@code --load-series}, Weir's latencies are then measured again while a remote write load runs against
 * it (p99 under load beside p99 idle).
 * <pre>
 * </pre>
 */
public final class QueryComparison {
    private static final int JOBS = 10;
    /** Series written (10 jobs): {@code --series}, 1,000 by default. */
    private static int seriesCount = 1_000;
    /** Sample interval: {@code --interval-seconds}, 15 by default (1 s with 50 series is the dense shape). */
    private static long scrape = 15_000;
    private static final String WEIR_CONFIG = """
            wal:
              fsync: never
            sketch:
              default_window: 25h
            """;
    /** Hours of data written ({@code --hours}, 24 by default: the 24 h range query reads all of it). */
    private static long hours = 24;
    /**
     * {@code --load-history true}: the load writes hours of history (15 s apart, ending now) instead of the last
     * minutes -- a sender catching up, whose samples are all behind the node's sealed horizon.
     */
    private static boolean loadHistory;
    /**
     * {@code --weir-backend true}: Weir runs with VictoriaMetrics as its backend and the data is written to Weir only
     * (its forwarder takes it on), as a user runs it; mixed shapes (sketch leaves with a raw-sample part) are added.
     * Windows that reach before a series' first sample then go to the backend, so keep {@code --hours} above the
     * longest window.
     */
    private static boolean weirBackend;
    /**
     * {@code --client lean} (default): the timed calls go through {@link LeanHttpClient} (one kept-alive connection
     * per server, the calling thread reads the answer); {@code --client jdk}: through the JDK's HttpClient, as
     * before session 11 (1-3 ms more per call here, to both servers).
     */
    private static boolean leanClient = true;
    /**
     * {@code --warmup-seconds}, 20 by default: each shape is warmed for at least this long as well as at least
     * {@code --warmup} calls. 150 calls of a cheap shape take a few seconds here, and on 2 shared cores the JIT's
     * compiler threads need longer than that to finish the query path (session 6: 150 -> 1,500 calls halved
     * Weir's times); a dashboard that has been open for a minute is past this point.
     */
    private static long warmupSeconds = 20;
    private static final LeanHttpClient LEAN = new LeanHttpClient();
    /**
     * {@code --settle true}: before each timed call, wait (up to 200 ms) until the other server has used under 50 us
     * of CPU in 2 ms, so neither is timed while the other still works on its previous answer ({@link QuietProcess}).
     */
    private static boolean settle;
    /**
     * {@code --order alternate} (default): Weir and VictoriaMetrics called in turn, so drift on a shared machine hits
     * both alike; {@code --order blocks}: each system's runs of a shape back to back, so neither is timed right
     * after the other has filled the caches with its own data (a node serving a dashboard on its own).
     */
    private static boolean blocks;

    public static void main(String[] args) throws Exception {
        int runs = 30;
        int warmup = 150; // as the figures: both servers warmed by 150 calls a shape
        StringBuilder queryKeys = new StringBuilder();
        int loadSeries = 0;
        int loadSeconds = 20;
        String only = null;
        String extraShape = null;
        String extraRangeShape = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--load-series" -> loadSeries = Integer.parseInt(args[i + 1]);
                case "--load-seconds" -> loadSeconds = Integer.parseInt(args[i + 1]);
                case "--load-history" -> loadHistory = Boolean.parseBoolean(args[i + 1]);
                case "--weir-backend" -> weirBackend = Boolean.parseBoolean(args[i + 1]);
                // e.g. --only 'avg_over_time\(m\[5h' : the shapes whose query contains a match (profiling one shape)
                case "--only" -> only = args[i + 1];
                // e.g. --extra-shape 'vector(1)': one more instant shape (the HTTP path's floor)
                case "--extra-shape" -> extraShape = args[i + 1];
                // e.g. --extra-range-shape 'rate(m[5m])' with --weir-backend true: a panel Weir forwards (last 4 h, 60 s steps)
                case "--extra-range-shape" -> extraRangeShape = args[i + 1];
                case "--order" -> blocks = switch (args[i + 1]) {
                    case "alternate" -> false;
                    case "blocks" -> true;
                    default -> throw new IllegalArgumentException("--order alternate|blocks");
                };
                case "--settle" -> settle = Boolean.parseBoolean(args[i + 1]);
                case "--warmup-seconds" -> warmupSeconds = Long.parseLong(args[i + 1]);
                case "--client" -> leanClient = switch (args[i + 1]) {
                    case "lean" -> true;
                    case "jdk" -> false;
                    default -> throw new IllegalArgumentException("--client lean|jdk");
                };
                case "--series" -> seriesCount = Integer.parseInt(args[i + 1]);
                case "--interval-seconds" -> scrape = Long.parseLong(args[i + 1]) * 1000;
                case "--hours" -> hours = Long.parseLong(args[i + 1]);
                // e.g. --weir-query cache_size=0: Weir without its range result cache (VictoriaMetrics keeps its
                // own); --weir-query warmup_queries=0: without its start-up warm-up. Repeatable.
                case "--weir-query" -> queryKeys.append("  ").append(args[i + 1].replaceFirst("=", ": ")).append('\n');
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String config = queryKeys.isEmpty() ? WEIR_CONFIG : WEIR_CONFIG + "query:\n" + queryKeys;
        long end = (System.currentTimeMillis() / 60_000 - 2) * 60_000;
        long first = end - (hours * 3_600_000L + 15 * 60_000L);
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start(true);
             WeirServerProcess weir = WeirServerProcess.start(WeirServerProcess.repoRoot(),
                     weirBackend ? config + "backend:\n  url: '" + vm.url() + "'\n" : config,
                     // -Dweir.jvm.extra="-XX:StartFlightRecording=..." profiles the node during the run
                     java.util.Arrays.stream(System.getProperty("weir.jvm.extra", "").split(" ")).filter(o -> !o.isBlank()).toList())) {
            long samples = write(weir.url(), weirBackend ? null : vm.url(), first, end);
            awaitCount(weir.url(), end, samples, null);
            awaitCount(vm.url(), end, samples, vm);
            String[][] allShapes = {
                    {"avg_over_time(m[5h])", null},
                    {"quantile_over_time(0.99, m[5h])", null},
                    {"max_over_time(m[5h])", null},
                    {"distinct_over_time(m[5h])", null},
                    {"avg_over_time(m[1h])", "range"},
                    {"sum by (job) (avg_over_time(m[1h]))", null},
                    {"topk(10, quantile_over_time(0.99, m[1h]))", null},
                    {"quantile_over_time(0.99, m[5m])", "range24h"},
            };
            if (weirBackend) {
                String[][] mixed = {
                        {"avg_over_time(m[5h]) / on (job, instance) m", null},
                        {"avg_over_time(m[1h]) / on (job, instance) m", null},
                        {"sum by (job) (avg_over_time(m[1h])) / on (job) count by (job) (m)", null},
                        {"max_over_time(m[1h]) - m", "range"},
                };
                int n = allShapes.length;
                allShapes = Arrays.copyOf(allShapes, n + mixed.length);
                System.arraycopy(mixed, 0, allShapes, n, mixed.length);
            }
            if (extraShape != null) {
                allShapes = withShape(allShapes, extraShape, null);
            }
            if (extraRangeShape != null) {
                allShapes = withShape(allShapes, extraRangeShape, "range");
            }
            java.util.regex.Pattern onlyPattern = only == null ? null : java.util.regex.Pattern.compile(only);
            String[][] shapes = Arrays.stream(allShapes)
                    .filter(s -> onlyPattern == null || onlyPattern.matcher(s[0]).find()).toArray(String[][]::new);
            long[][] idle = new long[shapes.length][];
            System.out.printf(Locale.ROOT, "%n%d series, %d samples; at least %d warm-up calls and %d s of them, then %d measured requests per shape and system; %s client%n%n",
                    seriesCount, samples, warmup, warmupSeconds, runs, leanClient ? "lean" : "JDK HttpClient");
            System.out.println("| query | Weir median | Weir p90 | Weir p99 | VictoriaMetrics median | VictoriaMetrics p90 | VM / Weir (median) |");
            System.out.println("|---|---|---|---|---|---|---|");
            double[] serverMeanMs = new double[shapes.length];
            int[] warmupCalls = new int[shapes.length];
            for (int si = 0; si < shapes.length; si++) {
                String[] shape = shapes[si];
                boolean range = shape[1] != null;
                String path = range ? "/api/v1/query_range" : "/api/v1/query";
                Map<String, String> params = params(shape, end);
                long[] w = new long[runs];
                long[] v = new long[runs];
                // warm-up: at least `warmup` calls each and at least warmupSeconds of calls (the two alternating)
                long warmUntil = System.nanoTime() + warmupSeconds * 1_000_000_000L;
                int warmed = 0;
                while (warmed < warmup || System.nanoTime() < warmUntil) {
                    timed(weir.url(), path, params, true, shape[0]);
                    timed(vm.url(), path, params, false, shape[0]);
                    warmed++;
                }
                warmupCalls[si] = warmed;
                double[] serverBefore = serverQuerySeconds(weir.url());
                QuietProcess vmQuiet = new QuietProcess(vm.pid());
                QuietProcess weirQuiet = new QuietProcess(weir.pid());
                double settledMs = 0;
                for (int i = 0; i < runs; i++) {
                    if (settle) {
                        settledMs += vmQuiet.await(2_000, 50, 200);
                    }
                    w[i] = timed(weir.url(), path, params, true, shape[0]);
                    if (blocks) {
                        continue;
                    }
                    if (settle) {
                        settledMs += weirQuiet.await(2_000, 50, 200);
                    }
                    v[i] = timed(vm.url(), path, params, false, shape[0]);
                }
                for (int i = 0; blocks && i < runs; i++) {
                    if (settle && i == 0) {
                        settledMs += weirQuiet.await(2_000, 50, 200);
                    }
                    v[i] = timed(vm.url(), path, params, false, shape[0]);
                }
                if (settle) {
                    System.out.printf(Locale.ROOT, "(settling waited %.1f ms a call pair on average)%n", settledMs / runs);
                }
                double[] serverAfter = serverQuerySeconds(weir.url());
                serverMeanMs[si] = (serverAfter[0] - serverBefore[0]) / Math.max(1, serverAfter[1] - serverBefore[1]) * 1e3;
                sameSeriesCount(weir.url(), vm.url(), path, params, shape[0]);
                Arrays.sort(w);
                Arrays.sort(v);
                idle[si] = w;
                System.out.printf(Locale.ROOT, "| `%s`%s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2fx |%n", shape[0],
                        describe(shape), ms(w[runs / 2]), ms(w[runs * 9 / 10]), ms(w[percentile99(runs)]),
                        ms(v[runs / 2]), ms(v[runs * 9 / 10]), (double) v[runs / 2] / w[runs / 2]);
            }
            // the node's own query latency (weir_query_duration_seconds: parse to response handed to the event loop)
            // beside what the client saw: the difference is the HTTP path and the scheduling of a loaded machine
            System.out.printf(Locale.ROOT, "%nWeir's server-side mean per shape (weir_query_duration_seconds sum / count over the measured runs):%n");
            for (int si = 0; si < shapes.length; si++) {
                System.out.printf(Locale.ROOT, "| `%s`%s | %.2f ms | %d warm-up calls |%n", shapes[si][0], describe(shapes[si]),
                        serverMeanMs[si], warmupCalls[si]);
            }
            printCacheCounters(weir.url());
            if (loadSeries > 0) {
                underLoad(weir.url(), shapes, idle, end, loadSeries, loadSeconds);
                System.out.println("after the load:");
                printCacheCounters(weir.url());
            }
        }
    }

    private static void printCacheCounters(String weir) throws Exception {
        for (String line : Http.get(weir, "/metrics", Map.of()).body().split("\n")) {
            if (line.startsWith("weir_query_cache_")) {
                System.out.println(line);
            }
        }
    }

    private static Map<String, String> params(String[] shape, long end) {
        String t = Long.toString(end / 1000);
        if (shape[1] == null) {
            return Http.params("query", shape[0], "time", t);
        }
        long back = "range24h".equals(shape[1]) ? 24 * 3_600_000L : 4 * 3_600_000L;
        return Http.params("query", shape[0], "start", Long.toString((end - back) / 1000), "end", t, "step", "60");
    }

    private static String describe(String[] shape) {
        return shape[1] == null ? "" : "range24h".equals(shape[1]) ? " (range, last 24 h, 60 s steps)" : " (range, last 4 h, 60 s steps)";
    }

    private static int percentile99(int n) {
        return Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1);
    }

    /**
     * Weir's query latency while {@code ./weir bench insert}'s load generator writes to it (other series, other
     * metric names, so the answers do not change): the shapes asked round-robin for as long as the load runs,
     * each latency set beside the idle one. The load's own rate is printed: on a small machine the load generator
     * and the node share the cores, which is part of what is measured.
     */
    private static void underLoad(String weir, String[][] shapes, long[][] idle, long end, int series, int seconds) throws Exception {
        // enough requests for the whole run at up to 1.5 M samples/s (beyond that the pool runs out and the load
        // ends early, which the printed summary says). Their timestamps lie in the last 4 minutes, as a live
        // sender's do: history older than query.cache_offset would be a backfill, which drops the node's cached
        // range results at every batch (correctly, but not what a node under live ingest sees)
        long samples = (seconds + 5) * 1_500_000L;
        long rounds = Math.max(1, samples / series);
        RemoteWritePayloads payloads = RemoteWritePayloads.build(SeriesCatalog.of(series), 4, 2_000,
                samples, loadHistory ? 15_000 : Math.max(1, 240_000 / rounds), System.currentTimeMillis());
        AtomicReference<LoadResult> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread load = Thread.ofPlatform().name("query-comparison-load").start(() -> {
            try {
                result.set(InsertLoad.run(InsertLoad.Target.of(weir), payloads, Duration.ofSeconds(5), Duration.ofSeconds(seconds), null));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        List<List<Long>> loaded = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            loaded.add(new ArrayList<>());
        }
        Thread.sleep(5_000); // the load's warm-up
        while (load.isAlive()) {
            for (int i = 0; i < shapes.length && load.isAlive(); i++) {
                boolean range = shapes[i][1] != null;
                loaded.get(i).add(timed(weir, range ? "/api/v1/query_range" : "/api/v1/query", params(shapes[i], end), true, shapes[i][0]));
            }
        }
        load.join();
        if (failure.get() != null) {
            throw new IllegalStateException("load generator failed", failure.get());
        }
        System.out.printf(Locale.ROOT, "%nUnder ingest load (%,d series, 4 senders of 2,000-sample requests): %s%n%n",
                series, result.get().summary());
        System.out.println("| query | idle median | idle p99 | loaded median | loaded p99 | loaded p99 / idle p99 | queries under load |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int i = 0; i < shapes.length; i++) {
            long[] l = loaded.get(i).stream().mapToLong(Long::longValue).sorted().toArray();
            if (l.length == 0) {
                continue;
            }
            long[] w = idle[i];
            System.out.printf(Locale.ROOT, "| `%s`%s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2fx | %d |%n", shapes[i][0],
                    describe(shapes[i]), ms(w[w.length / 2]), ms(w[percentile99(w.length)]), ms(l[l.length / 2]),
                    ms(l[percentile99(l.length)]), (double) l[percentile99(l.length)] / w[percentile99(w.length)], l.length);
        }
    }

    private static double ms(long nanos) { return nanos / 1e6; }

    /** The node's weir_query_duration_seconds sum and count. */
    private static double[] serverQuerySeconds(String weir) throws Exception {
        Http.Response r = Http.get(weir, "/metrics", Map.of());
        double sum = 0;
        double count = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("weir_query_duration_seconds_sum")) {
                sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("weir_query_duration_seconds_count")) {
                count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }

    private static long write(String weir, String vm, long first, long end) throws Exception {
        long total = 0;
        int n = (int) ((end - first) / scrape);
        int perBody = Math.max(1, Math.min(20, 120_000 / n)); // bodies of at most ~120,000 samples
        for (int from = 0; from < seriesCount; from += perBody) {
            List<Series> batch = new ArrayList<>();
            for (int k = from; k < Math.min(seriesCount, from + perBody); k++) {
                long[] ts = new long[n];
                double[] vs = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = first + 1_000 + i * scrape;
                    // a latency-like series: a few hundred distinct values per window
                    vs[i] = 100 + ((i * 7919L + k * 104_729L) % 997) / 10.0;
                }
                batch.add(new Series(new String[] {"__name__", "m", "job", "job" + (k % JOBS), "instance", "host" + k + ":9100"}, ts, vs));
                total += n;
            }
            byte[] body = RemoteWriteBodies.body(batch.toArray(new Series[0]));
            check(RemoteWriteBodies.post(weir, body), "Weir");
            if (vm != null) {
                check(RemoteWriteBodies.post(vm, body), "VictoriaMetrics");
            }
        }
        return total;
    }

    private static void check(Http.Response r, String who) {
        if (r.status() / 100 != 2) {
            throw new IllegalStateException(who + " refused a write: " + r.status() + " " + r.body());
        }
    }

    /** Waits until the server at {@code url} counts every sample written (VictoriaMetrics flushed before each look). */
    private static void awaitCount(String url, long end, long samples, VictoriaMetricsProcess vm) throws Exception {
        long deadline = System.currentTimeMillis() + 600_000;
        while (true) {
            if (vm != null) {
                vm.forceFlush();
            }
            Http.Response r = Http.get(url, "/api/v1/query", Http.params("query", "sum(count_over_time(m[25h]))", "time", Long.toString(end / 1000)));
            if (r.status() == 200) {
                com.fasterxml.jackson.databind.JsonNode result = r.json().path("data").path("result");
                if (result.size() == 1 && result.get(0).path("value").get(1).asDouble() == samples) {
                    return;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(url + " does not hold the samples written: " + r.body());
            }
            Thread.sleep(200);
        }
    }

    private static long timed(String base, String path, Map<String, String> params, boolean weir, String q) throws Exception {
        String source;
        long took;
        if (leanClient) {
            long t0 = System.nanoTime();
            LeanHttpClient.Answer r = LEAN.get(base, path, params);
            took = System.nanoTime() - t0;
            source = r.header("X-Weir-Source");
            if (r.status() != 200) {
                throw new IllegalStateException(q + ": HTTP " + r.status() + " " + r.text());
            }
        } else {
            long t0 = System.nanoTime();
            Http.Response r = Http.get(base, path, params);
            took = System.nanoTime() - t0;
            source = r.header("X-Weir-Source");
            if (r.status() != 200) {
                throw new IllegalStateException(q + ": HTTP " + r.status() + " " + r.body());
            }
        }
        Expr e = PromQLParser.parse(q);
        // mixed plans answer instant queries only
        String expected = LocalPlanner.reasonNotLocal(e) == null ? "sketch"
                : MixedPlan.externals(e) != null && path.endsWith("/query") ? "mixed" : "backend";
        if (weir && !expected.equals(source)) {
            throw new IllegalStateException(q + " not answered by " + expected + ": " + source);
        }
        return took;
    }

    private static void sameSeriesCount(String weir, String vm, String path, Map<String, String> params, String q) throws Exception {
        int a = Http.get(weir, path, params).json().path("data").path("result").size();
        int b = Http.get(vm, path, params).json().path("data").path("result").size();
        if (a != b) {
            throw new IllegalStateException(q + ": Weir returned " + a + " series, VictoriaMetrics " + b);
        }
    }

    private static String[][] withShape(String[][] shapes, String query, String kind) {
        String[][] out = Arrays.copyOf(shapes, shapes.length + 1);
        out[shapes.length] = new String[] {query, kind};
        return out;
    }
}
