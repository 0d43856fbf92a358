package io.weir.engine.query;

import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.NumberLiteral;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
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
        double phi = Double.NaN;
        List<Expr> args = call.args();
        if (function == SketchFunction.QUANTILE_OVER_TIME) {
            if (args.size() != 2 || Double.isNaN(phi = literal(args.getFirst()))) {
                return new SketchPlan.Backend("quantile_over_time needs a literal phi to be answered from sketches");
            }
            args = args.subList(1, 2);
        }
        if (args.size() != 1 || !(args.getFirst() instanceof MatrixSelector m)) {
            return new SketchPlan.Backend("argument is not a plain range selector");
        }
        return new SketchPlan.Sketch(function, phi, m.selector(), m.rangeMillis());
    }

    /** The value of a number literal, possibly negated or parenthesised; NaN for anything else. */
    private static double literal(Expr e) {
        if (e instanceof ParenExpr p) {
            return literal(p.expr());
        }
        if (e instanceof UnaryExpr u) {
            double v = literal(u.expr());
            return u.op() == '-' ? -v : v;
        }
        return e instanceof NumberLiteral n && !Double.isNaN(n.value()) ? n.value() : Double.NaN;
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
        PointReader reader = switch (plan.function().family()) {
            case AGGREGATE -> new AggregatePoints(plan.function());
            case QUANTILE -> new QuantilePoints(plan.phi());
            case FREQUENCY -> new FrequencyPoints(plan.function());
        };
        List<SketchSeries> out = new ArrayList<>();
        Set<SeriesLabels> seen = new HashSet<>();
        long[] ts = new long[steps];
        double[] vs = new double[steps];
        IntIterator it = ids.getIntIterator();
        while (it.hasNext()) {
            int id = it.next();
            SketchShard shard = shards[id & shardMask];
            int n = 0;
            for (int i = 0; i < steps; i++) {
                long t = start + i * step;
                long windowEnd = evaluationTime(plan.selector(), t, start, end);
                long windowStart = windowEnd - plan.rangeMillis();
                int found = reader.read(shard, id, windowStart, windowEnd);
                if (found == PointReader.NO_SKETCH) {
                    fallbackReason[0] = "series " + series.labels(id) + " has no " + plan.function().promqlName() + " sketch";
                    return null;
                }
                if (found == PointReader.NOT_COVERED) {
                    fallbackReason[0] = "sketch of " + series.labels(id) + " does not cover (" + windowStart + ", " + windowEnd + "]";
                    return null;
                }
                if (found == PointReader.POINT) {
                    ts[n] = t;
                    vs[n] = reader.value();
                    n++;
                }
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
        return new SketchAnswer(range, out, plan.function(), reader.exact, reader.maxRelError, reader.maxRankError);
    }

    /** Reads one point of one family and keeps the accuracy of all points read. One per query. */
    private abstract class PointReader {
        static final int POINT = 0;
        static final int EMPTY = 1;
        static final int NO_SKETCH = 2;
        static final int NOT_COVERED = 3;

        boolean exact = true;
        double maxRelError;
        double maxRankError = Double.NaN;

        abstract int read(SketchShard shard, int id, long startExcl, long endIncl);

        abstract double value();

        boolean usable(boolean covered, boolean holdsEverything) {
            return covered || (sketchesAreAllHistory && holdsEverything);
        }

        void relError(double e) {
            maxRelError = Double.isNaN(e) || Double.isNaN(maxRelError) ? Double.NaN : Math.max(maxRelError, e);
        }
    }

    private final class AggregatePoints extends PointReader {
        private final SketchFunction function;
        private final AggregateResult r = new AggregateResult();

        AggregatePoints(SketchFunction function) {
            this.function = function;
        }

        @Override
        int read(SketchShard shard, int id, long startExcl, long endIncl) {
            if (!shard.readAggregate(id, startExcl, endIncl, r)) {
                return NO_SKETCH;
            }
            if (!usable(r.covered(), r.holdsEverythingReceived())) {
                return NOT_COVERED;
            }
            if (r.count() <= 0) {
                return EMPTY;
            }
            exact &= r.exact();
            relError(relativeErrorBound(function, r));
            return POINT;
        }

        @Override
        double value() { return valueOf(function, r); }
    }

    private final class FrequencyPoints extends PointReader {
        private final SketchFunction function;
        private final FrequencyResult r = new FrequencyResult();

        FrequencyPoints(SketchFunction function) {
            this.function = function;
        }

        @Override
        int read(SketchShard shard, int id, long startExcl, long endIncl) {
            if (!shard.readFrequency(id, startExcl, endIncl, r)) {
                return NO_SKETCH;
            }
            if (!usable(r.covered(), r.holdsEverythingReceived())) {
                return NOT_COVERED;
            }
            if (r.l1() <= 0) {
                return EMPTY;
            }
            exact &= r.exact();
            relError(r.exact() ? 0 : switch (function) {
                case DISTINCT_OVER_TIME -> r.distinctErrorBound();
                case L1_OVER_TIME -> r.l1ErrorBound();
                case L2_OVER_TIME -> r.l2ErrorBound();
                default -> r.entropyErrorBound();
            });
            return POINT;
        }

        @Override
        double value() {
            return switch (function) {
                case DISTINCT_OVER_TIME -> r.distinct();
                case L1_OVER_TIME -> r.l1();
                case L2_OVER_TIME -> r.l2();
                default -> r.entropy();
            };
        }
    }

    private final class QuantilePoints extends PointReader {
        private final double phi;
        private final QuantileResult r = new QuantileResult();

        QuantilePoints(double phi) {
            this.phi = phi;
            this.maxRankError = 0;
        }

        @Override
        int read(SketchShard shard, int id, long startExcl, long endIncl) {
            if (!shard.readQuantile(id, startExcl, endIncl, r)) {
                return NO_SKETCH;
            }
            if (!usable(r.covered(), r.holdsEverythingReceived())) {
                return NOT_COVERED;
            }
            if (r.isEmpty()) {
                return EMPTY;
            }
            exact &= r.exact();
            if (phi >= 0 && phi <= 1) {
                double rank = r.rankErrorBound(phi);
                maxRankError = Double.isNaN(rank) ? Double.NaN : Math.max(maxRankError, rank);
                relError(r.exact() ? 0 : r.relativeValueErrorBound());
            }
            return POINT;
        }

        @Override
        double value() { return r.quantile(phi); }
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
