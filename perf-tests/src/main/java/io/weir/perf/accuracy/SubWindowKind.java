package io.weir.perf.accuracy;

/**
 * The sub-windows PromSketch evaluates at each query time T for a window w: the whole window (T-w, T], its ten
 * tenths and hundred hundredths (windows ending before T), and suffixes (T-w/2, T], (T-w/10, T], (T-w/100, T].
 */
public enum SubWindowKind {
    WHOLE("whole", 1, false),
    TENTH("tenths", 10, false),
    HUNDREDTH("hundredths", 100, false),
    SUFFIX_HALF("suffix 1/2", 2, true),
    SUFFIX_TENTH("suffix 1/10", 10, true),
    SUFFIX_HUNDREDTH("suffix 1/100", 100, true);

    private final String label;
    private final int parts;
    private final boolean suffix;

    SubWindowKind(String label, int parts, boolean suffix) {
        this.label = label;
        this.parts = parts;
        this.suffix = suffix;
    }

    public String label() { return label; }

    /** The window is cut into this many equal parts. */
    public int parts() { return parts; }

    /** A suffix is the last part only; otherwise every part (or every {@code stride}-th) is asked. */
    public boolean suffix() { return suffix; }
}
