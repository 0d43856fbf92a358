package io.weir.engine.query;

import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.sketch.SketchFunction;

/** What the planner decided for one query: answer from sketches, or hand it to the backend and why. */
public sealed interface SketchPlan {
    /** {@code function(selector[range])} with the selector's offset and @ modifier. */
    record Sketch(SketchFunction function, VectorSelector selector, long rangeMillis) implements SketchPlan {}

    /** @param reason one line for logs and the {@code X-Weir-Fallback} header */
    record Backend(String reason) implements SketchPlan {}
}
