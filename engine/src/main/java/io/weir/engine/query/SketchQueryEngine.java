package io.weir.engine.query;

import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.LeafSource;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import org.roaringbitmap.RoaringBitmap;

import java.util.concurrent.Executor;

/**
 * The sketches as the evaluator's leaf source: the series a selector matches and, per series, the value of a
 * sketch function over each step's window, read through {@link SketchShard}'s aggregate, quantile and frequency
 * views. A window the sketch does not cover sends the whole query to the backend. Thread-safe: reads sketches
 * through their lock-free views; a reader object per call over the calling thread's result holder.
 */
public final class SketchQueryEngine implements LeafSource {
    /*
     * Result holders, one per query thread: the quantile and frequency ones carry scratch arrays of several hundred
     * KiB, which a query over thousands of series must not allocate once per series.
     */
    private static final ThreadLocal<AggregateResult> AGGREGATE_RESULTS = ThreadLocal.withInitial(AggregateResult::new);
    private static final ThreadLocal<QuantileResult> QUANTILE_RESULTS = ThreadLocal.withInitial(QuantileResult::new);
    private static final ThreadLocal<FrequencyResult> FREQUENCY_RESULTS = ThreadLocal.withInitial(FrequencyResult::new);

    private final SeriesTable series;
    private final SketchShard[] shards;
    private final int shardMask;
    private final boolean sketchesAreAllHistory;
    private final Executor readExecutor;
    private final int readParallelism;

    /**
     * @param sketchesAreAllHistory true when there is no backend: then a window reaching back before a series'
     *                              first sample is answered from its sketch as long as nothing has expired from it,
     *                              because there is no older data anywhere to fall back to
     */
    public SketchQueryEngine(SeriesTable series, SketchShard[] shards, boolean sketchesAreAllHistory) {
        this(series, shards, sketchesAreAllHistory, null, 1);
    }

    /**
     * @param readExecutor    threads that read parts of a leaf beside the query thread (null: none)
     * @param readParallelism threads reading one leaf at most, the query thread included
     */
    public SketchQueryEngine(SeriesTable series, SketchShard[] shards, boolean sketchesAreAllHistory,
                             Executor readExecutor, int readParallelism) {
        this.series = series;
        this.shards = shards;
        this.shardMask = shards.length - 1;
        this.sketchesAreAllHistory = sketchesAreAllHistory;
        this.readExecutor = readExecutor;
        this.readParallelism = readExecutor == null ? 1 : readParallelism;
    }

    @Override
    public Executor readExecutor() {
        return readExecutor;
    }

    @Override
    public int readParallelism() {
        return readParallelism;
    }

    @Override
    public RoaringBitmap select(VectorSelector selector) {
        return series.index().select(selector.matchers());
    }

    @Override
    public SeriesLabels labels(int seriesId) {
        return series.labels(seriesId);
    }

    /**
     * One family reader per thread and leaf: its result holder (taken from the thread once, not per series) is reused
     * for every series the thread reads, each read setting every field its points use.
     */
    @Override
    public LeafReader reader(SketchFunction function, double phi) {
        PointReader reader = switch (function.family()) {
            case AGGREGATE -> new AggregatePoints(function);
            case QUANTILE -> new QuantilePoints(phi);
            case FREQUENCY -> new FrequencyPoints(function);
        };
        return (id, rangeMillis, windowEnds, values, errors, present, accuracy) ->
                read(reader, id, function, rangeMillis, windowEnds, values, errors, present, accuracy);
    }

    private String read(PointReader reader, int id, SketchFunction function, long rangeMillis, long[] windowEnds,
                        double[] values, double[] errors, boolean[] present, FunctionAccuracy accuracy) {
        SketchShard shard = shards[id & shardMask];
        if (windowEnds.length > 1) {
            long lo = Long.MAX_VALUE;
            long hi = Long.MIN_VALUE;
            for (long end : windowEnds) {
                lo = Math.min(lo, end - rangeMillis);
                hi = Math.max(hi, end);
            }
            shard.beginSpan(id, lo, hi, function.family(), windowEnds.length, rangeMillis);
        }
        try {
            return readSteps(shard, reader, id, function, rangeMillis, windowEnds, values, errors, present, accuracy);
        } finally {
            shard.endSpan();
        }
    }

    private String readSteps(SketchShard shard, PointReader reader, int id, SketchFunction function, long rangeMillis,
                             long[] windowEnds, double[] values, double[] errors, boolean[] present, FunctionAccuracy accuracy) {
        for (int i = 0; i < windowEnds.length; i++) {
            long windowEnd = windowEnds[i];
            long windowStart = windowEnd - rangeMillis;
            int found = reader.read(shard, id, windowStart, windowEnd);
            if (found == PointReader.NO_SKETCH) {
                return "series " + series.labels(id) + " has no " + function.promqlName() + " sketch";
            }
            if (found == PointReader.NOT_COVERED) {
                return "sketch of " + series.labels(id) + " does not cover (" + windowStart + ", " + windowEnd + "]";
            }
            present[i] = found == PointReader.POINT;
            if (present[i]) {
                double v = reader.value();
                values[i] = v;
                errors[i] = reader.pointExact ? 0 : !Double.isNaN(reader.pointAbsError) ? reader.pointAbsError
                        : Math.abs(v) * reader.pointRelError;
                accuracy.point(reader.pointExact, reader.pointExact ? 0 : reader.pointRelError);
                if (!Double.isNaN(reader.pointRankError)) {
                    accuracy.rankError(reader.pointRankError);
                }
            }
        }
        return null;
    }

