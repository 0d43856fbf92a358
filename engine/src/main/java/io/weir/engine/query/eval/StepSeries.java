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

    /**
     * Steps {@code [0, textSteps)} written out ({@link PointText}), each present one after a comma: step {@code i}'s
     * text is {@code text} from {@link #textStart} to {@link #textEnd}, an absent step's empty, so that any run of
     * steps is one range. ASCII bytes, so the response writer hands a run of them on with one copy. Set by the range
     * result cache on the results it returns, read by the response writer; never changed once set.
     */
    private byte[] text;
    private int[] textEnds;
    private int textFrom;
    private int textSteps;

    public Labels labels() { return labels; }

    /** The leading steps that are written out: {@code [0, textSteps())}. */
    public int textSteps() { return textSteps; }

    /** The written-out points of steps {@code [0, textSteps())}: step {@code i} is {@code [textStart(i), textEnd(i))}. */
    public byte[] text() { return text; }

    public int textStart(int step) {
        int at = textFrom + step;
        return at == 0 ? 0 : textEnds[at - 1];
    }

    public int textEnd(int step) { return textEnds[textFrom + step]; }

    int[] textEnds() { return textEnds; }

    int textFrom() { return textFrom; }

    void text(byte[] text, int[] ends, int from, int steps) {
        this.text = text;
        this.textEnds = ends;
        this.textFrom = from;
        this.textSteps = steps;
    }

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
