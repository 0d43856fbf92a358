package io.weir.bench;

import io.weir.engine.query.SketchQueryEngine;
import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.slab.SlabArena;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The evaluator over the default configuration's storage: every family targeted (6 h window) with the exact tier
 * on (256 KiB), so the 1,000 series of {@code QueryComparison} (10 jobs x 100 instances, 24 h 15 min of 15 s
 * latency-like samples, 25 h window) are held as raw samples and answered exactly. The same query shapes as
 * {@code QueryComparison}, without HTTP: {@code steps = 241} is its range query (last 4 h at 60 s steps).
 */
@State(Scope.Thread)
public class ExactTierQueryBenchmark extends WeirForkedBenchmark {
    private static final long WINDOW_MS = 25 * 3_600_000L;
    private static final int JOBS = 10;

    /** The expression; a ';' stands for a ',' (JMH splits -p values at commas). */
    @Param({"avg_over_time(m[5h])", "max_over_time(m[5h])", "quantile_over_time(0.99, m[5h])",
            "distinct_over_time(m[5h])", "sum by (job) (avg_over_time(m[1h]))"})
    public String query;

    @Param({"1"})
    public int steps;

    /** Series written, spread over 10 jobs (the scaling table varies it: 10, 100, 1,000). */
    @Param({"1000"})
    public int series;

    /** Seconds between samples (15 as QueryComparison writes by default; 1 is the dense shape). */
    @Param({"15"})
    public int scrapeSeconds;

    /** Hours of samples each series holds (QueryComparison writes 24 h 15 min). */
    @Param({"24"})
    public int hours;

    /** Threads reading one leaf (query.read_parallelism; the node's default is the cores). */
    @Param({"1", "2"})
    public int readParallelism;

    /**
     * When the (last) step is: {@code now} a second after the newest sample, as a dashboard's or a rule's query at the
     * current time; {@code minute} the last whole minute (before the newest sample: the open chunk is cut by the
     * window); {@code moving} a scrape later at every call, from an hour before the newest sample up to it and round
     * again (a panel refreshed once a scrape: each window starts a sample later than the last).
     */
    @Param({"now", "minute"})
    public String at;

    /**
     * True: every call starts with the CPU caches holding something else (64 MiB written before it, outside the
     * timing), as in a node whose queries come between other work -- the peer's queries in QueryComparison, ingest.
     */
    @Param({"false"})
    public boolean coldCaches;

    /**
     * Calls of every shape (instant and the 241-step range), interleaved, before the measured one is timed: the
     * compiled code a node ends with after serving a dashboard's mix, rather than one shape's clean profile.
     */
    @Param({"0"})
    public int mixedWarmupRounds;

    private byte[] evictor;

    private java.util.concurrent.ExecutorService readPool;

    private Path dir;
    private SeriesTable table;
    private SketchShard shard;
    private SketchQueryEngine engine;
    private Expr expr;
    private long end;
    private long newest;
    private long scrapeMs;
    /** Calls so far ({@code at=moving}: the window moves a scrape a call, over this many calls). */
    private long calls;
    private static final int MOVING_CALLS = 240;

    @Setup(Level.Trial)
    public void setUp() {
        dir = TempDirs.create("weir-bench-exact-");
        table = SeriesTable.open(dir, Math.max(1024, series));
        SketchTargets targets = SketchTargets.everyFunction(WINDOW_MS);
        shard = new SketchShard(1, new SlabArena(4L << 30, 1 << 20, 64), targets, 256 << 10);
        int n = series;
        int[] ids = new int[n];
        for (int k = 0; k < n; k++) {
            ids[k] = table.getOrCreate(CanonicalLabels.of("__name__", "m", "instance", "host" + k + ":9100",
                    "job", "job" + (k % JOBS))); // sorted by name, as the node stores every label set
        }
        long first = SyntheticSeries.START_MS;
        long scrapeMs = scrapeSeconds * 1000L;
        int samples = (int) ((hours * 3_600_000L + 15 * 60_000L) / scrapeMs);
        for (int i = 0; i < samples; i++) {
            long ts = first + 1_000 + i * scrapeMs;
            for (int k = 0; k < n; k++) {
                shard.update(ids[k], ts, 100 + ((i * 7919L + k * 104_729L) % 997) / 10.0);
            }
        }
        long newest = first + 1_000 + (samples - 1) * scrapeMs;
        end = at.equals("now") ? newest + 1_000 : (first + samples * scrapeMs) / 60_000 * 60_000;
        this.newest = newest;
        this.scrapeMs = scrapeMs;
        readPool = readParallelism > 1 ? java.util.concurrent.Executors.newFixedThreadPool(readParallelism - 1) : null;
        engine = new SketchQueryEngine(table, new SketchShard[] {shard}, true, readPool, readParallelism);
        warmWithMix();
        // JMH splits -p values at commas: `-p 'query=topk(10; quantile_over_time(0.99; m[1h]))'` selects one with commas
        expr = PromQLParser.parse(query.replace(';', ','));
        QueryResult r = evaluate();
        System.out.printf("%n[%s, %d steps] %d series, %s, exact series %d%n", query, steps, r.series().size(),
                r.resultType(), shard.exactSeries());
    }

    private void warmWithMix() {
        String[] shapes = {"avg_over_time(m[5h])", "quantile_over_time(0.99, m[5h])", "max_over_time(m[5h])",
            "distinct_over_time(m[5h])", "sum by (job) (avg_over_time(m[1h]))", "topk(10, quantile_over_time(0.99, m[1h]))"};
        for (int round = 0; round < mixedWarmupRounds; round++) {
            for (String shape : shapes) {
                ExprEvaluator.evaluate(PromQLParser.parse(shape), engine, end, end, 0, EvalLimits.none(), new String[1]);
            }
            if (round % 4 == 0) {
                ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1h])"), engine, end - 240 * 60_000L, end, 60_000L,
                    EvalLimits.none(), new String[1]);
            }
        }
    }

    @Setup(Level.Invocation)
    public void evictCaches() {
        if (coldCaches) {
            if (evictor == null) {
                evictor = new byte[64 << 20];
            }
            for (int i = 0; i < evictor.length; i += 64) {
                evictor[i]++;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (readPool != null) {
            readPool.shutdownNow();
        }
        shard.close();
        table.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public QueryResult evaluate() {
        if (at.equals("moving")) {
            end = newest - (MOVING_CALLS - 1 - calls++ % MOVING_CALLS) * scrapeMs;
        }
        long start = steps == 1 ? end : end - (steps - 1) * 60_000L;
        return ExprEvaluator.evaluate(expr, engine, start, end, steps == 1 ? 0 : 60_000L, EvalLimits.none(), new String[1]);
    }
}
