package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import java.util.List;

/**
 * One sliding-window structure, seen by the accuracy harness: it receives the series' samples in time order and
 * answers range functions over {@code (start, end]} windows at the current time. One adapter class per sketch
 * family (aggregate, quantile, frequency) plugs a family in. Single-threaded.
 */
public interface SketchUnderTest {
    /** Family name, e.g. {@code aggregate}. */
    String family();

    /** The structure's parameters as a short label, e.g. {@code maxBuckets=300 (W=600s, 168 buckets)}. */
    String parameters();

    /** The functions this structure answers. */
    List<SketchFunction> functions();

    /** Bytes one series' structure occupies. */
    long bytesPerSeries();

    /** Adds one sample; samples arrive in timestamp order. */
    void update(long timestampMs, double value);

    /**
     * The structure's answer for {@code function} over {@code (startExclusiveMs, endInclusiveMs]}; {@code phi} only
     * matters for quantiles. NaN when the structure has no answer (empty window).
     */
    double answer(SketchFunction function, double phi, long startExclusiveMs, long endInclusiveMs);

    /**
     * The absolute error bound the structure reported with its last answer: 0 when it claims the answer exact
     * (up to float rounding), NaN when it claims no bound for that function.
     */
    double reportedBound();

    /** The rank bound (|F(estimate) - phi|, in [0, 1]) the structure reported with its last quantile answer; NaN if none. */
    default double reportedRankBound() { return Double.NaN; }

    /** Builds a fresh structure for a window length; one factory per parameter point of a sweep. */
    interface Factory {
        /** The parameter point, e.g. {@code maxBuckets=300}. */
        String label();

        SketchUnderTest create(long windowMillis);
    }
}
