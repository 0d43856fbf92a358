package io.weir.engine.sketch.quantile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Selection gives what sorting gives, rank after rank on the same array, with duplicates, -0.0, NaN and infinities. */
class OrderStatisticsTest {
    private static final double[] SPECIAL = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0};

    @Test
    void selectionEqualsSorting() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + rnd.nextInt(round % 10 == 0 ? 5_000 : 60);
            double[] a = new double[n];
            int distinct = 1 + rnd.nextInt(n);
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(8) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextInt(distinct) * 0.5;
            }
            if (round % 7 == 0) {
                Arrays.sort(a); // sorted and reversed input: the usual quickselect worst cases
                if (round % 14 == 0) {
                    for (int i = 0; i < n / 2; i++) {
                        double t = a[i];
                        a[i] = a[n - 1 - i];
                        a[n - 1 - i] = t;
                    }
                }
            }
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            for (int q = 0; q < 5; q++) {
                int k = rnd.nextInt(n);
                OrderStatistics.select(a, n, k);
                assertEquals(Double.doubleToRawLongBits(sorted[k]), Double.doubleToRawLongBits(a[k]), "rank " + k + " of " + n);
                if (k + 1 < n) {
                    OrderStatistics.moveMinimum(a, k + 1, n);
                    assertEquals(Double.doubleToRawLongBits(sorted[k + 1]), Double.doubleToRawLongBits(a[k + 1]), "rank " + (k + 1));
                }
            }
            double[] after = a.clone();
            Arrays.sort(after);
            assertEquals(Arrays.toString(sorted), Arrays.toString(after), "selection only permutes");
        }
    }
    @Test
    void theFewAtEitherEndEqualSorting() {
        SplittableRandom rnd = new SplittableRandom(5);
        double[] out = new double[OrderStatistics.FEW];
        for (int round = 0; round < 5_000; round++) {
            int n = 1 + rnd.nextInt(round % 10 == 0 ? 3_000 : 100);
            double[] a = new double[n];
            int distinct = 1 + rnd.nextInt(n);
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(6) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextInt(distinct) * 0.5 - distinct / 4.0;
            }
            if (round % 7 == 0) {
                Arrays.sort(a); // ascending input: every value replaces the least kept (descending: the greatest)
                if (round % 14 == 0) {
                    for (int i = 0; i < n / 2; i++) {
                        double t = a[i];
                        a[i] = a[n - 1 - i];
                        a[n - 1 - i] = t;
                    }
                }
            }
            double[] copy = a.clone();
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            int m = 1 + rnd.nextInt(Math.min(n, OrderStatistics.FEW));
            OrderStatistics.largest(a, n, m, out);
            for (int k = 0; k < m; k++) {
                assertEquals(Double.doubleToRawLongBits(sorted[n - m + k]), Double.doubleToRawLongBits(out[k]),
                        "largest " + m + " of " + n + ", place " + k + ": " + Arrays.toString(copy));
            }
            OrderStatistics.smallest(a, n, m, out);
            for (int k = 0; k < m; k++) {
                assertEquals(Double.doubleToRawLongBits(sorted[k]), Double.doubleToRawLongBits(out[k]),
                        "smallest " + m + " of " + n + ", place " + k + ": " + Arrays.toString(copy));
            }
            assertArrayEquals(copy, a, "the input is left as it was");
        }
    }
}
