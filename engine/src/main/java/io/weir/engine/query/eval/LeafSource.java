package io.weir.engine.query.eval;

import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.SketchFunction;
import org.roaringbitmap.RoaringBitmap;

import java.util.concurrent.Executor;

/**
 * Where the evaluator reads its leaves, {@code f(selector[range])}, from: the series a selector matches, and one
 * series' values at every step in one call, so that an implementation can walk its buckets once for all steps.
 */
public interface LeafSource {
    RoaringBitmap select(VectorSelector selector);

    SeriesLabels labels(int seriesId);

    /**
     * Fills, for every step {@code i}, the value of {@code function} over the window
     * {@code (windowEnds[i] - rangeMillis, windowEnds[i]]}: {@code present[i]} is false when the window holds no
     * sample; {@code errors[i]} is the absolute error bound (0 exact, NaN unbounded).
     *
     * @param phi      the quantile for {@code quantile_over_time}, NaN otherwise
     * @param accuracy collects the function's accuracy over every point read
     * @return null when every window was answered, otherwise why the sketches cannot answer (the query then goes
     *         to the backend)
     */
    String read(int seriesId, SketchFunction function, double phi, long rangeMillis, long[] windowEnds,
                double[] values, double[] errors, boolean[] present, FunctionAccuracy accuracy);

    /**
     * Threads that may read parts of a leaf beside the query thread ({@link #read} and {@link #labels} are then
     * called from several threads at once), or null when the query thread reads alone.
     */
    default Executor readExecutor() {
        return null;
    }

    /** Threads reading one leaf at most, the query thread included. */
    default int readParallelism() {
        return 1;
    }
}
