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
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The PromQL evaluator over real sketches: 1,000 series (10 jobs x 100 instances) with 2 h of 15 s samples, 1 h
 * aggregate sketches; per operation one whole query, parse excluded. {@code steps = 1} is an instant query,
 * {@code steps = 61} a range query over the last 30 min at 30 s steps. Shows the cost of the operator tree over the
 * leaf reads (compare the bare leaf) and the bytes allocated per query.
 */
@State(Scope.Thread)
public class ExprEvaluateBenchmark extends WeirForkedBenchmark {
    private static final long WINDOW_MS = 3_600_000L;
    private static final int JOBS = 10;
    private static final int INSTANCES = 100;

    @Param({"avg_over_time(m[5m])", "sum by (job) (avg_over_time(m[5m]))", "topk(10, max_over_time(m[5m]))",
            "avg_over_time(m[5m]) / on(job) group_left sum by (job) (avg_over_time(m[5m]))"})
    public String query;

    @Param({"1", "61"})
    public int steps;

    private Path dir;
    private SeriesTable table;
    private SketchShard shard;
    private SketchQueryEngine engine;
    private Expr expr;
    private long end;

    @Setup(Level.Trial)
    public void setUp() {
        dir = TempDirs.create("weir-bench-eval-");
        table = SeriesTable.open(dir, JOBS * INSTANCES);
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(WINDOW_MS, 225);
        shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 64), id -> spec);
        int[] ids = new int[JOBS * INSTANCES];
        for (int j = 0; j < JOBS; j++) {
            for (int i = 0; i < INSTANCES; i++) {
                ids[j * INSTANCES + i] = table.getOrCreate(CanonicalLabels.of("__name__", "m", "instance", "host" + i + ":9100",
                        "job", "job" + j)); // sorted by name, as the node stores every label set
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        int scrapes = (int) (2 * WINDOW_MS / SyntheticSeries.SCRAPE_MS);
        long last = 0;
        for (int s = 1; s <= scrapes; s++) {
            last = SyntheticSeries.START_MS + s * SyntheticSeries.SCRAPE_MS;
            for (int id : ids) {
                shard.update(id, last, 100 + random.nextDouble() * 50);
            }
        }
        end = last / 60_000 * 60_000;
        engine = new SketchQueryEngine(table, new SketchShard[] {shard}, true);
        expr = PromQLParser.parse(query);
        QueryResult r = evaluate();
        System.out.printf("%n[%s, %d steps] %d series, %s%n", query, steps, r.series().size(), r.resultType());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shard.close();
        table.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public QueryResult evaluate() {
        long start = steps == 1 ? end : end - (steps - 1) * 30_000L;
        return ExprEvaluator.evaluate(expr, engine, start, end, steps == 1 ? 0 : 30_000L, EvalLimits.none(), new String[1]);
    }
}
