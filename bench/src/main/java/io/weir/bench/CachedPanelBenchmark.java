package io.weir.bench;

import io.weir.engine.ingest.LateWrites;
import io.weir.engine.query.SketchQueryEngine;
import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.net.query.QueryResultJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A dashboard panel asked again, as the node answers it: the range result cache's join of the kept steps with the
 * steps after the sealed horizon, then the JSON, on one thread. 1,000 series x 15 s x 24 h (as QueryComparison
 * writes), {@code avg_over_time(m[1h])} over the last 4 h at 60 s steps, asked at the same time each call (a
 * dashboard refreshed within the minute): 236 of 241 steps come from the cache, 5 are read afresh.
 * {@code cacheBytes}: 64 MiB keeps the panel with its points written out; 16 MiB has room for its values only.
 */
@State(Scope.Thread)
public class CachedPanelBenchmark extends WeirForkedBenchmark {
    private static final long WINDOW_MS = 25 * 3_600_000L;
    private static final int JOBS = 10;
    private static final long STEP_MS = 60_000;

    @Param({"avg_over_time(m[1h])"})
    public String query;

    @Param({"67108864", "16777216"})
    public long cacheBytes;

    @Param({"1000"})
    public int series;

    private Path dir;
    private SeriesTable table;
    private SketchShard shard;
    private SketchQueryEngine engine;
    private RangeResultCache cache;
    private Expr expr;
    private long start;
    private long end;

    @Setup(Level.Trial)
    public void setUp() {
        dir = TempDirs.create("weir-bench-panel-");
        table = SeriesTable.open(dir, Math.max(1024, series));
        shard = new SketchShard(1, new SlabArena(4L << 30, 1 << 20, 64), SketchTargets.everyFunction(WINDOW_MS), 256 << 10);
        int[] ids = new int[series];
        for (int k = 0; k < series; k++) {
            ids[k] = table.getOrCreate(CanonicalLabels.of("__name__", "m", "instance", "host" + k + ":9100",
                    "job", "job" + (k % JOBS))); // sorted by name, as the node stores every label set
        }
        long scrapeMs = 15_000;
        int samples = (int) ((24 * 3_600_000L + 15 * 60_000L) / scrapeMs);
        long first = SyntheticSeries.START_MS;
        for (int i = 0; i < samples; i++) {
            long ts = first + 1_000 + i * scrapeMs;
            for (int k = 0; k < series; k++) {
                shard.update(ids[k], ts, 100 + ((i * 7919L + k * 104_729L) % 997) / 10.0);
            }
        }
        long now = first + 1_000 + (samples - 1) * scrapeMs + 1_000;
        end = now / STEP_MS * STEP_MS;
        start = end - 4 * 3_600_000L;
        engine = new SketchQueryEngine(table, new SketchShard[] {shard}, true);
        cache = new RangeResultCache(cacheBytes, new LateWrites(5 * 60_000L), () -> now, QueryResultJson::point);
        expr = PromQLParser.parse(query);
        long first1 = bytes(answer());
        long again = bytes(answer());
        System.out.printf("%n[%s, cache %d MiB] %d bytes, %d bytes again; hits %d, kept %d bytes%n", query,
                cacheBytes >> 20, first1, again, cache.hits(), cache.bytes());
    }

    private static long bytes(ByteBuffer[] parts) {
        long n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shard.close();
        table.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public ByteBuffer[] answer() {
        QueryResult r = cache.evaluate(expr, engine, start, end, STEP_MS, EvalLimits.none(), new String[1]);
        return QueryResultJson.renderParts(r, null, 1);
    }
}
