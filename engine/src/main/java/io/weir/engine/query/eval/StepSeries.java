package io.weir.engine.query.eval;

/**
 * One series of an instant vector over all evaluation steps: a value, its absolute error bound and whether the
 * series has a sample at each step. Owned by the evaluation that made it; operators write into fresh ones.
 */
public final class StepSeries {
    private final Labels labels;
    final double[] values;
    final double[] errors;
    final boolean[] present;

    StepSeries(Labels labels, int steps) {
        this.labels = labels;
        this.values = new double[steps];
        this.errors = new double[steps];
        this.present = new boolean[steps];
    }

    public Labels labels() { return labels; }

    public int steps() { return values.length; }

    public boolean present(int step) { return present[step]; }

    public double value(int step) { return values[step]; }

    /** Absolute error bound of the value: 0 when exact, NaN when it cannot be bounded. */
    public double error(int step) { return errors[step]; }

    void set(int step, double value, double error) {
        values[step] = value;
        errors[step] = error;
        present[step] = true;
    }

    boolean empty() {
        for (boolean p : present) {
            if (p) {
                return false;
            }
        }
        return true;
    }
}
