package io.weir.bench;

import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.LeafSource;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.SketchFunction;
import io.weir.net.query.QueryResultJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.roaringbitmap.RoaringBitmap;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writing a dashboard panel's answer as JSON ({@link QueryResultJson#renderParts}): 1,000 series
 * ({@code m{job, instance}}) x 241 steps of window means (no short decimal), as the 4 h panel of
 * {@code QueryComparison}; {@code parallelism} 2 = the query thread and one read-pool thread, as the node on 2 cores.
 * Per operation: the whole answer.
 */
@State(Scope.Benchmark)
public class QueryResultJsonBenchmark extends WeirForkedBenchmark {
    @Param({"1", "2"})
    public int parallelism;

    private QueryResult result;
    private ExecutorService helpers;

    @Setup
    public void setUp() {
        List<SeriesLabels> labels = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            labels.add(SeriesLabels.of(CanonicalLabels.of("__name__", "m", "instance", "host" + i + ":9100", "job", "job" + i % 10)));
        }
        LeafSource source = new LeafSource() {
            @Override
            public RoaringBitmap select(VectorSelector selector) {
                RoaringBitmap all = new RoaringBitmap();
                all.add(0L, labels.size());
                return all;
            }

            @Override
            public SeriesLabels labels(int seriesId) { return labels.get(seriesId); }

            @Override
            public LeafReader reader(SketchFunction f, double phi) {
                return (id, range, ends, values, errors, present, accuracy) -> read(id, f, phi, range, ends, values, errors, present, accuracy);
            }

            public String read(int id, SketchFunction f, double phi, long range, long[] ends, double[] values,
                               double[] errors, boolean[] present, FunctionAccuracy accuracy) {
                SplittableRandom r = new SplittableRandom(id);
                for (int s = 0; s < ends.length; s++) {
                    double sum = 0;
                    for (int k = 0; k < 240; k++) {
                        sum += 100 + r.nextInt(997) / 10.0;
                    }
                    values[s] = sum / 240;
                    errors[s] = 0;
                    present[s] = true;
                }
                return null;
            }
        };
        long end = 1_700_000_000_000L;
        long step = 60_000;
        result = ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1h])"), source, end - 240 * step, end, step,
                EvalLimits.none(), new String[1]);
        helpers = Executors.newFixedThreadPool(1);
    }

    @TearDown
    public void tearDown() {
        helpers.shutdownNow();
    }

    @Benchmark
    public int renderParts() {
        ByteBuffer[] parts = QueryResultJson.renderParts(result, parallelism > 1 ? helpers : null, parallelism);
        int n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        return n;
    }
}
