package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;

import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * Collects an operator's output over all steps: one series per label set, in order of first appearance (which for
 * a one-step query is the order Prometheus' instant vector has), a second sample at the same step is an error.
 */
final class VectorBuilder {
    private final int steps;
    private final LinkedHashMap<Labels, StepSeries> byLabels = new LinkedHashMap<>();

    VectorBuilder(int steps) {
        this.steps = steps;
    }

    StepSeries series(Labels labels) {
        return byLabels.computeIfAbsent(labels, l -> new StepSeries(l, steps));
    }

    void put(StepSeries s, int step, double value, double error) {
        if (s.present[step]) {
            throw new QueryExecutionException("vector cannot contain metrics with the same labelset");
        }
        s.set(step, value, error);
    }

    void put(Labels labels, int step, double value, double error) {
        put(series(labels), step, value, error);
    }

    Value.Vector build() {
        return new Value.Vector(new ArrayList<>(byLabels.values()));
    }
}
