package io.weir.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.engine.query.Durations;
import io.weir.engine.series.CanonicalLabels;
import io.weir.net.load.InsertLoad;
import io.weir.net.load.LoadResult;
import io.weir.net.load.RemoteWritePayloads;
import io.weir.net.load.SeriesCatalog;
import io.weir.server.it.Http;
import io.weir.server.it.VictoriaMetricsProcess;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end ingest comparison: the same pre-encoded remote write bodies, the same driver, against VictoriaMetrics
 * and against Weir (each a fresh process on a fresh temporary directory per round, the two alternating which goes
 * first), on this machine. Prints a table per round and the medians, checks Weir's books after each of its runs
 * ({@code /ingest_stats} total = acknowledged samples; {@code count_over_time} of one series = samples sent), and
 * appends the result with the command to a markdown file.
 * <pre>
 *   perf-tests/run-ingest-comparison [--rounds 3] [--warmup 10s] [--duration 20s] [--concurrency 4] [--series 10000]
 *       [--samples-per-request 2000] [--max-rate 2000000] [--out docs/perf-ingest-runs.md] [--weir-jvm-opt OPT]...
 *       [--weir-shards N] (ingest.shards for Weir; default: the node's own, computed from the cores)
 *       [--only weir|vm]      (one system, one run, nothing appended: for profiling)
 *       [--functions all|aggregate]  (Weir's sketches: all 13 functions, the default config (default), or the 8 aggregate ones)
 * </pre>
 */
public final class IngestComparison {
    /** Every function (Weir's default when no target lists functions), over the whole series set, one hour. */
    static final String WEIR_CONFIG_ALL_FUNCTIONS = """
            wal:
              fsync: interval
            sketch:
              default_window: 1h
            """;
    /** Every aggregate function, over the whole series set, one hour: what the benchmark asks of Weir's sketches. */
    static final String WEIR_CONFIG = """
            wal:
              fsync: interval
            sketch:
              default_window: 1h
              targets:
                - match: '{__name__=~".+"}'
                  window: 1h
                  functions: [avg_over_time, sum_over_time, count_over_time, min_over_time, max_over_time,
                              stddev_over_time, stdvar_over_time, sum2_over_time]
            """;
    /** Bucket width Weir picks for the 1 h window above, taken from the same spec the server uses. */
    static final long WEIR_BUCKET_MILLIS = io.weir.engine.sketch.aggregate.AggregateSketchSpec
            .forWindow(3_600_000L, io.weir.engine.sketch.aggregate.AggregateSketchSpec.DEFAULT_MAX_BUCKETS).bucketWidthMillis();
    static final long SCRAPE_INTERVAL_MILLIS = 15_000;

    record Options(int rounds, Duration warmup, Duration duration, int concurrency, int series, int samplesPerRequest,
                   long maxRate, Path out, List<String> weirJvmOptions, String only, String functions, int shards) {
        Options(int rounds, Duration warmup, Duration duration, int concurrency, int series, int samplesPerRequest,
                long maxRate, Path out, List<String> weirJvmOptions, String only, String functions) {
            this(rounds, warmup, duration, concurrency, series, samplesPerRequest, maxRate, out, weirJvmOptions, only, functions, 0);
        }

        Options(int rounds, Duration warmup, Duration duration, int concurrency, int series, int samplesPerRequest,
                long maxRate, Path out, List<String> weirJvmOptions, String only) {
            this(rounds, warmup, duration, concurrency, series, samplesPerRequest, maxRate, out, weirJvmOptions, only, "all");
        }

        /** Weir's config for this run: {@code --functions aggregate} (the 8 aggregate functions) or {@code all}. */
        String weirConfig() {
            String config = functions.equals("all") ? WEIR_CONFIG_ALL_FUNCTIONS : WEIR_CONFIG;
            // --weir-shards N: a narrowed (non-default) ingest config, named beside its figures
            return shards > 0 ? config + "ingest:\n  shards: " + shards + "\n" : config;
        }

        static Options parse(String[] args) {
            int rounds = 3, concurrency = 4, series = 10_000, perRequest = 2_000;
            Duration warmup = Duration.ofSeconds(10), duration = Duration.ofSeconds(20);
            long maxRate = 2_000_000;
            Path out = WeirServerProcess.repoRoot().resolve("docs/perf-ingest-runs.md");
            List<String> jvm = new ArrayList<>();
            String only = "";
            String functions = "all"; // the product's default configuration is what a number should describe
            int shards = 0;
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--warmup" -> warmup = Duration.ofMillis(Durations.parseMillis(v));
                    case "--duration" -> duration = Duration.ofMillis(Durations.parseMillis(v));
                    case "--concurrency" -> concurrency = Integer.parseInt(v);
                    case "--series" -> series = Integer.parseInt(v);
                    case "--samples-per-request" -> perRequest = Integer.parseInt(v);
                    case "--max-rate" -> maxRate = Long.parseLong(v);
                    case "--out" -> out = Path.of(v);
                    case "--weir-jvm-opt" -> jvm.add(v);
                    case "--only" -> only = v;
                    case "--functions" -> functions = v;
                    case "--weir-shards" -> shards = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (rounds < 1 || rounds > 20) {
                throw new IllegalArgumentException("--rounds must be in [1, 20], was " + rounds);
            }
            if (!only.isEmpty() && !only.equals("weir") && !only.equals("vm")) {
                throw new IllegalArgumentException("--only must be weir or vm, was " + only);
            }
            if (!functions.equals("all") && !functions.equals("aggregate")) {
                throw new IllegalArgumentException("--functions must be all or aggregate, was " + functions);
            }
            return new Options(rounds, warmup, duration, concurrency, series, perRequest, maxRate, out, List.copyOf(jvm), only,
                    functions, shards);
        }
    }

    /** One system's run in one round: the driver's numbers and the outcome of the correctness checks. */
    record SystemRun(String system, LoadResult load, Cpu cpu, List<String> checks, List<String> failures) {}

    /** CPU seconds used during the whole load (warm-up included) by the server process and by this driver. */
    record Cpu(double server, double driver, String loadAverage) {
        String describe(long samples) {
            return String.format(Locale.ROOT, "server %.1f CPU-s (%.2f CPU-s per million samples), driver %.1f CPU-s, "
                    + "load average before: %s", server, server / (samples / 1e6), driver, loadAverage);
        }
    }

    /** Runs the load and measures the CPU time the server (by PID) and this JVM used meanwhile. */
    private static LoadResult measured(long serverPid, String url, Options o, RemoteWritePayloads payloads,
                                       PrintStream log, Cpu[] cpu) throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        String loadAverage = loadAverage();
        long server0 = serverCpuNanos(serverPid);
        long driver0 = os.getProcessCpuTime();
        LoadResult load = InsertLoad.run(InsertLoad.Target.of(url), payloads, o.warmup(), o.duration(), log);
        cpu[0] = new Cpu((serverCpuNanos(serverPid) - server0) / 1e9, (os.getProcessCpuTime() - driver0) / 1e9, loadAverage);
        log.println("  " + load.summary());
        log.println("  " + cpu[0].describe(load.totalAckedSamples()));
        return load;
    }

    /** The 1/5/15-minute load averages: other work on the machine shows up here, and in the spread of the rounds. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static long serverCpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
    }

    record Round(int number, SystemRun weir, SystemRun vm) {
        double ratio() { return weir.load().samplesPerSecond() / vm.load().samplesPerSecond(); }
    }

    private IngestComparison() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (!options.only().isEmpty()) {
            // one system only, e.g. under a profiler: no table, no markdown
            RemoteWritePayloads payloads = payloads(options, System.out);
            SystemRun run = options.only().equals("weir")
                    ? runWeir(options, payloads, WeirServerProcess.repoRoot(), System.out, 1)
                    : runVictoriaMetrics(options, payloads, System.out, 1);
            run.checks().forEach(c -> System.out.println("  ok: " + c));
            run.failures().forEach(f -> System.out.println("  FAILED: " + f));
            System.exit(run.failures().isEmpty() ? 0 : 1);
        }
        List<Round> rounds = run(options, System.out);
        String table = table(rounds);
        System.out.println();
        System.out.print(table);
        appendMarkdown(options, args, rounds, table);
        boolean failed = rounds.stream().anyMatch(r -> !r.weir().failures().isEmpty() || !r.vm().failures().isEmpty());
        System.exit(failed ? 1 : 0);
    }

    static RemoteWritePayloads payloads(Options o, PrintStream log) {
        long t0 = System.nanoTime();
        long samples = (long) (o.maxRate() * (o.warmup().toMillis() + o.duration().toMillis()) / 1000.0);
        RemoteWritePayloads p = RemoteWritePayloads.build(SeriesCatalog.of(o.series()), o.concurrency(),
                o.samplesPerRequest(), samples, SCRAPE_INTERVAL_MILLIS, System.currentTimeMillis());
        log.printf(Locale.ROOT, "payload pool: %,d samples (%d rounds of %,d series) in %,d bodies, %,.1f MiB snappy, "
                        + "%.1f bytes/sample, built in %.1f s%n", p.totalSamples(), p.rounds(), o.series(),
                countBodies(p), p.compressedBytes() / 1048576.0,
                p.compressedBytes() / (double) p.totalSamples(), (System.nanoTime() - t0) / 1e9);
        return p;
    }

    private static int countBodies(RemoteWritePayloads p) {
        int n = 0;
        for (int s = 0; s < p.senders(); s++) {
            n += p.bodies(s).length;
        }
        return n;
    }

    static List<Round> run(Options o, PrintStream log) throws IOException, InterruptedException {
        RemoteWritePayloads payloads = payloads(o, log);
        Path root = WeirServerProcess.repoRoot();
        List<Round> rounds = new ArrayList<>();
        for (int r = 1; r <= o.rounds(); r++) {
            SystemRun vm, weir;
            // alternate who goes first, so neither always gets the cooler machine
            if (r % 2 == 1) {
                vm = runVictoriaMetrics(o, payloads, log, r);
                weir = runWeir(o, payloads, root, log, r);
            } else {
                weir = runWeir(o, payloads, root, log, r);
                vm = runVictoriaMetrics(o, payloads, log, r);
            }
            rounds.add(new Round(r, weir, vm));
        }
        return rounds;
    }

    private static SystemRun runVictoriaMetrics(Options o, RemoteWritePayloads payloads, PrintStream log, int round)
            throws IOException, InterruptedException {
        log.printf("round %d: VictoriaMetrics%n", round);
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start()) {
            Cpu[] cpu = new Cpu[1];
            LoadResult load = measured(vm.pid(), vm.url(), o, payloads, log, cpu);
            List<String> checks = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            commonChecks(load, failures);
            long rows = metric(Http.get(vm.url() + "/metrics").body(), "vm_rows_inserted_total{type=\"promremotewrite\"}");
            check(rows == load.totalAckedSamples(), "vm_rows_inserted_total{type=\"promremotewrite\"} " + rows
                    + " = acknowledged " + load.totalAckedSamples(), checks, failures);
            return new SystemRun("VictoriaMetrics", load, cpu[0], checks, failures);
        }
    }

    private static SystemRun runWeir(Options o, RemoteWritePayloads payloads, Path root, PrintStream log, int round)
            throws IOException, InterruptedException {
        log.printf("round %d: Weir%n", round);
        try (WeirServerProcess weir = WeirServerProcess.start(root, o.weirConfig(), o.weirJvmOptions())) {
            Cpu[] cpu = new Cpu[1];
            LoadResult load = measured(weir.pid(), weir.url(), o, payloads, log, cpu);
            List<String> checks = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            commonChecks(load, failures);
            JsonNode stats = Http.get(weir.url() + "/ingest_stats").json();
            long total = stats.path("total_samples").asLong(-1);
            check(total == load.totalAckedSamples(), "/ingest_stats total_samples " + total + " = acknowledged "
                    + load.totalAckedSamples(), checks, failures);
            checkCountOverTime(weir.url(), payloads, load, checks, failures);
            if (!weir.isAlive()) {
                failures.add("weir exited during the run:\n" + weir.logTail(40));
            }
            return new SystemRun("Weir", load, cpu[0], checks, failures);
        }
    }

    private static void commonChecks(LoadResult load, List<String> failures) {
        if (load.totalAckedSamples() == 0) {
            failures.add("no sample acknowledged");
        }
        if (load.serverErrors() > 0 || load.clientErrors() > 0 || load.transportErrors() > 0) {
            failures.add("errors: 4xx " + load.clientErrors() + ", 5xx " + load.serverErrors() + ", transport "
                    + load.transportErrors());
        }
    }

    /**
     * {@code count_over_time(series[1h])} at the bucket edge after the series' last sample (an exact window) must
     * equal the samples of that series sent within it. Series 0 is the first one every round starts with.
     */
    static void checkCountOverTime(String url, RemoteWritePayloads payloads, LoadResult load, List<String> checks,
                                   List<String> failures) throws IOException, InterruptedException {
        int series = 0;
        int bodies = load.bodiesAcked()[series % payloads.senders()];
        if (bodies <= 0) {
            failures.add("count_over_time check impossible: sender of series " + series + " skipped or sent nothing");
            return;
        }
        int sent = payloads.roundsSent(series, bodies);
        long last = payloads.timestamp(series, sent - 1);
        long at = (Math.floorDiv(last - 1, WEIR_BUCKET_MILLIS) + 1) * WEIR_BUCKET_MILLIS;
        int expected = 0;
        for (int r = 0; r < sent; r++) {
            long ts = payloads.timestamp(series, r);
            if (ts > at - 3_600_000 && ts <= at) {
                expected++;
            }
        }
        String query = "count_over_time(" + selector(payloads.catalog().labels(series)) + "[1h])";
        String get = url + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
                + "&time=" + at / 1000 + "." + String.format(Locale.ROOT, "%03d", at % 1000);
        // a 204 means applied to the sketches (read your writes); the poll only absorbs a slow query path
        Http.Response resp;
        JsonNode result;
        double got;
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            resp = Http.get(get);
            result = resp.json().path("data").path("result");
            got = result.size() == 1 ? result.get(0).path("value").path(1).asDouble(Double.NaN) : Double.NaN;
            if (got == expected) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        String source = resp.header("X-Weir-Source");
        check(got == expected, query + " @" + at + " = " + (result.size() == 1 ? got : resp.body()) + " (source "
                + source + "), expected " + expected, checks, failures);
    }

    static String selector(byte[] labels) {
        StringBuilder sb = new StringBuilder("{");
        CanonicalLabels.forEach(labels, 0, labels.length, (buf, no, nl, vo, vl) -> {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(new String(buf, no, nl, StandardCharsets.UTF_8)).append("=\"")
                    .append(new String(buf, vo, vl, StandardCharsets.UTF_8).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        });
        return sb.append('}').toString();
    }

    private static void check(boolean ok, String what, List<String> checks, List<String> failures) {
        (ok ? checks : failures).add(what);
    }

    static long metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    static String table(List<Round> rounds) {
        StringBuilder sb = new StringBuilder();
        sb.append("| round | Weir samples/s | VM samples/s | Weir/VM | Weir p50 / p99 ms | VM p50 / p99 ms "
                + "| CPU-s per M samples Weir / VM | checks |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Round r : rounds) {
            LoadResult w = r.weir().load(), v = r.vm().load();
            boolean ok = r.weir().failures().isEmpty() && r.vm().failures().isEmpty();
            sb.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f | %.1f / %.1f | %.1f / %.1f | %.2f / %.2f | %s |%n",
                    r.number(), w.samplesPerSecond(), v.samplesPerSecond(), r.ratio(), w.p50Micros() / 1000.0,
                    w.p99Micros() / 1000.0, v.p50Micros() / 1000.0, v.p99Micros() / 1000.0, cpuPerMillion(r.weir()),
                    cpuPerMillion(r.vm()), ok ? "ok" : "FAILED"));
        }
        sb.append(String.format(Locale.ROOT, "| **median** | **%,.0f** | **%,.0f** | **%.2f** | %.1f / %.1f | %.1f / %.1f | %.2f / %.2f | |%n",
                median(rounds, r -> r.weir().load().samplesPerSecond()), median(rounds, r -> r.vm().load().samplesPerSecond()),
                median(rounds, Round::ratio),
                median(rounds, r -> r.weir().load().p50Micros() / 1000.0), median(rounds, r -> r.weir().load().p99Micros() / 1000.0),
                median(rounds, r -> r.vm().load().p50Micros() / 1000.0), median(rounds, r -> r.vm().load().p99Micros() / 1000.0),
                median(rounds, r -> cpuPerMillion(r.weir())), median(rounds, r -> cpuPerMillion(r.vm()))));
        return sb.toString();
    }

    private static double cpuPerMillion(SystemRun s) {
        return s.cpu().server() / (s.load().totalAckedSamples() / 1e6);
    }

    static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void appendMarkdown(Options o, String[] args, List<Round> rounds, String table) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("\n## ").append(Instant.now()).append("\n\n");
        sb.append("Command: `perf-tests/run-ingest-comparison ").append(String.join(" ", args)).append("`  \n");
        sb.append(String.format(Locale.ROOT, "Load: %,d series, %,d samples per request (one sample per series entry), "
                        + "%d senders, %s warm-up + %s measured per system per round, scrape interval %d s.  %n",
                o.series(), o.samplesPerRequest(), o.concurrency(), o.warmup(), o.duration(), SCRAPE_INTERVAL_MILLIS / 1000));
        sb.append("Machine: ").append(machine()).append("\n\n");
        sb.append(table).append('\n');
        for (Round r : rounds) {
            for (SystemRun s : List.of(r.weir(), r.vm())) {
                sb.append("- round ").append(r.number()).append(' ').append(s.system()).append(": ")
                        .append(s.load().summary()).append("; ").append(s.cpu().describe(s.load().totalAckedSamples()))
                        .append('\n');
                for (String f : s.failures()) {
                    sb.append("  - FAILED: ").append(f).append('\n');
                }
                for (String c : s.checks()) {
                    sb.append("  - ok: ").append(c).append('\n');
                }
            }
        }
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        Files.writeString(o.out(), sb.toString(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.println("appended to " + o.out());
    }

    static String machine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException ignored) {
            // not Linux: leave it unknown
        }
        return String.format(Locale.ROOT, "%d cores (%s), %.0f GiB RAM, %s %s, JDK %s", Runtime.getRuntime().availableProcessors(),
                cpu, totalMemoryGiB(), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.version"));
    }

    private static double totalMemoryGiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0;
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        return Double.NaN;
    }
}
