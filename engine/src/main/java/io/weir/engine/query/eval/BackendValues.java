package io.weir.engine.query.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a sub-expression's answer from the backend (series of timestamped values, as the Prometheus API returns
 * them) into a {@link Value} over this query's steps, for a {@link MixedPlan}. The backend's values are exact
 * (error 0). Every point must fall on one of the steps: an answer on another grid (a backend that aligned the
 * range to its own step boundaries) is refused, and the caller then sends the whole query to the backend.
 */
public final class BackendValues {
    private BackendValues() {}

    /** One series of the backend's answer: its labels and its points (milliseconds, values). */
    public record Points(Labels labels, long[] timestamps, double[] values) {}

    /**
     * @param stepTimes the query's steps ({@code start + i * step}, or the one instant)
     * @throws IllegalArgumentException when a point is not on a step, or two series have the same labels
     */
    public static Value.Vector vector(long[] stepTimes, List<Points> series) {
        List<StepSeries> out = new ArrayList<>(series.size());
        Set<Labels> seen = new HashSet<>();
        for (Points p : series) {
            if (!seen.add(p.labels())) {
                throw new IllegalArgumentException("the backend returned " + p.labels() + " twice");
            }
            StepSeries s = new StepSeries(p.labels(), stepTimes.length);
            for (int i = 0; i < p.timestamps().length; i++) {
                s.set(step(stepTimes, p.timestamps()[i]), p.values()[i], 0);
            }
            if (!s.empty()) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(StepSeries::labels)); // as the evaluator orders a leaf's series
        return new Value.Vector(out);
    }

    /**
     * A scalar sub-expression's answer: its one series (a range query answers a scalar as a matrix of one series
     * without labels), a value at every step.
     *
     * @throws IllegalArgumentException when it is not one series with a point at every step
     */
    public static Value.Scalar scalar(long[] stepTimes, List<Points> series) {
        if (series.size() != 1) {
            throw new IllegalArgumentException("a scalar answered as " + series.size() + " series");
        }
        Points p = series.getFirst();
        double[] values = new double[stepTimes.length];
        boolean[] filled = new boolean[stepTimes.length];
        for (int i = 0; i < p.timestamps().length; i++) {
            int step = step(stepTimes, p.timestamps()[i]);
            values[step] = p.values()[i];
            filled[step] = true;
        }
        for (boolean f : filled) {
            if (!f) {
                throw new IllegalArgumentException("a scalar without a value at every step");
            }
        }
        return new Value.Scalar(values, new double[stepTimes.length]);
    }

    private static int step(long[] stepTimes, long t) {
        int i = java.util.Arrays.binarySearch(stepTimes, t);
        if (i < 0) {
            throw new IllegalArgumentException("the backend answered at " + t + " ms, not one of the query's steps");
        }
        return i;
    }
}
