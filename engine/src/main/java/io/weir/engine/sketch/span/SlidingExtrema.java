package io.weir.engine.sketch.span;

/**
 * Min and max over a window {@code [from, to)} of an array that slides forward (a range query's steps): two
 * monotonic deques of indices, so each element enters and leaves once and a step costs O(1) amortised; a window
 * that moves back or jumps past the previous one starts the deques afresh. Elements may be given as separate
 * lows and highs (bucket minima and maxima) or as the same array twice (samples). NaN elements must not be in a
 * window asked for (callers answer such windows another way). Owned by one thread; allocates only to grow.
 */
public final class SlidingExtrema {
    private int[] minDeque = new int[0];
    private int[] maxDeque = new int[0];
    private int minHead;
    private int minTail;
    private int maxHead;
    private int maxTail;
    private int from = -1;
    private int to = -1;

    /** Forgets the window (the arrays changed). */
    public void reset() {
        from = to = -1;
    }

    /** Moves to {@code [from, to)} (non-empty) over {@code n} elements; then {@link #min} and {@link #max} answer. */
    public void slide(double[] lows, double[] highs, int n, int from, int to) {
        if (minDeque.length < n) {
            minDeque = new int[Math.max(n, minDeque.length * 2)];
            maxDeque = new int[minDeque.length];
        }
        if (this.from < 0 || from < this.from || to < this.to || from >= this.to) {
            minHead = minTail = maxHead = maxTail = 0;
            this.to = from;
        }
        for (int i = this.to; i < to; i++) {
            double lo = lows[i];
            while (minTail > minHead && lows[minDeque[minTail - 1]] >= lo) {
                minTail--;
            }
            minDeque[minTail++] = i;
            double hi = highs[i];
            while (maxTail > maxHead && highs[maxDeque[maxTail - 1]] <= hi) {
                maxTail--;
            }
            maxDeque[maxTail++] = i;
        }
        this.to = to;
        this.from = from;
        while (minDeque[minHead] < from) {
            minHead++;
        }
        while (maxDeque[maxHead] < from) {
            maxHead++;
        }
    }

    /** Index of the window's minimum among the lows. */
    public int min() { return minDeque[minHead]; }

    /** Index of the window's maximum among the highs. */
    public int max() { return maxDeque[maxHead]; }
}
