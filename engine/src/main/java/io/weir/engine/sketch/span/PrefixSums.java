package io.weir.engine.sketch.span;

/**
 * Double-double prefix sums: {@code hi[i] + lo[i]} is the sum of the first {@code i} terms with the rounding error
 * of every addition kept, so the sum over {@code [from, to)} is a difference of two entries that loses nothing a
 * compensated sum of those terms would keep. What makes a range query's steps O(1) each over spans of samples or
 * buckets. Owned by one thread; allocates only to grow.
 */
public final class PrefixSums {
    private double[] hi = new double[1];
    private double[] lo = new double[1];
    private int size;

    /** Starts over with no terms. */
    public void clear(int expectedTerms) {
        if (hi.length < expectedTerms + 1) {
            int n = Math.max(expectedTerms + 1, hi.length * 2);
            hi = new double[n];
            lo = new double[n];
        }
        hi[0] = 0;
        lo[0] = 0;
        size = 0;
    }

    /** Appends the term {@code a + b} ({@code b} a small correction, e.g. a product's FMA error, or 0). */
    public void add(double a, double b) {
        double h = hi[size];
        double t = h + a;
        double bv = t - h;
        double err = (h - (t - bv)) + (a - bv);
        hi[size + 1] = t;
        lo[size + 1] = lo[size] + err + b;
        size++;
    }

    /** Terms appended since {@link #clear}. */
    public int size() { return size; }

    /** The sum of terms {@code [from, to)} as a normalised (hi, lo) pair into {@code out[at..at+1]}. */
    public void sum(int from, int to, double[] out, int at) {
        double aHi = hi[to];
        double bHi = hi[from];
        double s = aHi - bHi;
        double bb = s - aHi;
        double err = (aHi - (s - bb)) + (-bHi - bb);
        double l = err + (lo[to] - lo[from]);
        double h = s + l;
        out[at] = h;
        out[at + 1] = l - (h - s);
    }
}
