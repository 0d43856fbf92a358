package io.weir.engine.sketch;

import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;

/**
 * A family's result that computes its answer from raw samples itself (the exact tier), the way
 * {@link FlyweightSketchFamily} hands them over.
 */
public interface ExactAnswer {
    /** The exact answer over raw samples already restricted to {@code (startExclusiveMs, endInclusiveMs]}. */
    void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window);

    /**
     * The exact answer over that window of a span decoded once for a range query (timestamps ascending);
     * {@code slice} is scratch for a window the result answers sample by sample.
     */
    void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice);
}
