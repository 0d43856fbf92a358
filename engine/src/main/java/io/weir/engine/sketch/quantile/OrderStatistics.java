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
