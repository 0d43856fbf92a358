package io.weir.engine.query.eval;

import java.util.List;

/** What an expression evaluates to over all steps. */
public sealed interface Value {
    /** An instant vector at every step, its series in Prometheus' output order for the step. */
    record Vector(List<StepSeries> series) implements Value {}

    /** A scalar at every step, with its absolute error bound. */
    record Scalar(double[] values, double[] errors) implements Value {}

    /** A string literal: the same at every step. */
    record Text(String value) implements Value {}
}
