package io.weir.engine.sketch.quantile;

import java.util.Arrays;

/**
 * In-place selection of order statistics in the total order of {@link Double#compare} (the order
 * {@code Arrays.sort} gives), so an exact quantile costs linear time instead of a sort of the window.
 */
final class OrderStatistics {
    private static final int INSERTION_SORT_BELOW = 16;

    private OrderStatistics() {
    }

    /**
     * Rearranges {@code a[0, n)} so that {@code a[k]} holds the value a sort would put there, smaller or equal
     * values before it and greater or equal ones after. Quickselect with three-way partitions (duplicates cost
     * nothing); after {@code 2 log2 n} rounds without converging (adversarial input) it sorts what is left, so the
     * worst case is n log n.
     */
    static void select(double[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(Math.max(n, 1)));
        while (hi > lo) {
            if (hi - lo < INSERTION_SORT_BELOW || rounds-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return;
            }
            double pivot = median(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int lt = lo;
            int i = lo;
            int gt = hi;
            while (i <= gt) {
                int c = Double.compare(a[i], pivot);
                if (c < 0) {
                    swap(a, lt++, i++);
                } else if (c > 0) {
                    swap(a, i, gt--);
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt - 1;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return;
            }
        }
    }

    /**
     * Most values {@link #largest} and {@link #smallest} keep. A quantile near either end (p99 of a 5 h window is
     * among its 13 largest samples) is found in one pass with one well-predicted compare a value, where
     * {@link #select}'s partitions take several passes whose branches go either way at random.
     */
    static final int FEW = 32;

    /**
     * The {@code m} (1..{@link #FEW}) greatest of {@code a[0, n)} in {@link Double#compare} order, ascending, into
     * {@code out[0, m)}; {@code a} is left as it was. {@code m <= n}.
     */
    static void largest(double[] a, int n, int m, double[] out) {
        fillAscending(a, m, out);
        for (int i = m; i < n; i++) {
            double x = a[i];
            double least = out[0];
            // the usual case first, in plain comparisons; ties, -0.0/0.0 and NaNs in Double.compare's order
            if (x < least || !(x > least) && Double.compare(x, least) <= 0) {
                continue;
            }
            int p = 0;
            while (p + 1 < m && Double.compare(out[p + 1], x) < 0) {
                out[p] = out[p + 1];
                p++;
            }
            out[p] = x;
        }
    }

    /**
     * The {@code m} (1..{@link #FEW}) least of {@code a[0, n)} in {@link Double#compare} order, ascending, into
     * {@code out[0, m)}; {@code a} is left as it was. {@code m <= n}.
     */
    static void smallest(double[] a, int n, int m, double[] out) {
        fillAscending(a, m, out);
        for (int i = m; i < n; i++) {
            double x = a[i];
            double greatest = out[m - 1];
            if (x > greatest || !(x < greatest) && Double.compare(x, greatest) >= 0) {
                continue;
            }
            insertAscending(out, m - 1, x); // over the greatest kept, which leaves
        }
    }

    /** {@code a[0, m)} sorted into {@code out[0, m)}: the first candidates of {@link #largest} and {@link #smallest}. */
    private static void fillAscending(double[] a, int m, double[] out) {
        for (int i = 0; i < m; i++) {
            insertAscending(out, i, a[i]);
        }
    }

    /** Inserts {@code x} into the ascending {@code out[0, at)}, shifting the greater ones up into {@code out[at]}. */
    private static void insertAscending(double[] out, int at, double x) {
        int p = at;
        while (p > 0 && Double.compare(out[p - 1], x) > 0) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = x;
    }

    /** Puts the smallest of {@code a[from, n)} at {@code from} (the next order statistic after a selection). */
    static void moveMinimum(double[] a, int from, int n) {
        int best = from;
        for (int i = from + 1; i < n; i++) {
            if (Double.compare(a[i], a[best]) < 0) {
                best = i;
            }
        }
        swap(a, from, best);
    }

    private static double median(double x, double y, double z) {
        if (Double.compare(x, y) > 0) {
            double t = x;
            x = y;
            y = t;
        }
        if (Double.compare(y, z) > 0) {
            y = z;
        }
        return Double.compare(x, y) > 0 ? x : y;
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
