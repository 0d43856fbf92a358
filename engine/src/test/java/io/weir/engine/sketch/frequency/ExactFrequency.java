package io.weir.engine.sketch.frequency;

import java.util.Arrays;

/** Brute-force distinct, l1, l2 and entropy of a multiset of values (identity: canonical bits). */
final class ExactFrequency {
    double distinct;
    double l1;
    double l2;
    double entropy;

    private long[] scratch = new long[1024];

    /** Computes over {@code values[from, to)} where {@code include[i]} holds. */
    ExactFrequency of(double[] values, boolean[] include, int from, int to) {
        int n = 0;
        if (scratch.length < to - from) {
            scratch = new long[to - from];
        }
        for (int i = from; i < to; i++) {
            if (include == null || include[i]) {
                scratch[n++] = FrequencySketchFlyweight.canonicalBits(values[i]);
            }
        }
        Arrays.sort(scratch, 0, n);
        double d = 0, sq = 0, xlogx = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j < n && scratch[j] == scratch[i]) {
                j++;
            }
            double f = j - i;
            d++;
            sq += f * f;
            xlogx += f * Math.log(f) / Math.log(2);
            i = j;
        }
        distinct = d;
        l1 = n;
        l2 = Math.sqrt(sq);
        entropy = n == 0 ? 0 : Math.max(0, Math.log(n) / Math.log(2) - xlogx / n);
        return this;
    }
}
