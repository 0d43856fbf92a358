package io.weir.engine.query;

import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.aggregate.AggregateResult;
import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.IntIterator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Plans and evaluates the queries sketches can answer: a bare {@code f(selector[range])} whose every matching
 * series is sketched with a window that covers every evaluation step. Anything else is planned for the backend.
 * Thread-safe: reads sketches through their lock-free views.
 */
public final class SketchQueryEngine {
    /** A point budget per query keeps one request from monopolising a query thread. */
    public static final long MAX_POINTS_PER_QUERY = 50_000_000L;

    private final SeriesTable series;
    private final SketchShard[] shards;
    private final int shardMask;
    private final boolean sketchesAreAllHistory;

    /**
     * @param sketchesAreAllHistory true when there is no backend: then a window reaching back before a series'
     *                              first sample is answered from its sketch as long as nothing has expired from it,
     *                              because there is no older data anywhere to fall back to
     */
    public SketchQueryEngine(SeriesTable series, SketchShard[] shards, boolean sketchesAreAllHistory) {
        this.series = series;
        this.shards = shards;
        this.shardMask = shards.length - 1;
        this.sketchesAreAllHistory = sketchesAreAllHistory;
    }

    public SketchPlan plan(Expr expr) {
        Expr e = expr;
        while (e instanceof ParenExpr p) {
            e = p.expr();
        }
        if (!(e instanceof Call call)) {
            return new SketchPlan.Backend("not a range function call");
        }
        SketchFunction function = SketchFunction.byPromqlName(call.function().name());
        if (function == null) {
            return new SketchPlan.Backend("function " + call.function().name() + " is not answered from sketches");
        }
        if (function.family() != SketchFunction.Family.AGGREGATE) {
            return new SketchPlan.Backend(function.promqlName() + " sketches are not built yet");
        }
        if (call.args().size() != 1 || !(call.args().getFirst() instanceof MatrixSelector m)) {
            return new SketchPlan.Backend("argument is not a plain range selector");
        }
        return new SketchPlan.Sketch(function, m.selector(), m.rangeMillis());
    }

    /**
     * Evaluates at {@code start, start + step, ..., end} (one point for an instant query, {@code step == 0}).
     *
     * @return the answer, or null when some series or window is not covered (then {@code fallbackReason} says why)
     */
    public SketchAnswer evaluate(SketchPlan.Sketch plan, long start, long end, long step, boolean range, String[] fallbackReason) {
        RoaringBitmap ids = series.index().select(plan.selector().matchers());
        int steps = step == 0 ? 1 : (int) ((end - start) / step) + 1;
        if ((long) steps * Math.max(1, ids.getCardinality()) > MAX_POINTS_PER_QUERY) {
            fallbackReason[0] = "query touches more than " + MAX_POINTS_PER_QUERY + " points";
            return null;
        }
        AggregateResult r = new AggregateResult();
        List<SketchSeries> out = new ArrayList<>();
        Set<SeriesLabels> seen = new HashSet<>();
        boolean exact = true;
        double maxRelError = 0;
        long[] ts = new long[steps];
        double[] vs = new double[steps];
        IntIterator it = ids.getIntIterator();
        while (it.hasNext()) {
            int id = it.next();
            SketchShard shard = shards[id & shardMask];
            int n = 0;
            for (int i = 0; i < steps; i++) {
                long t = start + i * step;
                long evalAt = evaluationTime(plan.selector(), t, start, end);
                long windowEnd = evalAt;
                long windowStart = evalAt - plan.rangeMillis();
                if (!shard.readAggregate(id, windowStart, windowEnd, r)) {
                    fallbackReason[0] = "series " + series.labels(id) + " has no sketch";
                    return null;
                }
                if (!r.covered() && !(sketchesAreAllHistory && r.holdsEverythingReceived())) {
                    fallbackReason[0] = "sketch of " + series.labels(id) + " does not cover (" + windowStart + ", " + windowEnd + "]: it holds (" + r.retainedStartMs() + ", " + r.retainedEndMs() + "]";
                    return null;
                }
                if (r.count() <= 0) {
                    continue;
                }
                double v = valueOf(plan.function(), r);
                exact &= r.exact();
                maxRelError = Math.max(maxRelError, relativeErrorBound(plan.function(), r));
                ts[n] = t;
                vs[n] = v;
                n++;
            }
            if (n == 0) {
                continue;
            }
            SeriesLabels withoutName = series.labels(id).withoutMetricName();
            if (!seen.add(withoutName)) {
                throw new QueryExecutionException("vector cannot contain metrics with the same labelset");
            }
            out.add(new SketchSeries(withoutName, java.util.Arrays.copyOf(ts, n), java.util.Arrays.copyOf(vs, n), n));
        }
        out.sort((a, b) -> a.labels().compareTo(b.labels()));
        return new SketchAnswer(range, out, plan.function(), exact, maxRelError, 0);
    }

    private static long evaluationTime(VectorSelector s, long t, long start, long end) {
        long at = t;
        if (s.at() != null) {
            at = s.at().resolve(start, end);
        }
        return at - s.offsetMillis();
    }

    static double valueOf(SketchFunction f, AggregateResult r) {
        return switch (f) {
            case COUNT_OVER_TIME -> r.count();
            case SUM_OVER_TIME -> r.sum();
            case AVG_OVER_TIME -> r.mean();
            case MIN_OVER_TIME -> r.min();
            case MAX_OVER_TIME -> r.max();
            case STDVAR_OVER_TIME -> r.variance();
            case STDDEV_OVER_TIME -> r.stddev();
            case SUM2_OVER_TIME -> r.sum2();
            default -> throw new IllegalArgumentException(f + " is not an aggregate function");
        };
    }

    /** Relative error bound of one point; 0 when exact, NaN when the structure cannot bound it. */
    static double relativeErrorBound(SketchFunction f, AggregateResult r) {
        if (r.exact()) {
            return 0;
        }
        double count = r.count();
        double countRel = count > 0 ? r.countErrorBound() / count : Double.NaN;
        double sumRel = r.sum() != 0 ? r.sumErrorBound() / Math.abs(r.sum()) : Double.NaN;
        return switch (f) {
            case COUNT_OVER_TIME -> countRel;
            case SUM_OVER_TIME -> sumRel;
            case AVG_OVER_TIME -> sumRel + countRel;
            case SUM2_OVER_TIME -> r.sum2() != 0 ? r.sum2ErrorBound() / Math.abs(r.sum2()) : Double.NaN;
            default -> Double.NaN;
        };
    }
}
