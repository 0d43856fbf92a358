package io.weir.engine.query;

import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.sketch.SketchFunction;

/** What the planner decided for one query: answer from sketches, or hand it to the backend and why. */
public sealed interface SketchPlan {
    /**
     * {@code function(selector[range])} with the selector's offset and @ modifier.
     *
     * @param phi the quantile of {@code quantile_over_time}; NaN for the other functions
     */
    record Sketch(SketchFunction function, double phi, VectorSelector selector, long rangeMillis) implements SketchPlan {}

    /** @param reason one line for logs and the {@code X-Weir-Fallback} header */
    record Backend(String reason) implements SketchPlan {}
}