    /** Reads one point of one family and keeps the accuracy of all points read. One per query. */
    private abstract class PointReader {
        static final int POINT = 0;
        static final int EMPTY = 1;
        static final int NO_SKETCH = 2;
        static final int NOT_COVERED = 3;

        boolean pointExact;
        double pointRelError;
        /** The point's absolute error bound where the family gives one (NaN: |value| x the relative bound). */
        double pointAbsError = Double.NaN;
        double pointRankError = Double.NaN;

        abstract int read(SketchShard shard, int id, long startExcl, long endIncl);

        abstract double value();

        boolean usable(boolean covered, boolean holdsEverything) {
            return covered || (sketchesAreAllHistory && holdsEverything);
        }

        void relError(double e) {
            pointRelError = e;
        }
    }

    private final class AggregatePoints extends PointReader {
        private final SketchFunction function;
        private final AggregateResult r = AGGREGATE_RESULTS.get();

        AggregatePoints(SketchFunction function) {
            this.function = function;
        }

        @Override
        int read(SketchShard shard, int id, long startExcl, long endIncl) {
            r.spreadWanted(function == SketchFunction.STDDEV_OVER_TIME || function == SketchFunction.STDVAR_OVER_TIME
                || function == SketchFunction.SUM2_OVER_TIME);
            r.extremaWanted(function == SketchFunction.MIN_OVER_TIME || function == SketchFunction.MAX_OVER_TIME);
            if (!shard.readAggregate(id, startExcl, endIncl, r)) {
                return NO_SKETCH;
            }
            if (!usable(r.covered(), r.holdsEverythingReceived())) {
                return NOT_COVERED;
            }
            if (r.count() <= 0) {
                return EMPTY;
            }
            pointExact = r.exact();
            pointAbsError = absoluteErrorBound(function, r);
            relError(relativeToTruth(valueOf(function, r), pointAbsError));
            return POINT;
        }

        @Override
        double value() { return valueOf(function, r); }
    }

    private final class FrequencyPoints extends PointReader {
        private final SketchFunction function;
        private final FrequencyResult r = FREQUENCY_RESULTS.get();

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
            pointExact = r.exact();
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
        private final QuantileResult r = QUANTILE_RESULTS.get();

        QuantilePoints(double phi) {
            this.phi = phi;
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
            pointExact = r.exact();
            pointRelError = 0;
            pointRankError = Double.NaN;
            if (phi >= 0 && phi <= 1) {
                pointRankError = r.rankErrorBound(phi);
                relError(r.exact() ? 0 : r.relativeValueErrorBound());
            }
            return POINT;
        }

        @Override
        double value() { return r.quantile(phi); }
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

    /**
     * Absolute error bound of one point; 0 when exact, NaN when the structure cannot bound it. Rigorous: the result
     * bounds its count, sum and sum of squares absolutely (the true value lies within them of the estimate) and its
     * mean by the extremes the cut buckets allow ({@link AggregateResult#meanErrorBound}).
     */
    static double absoluteErrorBound(SketchFunction f, AggregateResult r) {
        if (r.exact()) {
            return 0;
        }
        return switch (f) {
            case COUNT_OVER_TIME -> r.countErrorBound();
            case SUM_OVER_TIME -> r.sumErrorBound();
            case SUM2_OVER_TIME -> r.sum2ErrorBound();
            case AVG_OVER_TIME -> {
                double m = r.meanErrorBound();
                yield Double.isNaN(m) ? quotientBound(r.sum(), r.sumErrorBound(), r.count(), r.countErrorBound(), r.mean()) : m;
            }
            default -> Double.NaN;
        };
    }

    /**
     * Relative error bound of one point, relative to the truth (which may be smaller than the estimate, so a bound
     * relative to the estimate would understate the error); 0 when exact, NaN when unbounded.
     */
    static double relativeErrorBound(SketchFunction f, AggregateResult r) {
        return r.exact() ? 0 : relativeToTruth(valueOf(f, r), absoluteErrorBound(f, r));
    }

    /** max |estimate - truth| / |truth| over every truth within {@code bound} of {@code estimate}; NaN when 0 is one. */
    static double relativeToTruth(double estimate, double bound) {
        double room = Math.abs(estimate) - bound;
        return room > 0 ? bound / room : Double.NaN;
    }

    /**
     * The absolute error of {@code mean} against every quotient s / c with s within {@code sumBound} of {@code sum}
     * and c within {@code countBound} of {@code count}; NaN when the count can reach 0.
     */
    static double quotientBound(double sum, double sumBound, double count, double countBound, double mean) {
        double cLo = count - countBound;
        double cHi = count + countBound;
        if (!(cLo > 0)) {
            return Double.NaN;
        }
        double sLo = sum - sumBound;
        double sHi = sum + sumBound;
        double lo = Math.min(Math.min(sLo / cLo, sLo / cHi), Math.min(sHi / cLo, sHi / cHi));
        double hi = Math.max(Math.max(sLo / cLo, sLo / cHi), Math.max(sHi / cLo, sHi / cHi));
        return Math.max(mean - lo, hi - mean);
    }
}
