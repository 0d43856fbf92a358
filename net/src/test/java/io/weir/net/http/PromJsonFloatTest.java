package io.weir.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Values are written as Go's strconv.FormatFloat(v, 'f'/'e', -1, 64) (Prometheus' JSON): the builder fast path
 * (Java's shortest digits written in place) gives exactly what the exact BigDecimal path gives, at every magnitude,
 * and a few values are pinned to Prometheus' own output.
 */
class PromJsonFloatTest {
    @Test
    void fastPathEqualsTheExactPath() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 700_000; i++) {
            double v = switch (i % 7) {
                case 0 -> Double.longBitsToDouble(rnd.nextLong());
                case 1 -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-9, 24)) * (rnd.nextBoolean() ? 1 : -1);
                case 2 -> Math.rint(rnd.nextDouble() * 1e6) / 100.0;
                case 3 -> rnd.nextInt(-100_000, 100_000) / 10.0;
                // a few decimals at every magnitude the few-decimals path takes, and just past its edges
                case 4 -> rnd.nextLong(-1L << 53, 1L << 53) / Math.pow(10, rnd.nextInt(0, 9));
                // 1-7 decimals around the one-try path's edges (|v| near 2e9, near 1e-3), and means of decimals
                case 5 -> (rnd.nextBoolean() ? 1 : -1) * (rnd.nextBoolean()
                        ? rnd.nextLong(1_000_000_000L * 1_000_000L, 3_000_000_000L * 1_000_000L) / Math.pow(10, rnd.nextInt(1, 8))
                        : rnd.nextInt(1, 100_000) / Math.pow(10, rnd.nextInt(4, 9)));
                case 6 -> (rnd.nextInt(1, 240) * 100.0 + rnd.nextInt(0, 997)) / rnd.nextInt(1, 241) / 10.0;
                default -> (rnd.nextBoolean() ? 1 : -1) * Math.pow(10, rnd.nextInt(-4, 16)) * (1 + rnd.nextInt(0, 1000) / 1000.0);
            };
            if (!Double.isFinite(v) || v == 0 || (v == Math.rint(v) && Math.abs(v) < 1e15)) {
                continue;
            }
            StringBuilder fast = new StringBuilder("x");
            PromJson.appendFloat(fast, v);
            StringBuilder exact = new StringBuilder("x");
            PromJson.appendFloatSlow(exact, v, Math.abs(v));
            assertEquals(exact.toString(), fast.toString(), "value " + v);
        }
    }

    @Test
    void prometheusForms() {
        double[] v = {104.5, 0.001, 0.0001, 1e-7, 12345678.9, 1e21, 1.5e300, -2.25, 1e15, 123456789012345678.0,
            -0.05, 2000000000.1, 0.1 + 0.2, 100.03, 999999999999999.9};
        String[] go = {"104.5", "0.001", "0.0001", "1e-07", "12345678.9", "1e+21", "1.5e+300", "-2.25", "1000000000000000",
            "123456789012345680", "-0.05", "2000000000.1", "0.30000000000000004", "100.03", "999999999999999.9"};
        for (int i = 0; i < v.length; i++) {
            StringBuilder sb = new StringBuilder();
            PromJson.appendFloat(sb, v[i]);
            assertEquals(go[i], sb.toString(), "value " + v[i]);
        }
    }
}
