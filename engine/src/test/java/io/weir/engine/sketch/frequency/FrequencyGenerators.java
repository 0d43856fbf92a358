package io.weir.engine.sketch.frequency;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The accuracy method's value generators plus a counter and a low-cardinality gauge. */
enum FrequencyGenerators {
    ZIPF, UNIFORM, NORMAL, COUNTER, GAUGE;

    private static final int RANGE = 50_001;
    private static double[] zipfCdf;

    private static synchronized double[] zipfCdf() {
        if (zipfCdf == null) {
            double[] cdf = new double[RANGE];
            double s = 0;
            for (int i = 0; i < RANGE; i++) {
                s += Math.pow(i + 1, -1.01);
                cdf[i] = s;
            }
            for (int i = 0; i < RANGE; i++) {
                cdf[i] /= s;
            }
            zipfCdf = cdf;
        }
        return zipfCdf;
    }

    /** {@code n} values in time order. */
    double[] values(int n, SplittableRandom rnd) {
        double[] v = new double[n];
        switch (this) {
            case ZIPF -> {
                double[] cdf = zipfCdf();
                for (int i = 0; i < n; i++) {
                    int r = Arrays.binarySearch(cdf, rnd.nextDouble());
                    v[i] = r >= 0 ? r : Math.min(-r - 1, RANGE - 1);
                }
            }
            case UNIFORM -> {
                for (int i = 0; i < n; i++) {
                    v[i] = rnd.nextInt(RANGE);
                }
            }
            case NORMAL -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.rint(50_000 + 10_000 * rnd.nextGaussian());
                }
            }
            case COUNTER -> {
                double c = 1e9 + rnd.nextInt(1000);
                for (int i = 0; i < n; i++) {
                    c += 1 + rnd.nextInt(40); // requests served in a scrape interval: all values distinct
                    v[i] = c;
                }
            }
            case GAUGE -> {
                double[] levels = {0.0, -0.0, 1, 2, 3.5, 10, 100, 1e-9, -7, 42};
                double cur = levels[0];
                for (int i = 0; i < n; i++) {
                    if (rnd.nextInt(20) == 0) {
                        cur = levels[rnd.nextInt(levels.length)];
                    }
                    v[i] = cur;
                }
            }
        }
        return v;
    }
}
