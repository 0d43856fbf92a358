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
     * A reader of {@code function} for one thread, which reads series after series with it: an implementation keeps
     * its per-read scratch there once, not per series ({@link #readParallelism} threads each take their own).
     *
     * @param phi the quantile for {@code quantile_over_time}, NaN otherwise
     */
    LeafReader reader(SketchFunction function, double phi);

    /** One thread's reader of one leaf function ({@link #reader}). */
    interface LeafReader {
        /**
         * Fills, for every step {@code i}, the value of the function over the window
         * {@code (windowEnds[i] - rangeMillis, windowEnds[i]]}: {@code present[i]} is false when the window holds no
         * sample; {@code errors[i]} is the absolute error bound (0 exact, NaN unbounded).
         *
         * @param accuracy collects the function's accuracy over every point read
         * @return null when every window was answered, otherwise why the sketches cannot answer (the query then goes
         *         to the backend)
         */
        String read(int seriesId, long rangeMillis, long[] windowEnds, double[] values, double[] errors, boolean[] present,
                    FunctionAccuracy accuracy);
    }

    /**
     * Threads that may read parts of a leaf beside the query thread ({@link #reader}'s readers and {@link #labels}
     * are then used from several threads at once), or null when the query thread reads alone.
     */
    default Executor readExecutor() {
        return null;
    }

    /** Threads reading one leaf at most, the query thread included. */
    default int readParallelism() {
        return 1;
    }
}
