package io.weir.engine.sketch.exact;

import io.weir.engine.sketch.quantile.QuantileResult;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A quantile read of raw samples takes the window's least and greatest value in {@link Double#compare}'s order (the
 * order Prometheus sorts by): -0.0 before 0.0, infinities at the ends, NaNs aside; oracle: {@link Arrays#sort}.
 */
class ExactQuantileExtremesTest {
    private static final double[] VALUES = {0.0, -0.0, 1.0, -1.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.NaN, 0x1p-1074, -0x1p-1074};

    @Test
    void extremesFollowDoubleCompareOrder() {
        SplittableRandom rnd = new SplittableRandom(5);
        QuantileResult q = new QuantileResult();
        for (int round = 0; round < 5_000; round++) {
            int n = 1 + rnd.nextInt(12);
            ExactWindow w = new ExactWindow();
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                // few distinct values so that ties (0.0 against -0.0 above all) come often, in either order
                x[i] = VALUES[rnd.nextInt(rnd.nextBoolean() ? 3 : VALUES.length)];
                w.add(1_000L * (i + 1), x[i]);
            }
            q.readExact(0, 1_000L * n, w);
            double[] sorted = x.clone();
            Arrays.sort(sorted); // NaNs last
            int numbers = n;
            while (numbers > 0 && Double.isNaN(sorted[numbers - 1])) {
                numbers--;
            }
            String at = Arrays.toString(x);
            if (numbers == 0) {
                assertEquals(Double.NaN, q.bucketsMin(), at);
                assertEquals(Double.NaN, q.bucketsMax(), at);
                continue;
            }
            // assertEquals(double, double) compares bits: -0.0 is not 0.0
            assertEquals(sorted[0], q.bucketsMin(), at);
            assertEquals(sorted[numbers - 1], q.bucketsMax(), at);
        }
    }
}
