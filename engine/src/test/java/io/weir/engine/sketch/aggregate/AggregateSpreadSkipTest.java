package io.weir.engine.sketch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.exact.ExactSamplesFlyweight;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An exact read that skips the spread (for avg, sum, count, min, max) gives those answers bit for bit as the full
 * read does, and Prometheus' compensated sum where magnitudes cancel.
 */
class AggregateSpreadSkipTest {
    @Test
    void skippingTheSpreadChangesNoOtherAnswer() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(3_000);
            ExactSamplesFlyweight f = emptyBlock(n);
            long t = 1_000_000;
            for (int i = 0; i < n; i++) {
                t += 1 + rnd.nextInt(20_000);
                double v = switch (rnd.nextInt(5)) {
                    case 0 -> rnd.nextGaussian() * 1e6;
                    case 1 -> rnd.nextInt(100);
                    case 2 -> 1e9 + rnd.nextGaussian();
                    case 3 -> rnd.nextBoolean() ? 1e100 : -1e100;
                    default -> rnd.nextDouble();
                };
                f.append(t, v);
            }
            ExactWindow w = new ExactWindow();
            AggregateResult full = new AggregateResult();
            AggregateResult lean = new AggregateResult().spreadWanted(false);
            for (int q = 0; q < 20; q++) {
                long a = 1_000_000 + (long) (rnd.nextDouble() * (t - 1_000_000));
                long b = a + (long) (rnd.nextDouble() * (t - a + 1));
                f.read(a, b, w);
                full.readExact(a, b, w);
                lean.readExact(a, b, w);
                assertEquals(full.count(), lean.count());
                assertEquals(Double.doubleToLongBits(full.min()), Double.doubleToLongBits(lean.min()));
                assertEquals(Double.doubleToLongBits(full.max()), Double.doubleToLongBits(lean.max()));
                assertEquals(full.exact(), lean.exact());
                // the lean read's sum is Prometheus' compensated sum itself (kahanSumInc over the samples in order);
                // the full read reaches it through the mean and the deviations, equal to float rounding
                double[] vs = w.values();
                double sum = 0;
                double c = 0;
                for (int i = 0; i < w.size(); i++) {
                    double x = vs[i];
                    double tt = sum + x;
                    c += Math.abs(sum) >= Math.abs(x) ? (sum - tt) + x : (x - tt) + sum;
                    sum = tt;
                }
                if (w.size() > 0 && Double.isFinite(sum + c)) {
                    assertEquals(sum + c, lean.sum(), "sum over (" + a + ", " + b + "]");
                }
                assertNear(full.sum(), lean.sum(), "sum over (" + a + ", " + b + "]");
                assertNear(full.mean(), lean.mean(), "mean over (" + a + ", " + b + "]");
            }
        }
    }

    @Test
    void spanReadsWithoutSpreadOrExtremaKeepTheOtherAnswers() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int round = 0; round < 100; round++) {
            int n = 1 + rnd.nextInt(3_000);
            ExactSamplesFlyweight f = emptyBlock(n);
            long t = 1_000_000;
            for (int i = 0; i < n; i++) {
                t += 1 + rnd.nextInt(20_000);
                f.append(t, rnd.nextInt(50) == 0 ? Double.NaN : rnd.nextInt(3) == 0 ? rnd.nextInt(100) : 1e6 + rnd.nextGaussian());
            }
            io.weir.engine.sketch.exact.ExactSpan span = new io.weir.engine.sketch.exact.ExactSpan();
            f.read(Long.MIN_VALUE, Long.MAX_VALUE, span.samples());
            span.reset();
            ExactWindow slice = new ExactWindow();
            ExactWindow w = new ExactWindow();
            AggregateResult full = new AggregateResult();
            AggregateResult lean = new AggregateResult().spreadWanted(false).extremaWanted(false);
            AggregateResult oneWindow = new AggregateResult();
            long width = 1 + (long) (rnd.nextDouble() * (t - 1_000_000) / 4);
            for (long end = 1_000_000; end <= t + width; end += width / 3 + 1) {
                long start = end - width;
                full.readExactSpan(start, end, span, slice);
                lean.readExactSpan(start, end, span, slice);
                f.read(start, end, w);
                oneWindow.readExact(start, end, w);
                String at = "(" + start + ", " + end + "]";
                assertEquals(oneWindow.count(), lean.count(), at);
                assertEquals(full.count(), lean.count(), at);
                assertNear(oneWindow.sum(), lean.sum(), "sum over " + at);
                assertNear(oneWindow.mean(), lean.mean(), "mean over " + at);
                assertNear(oneWindow.min(), full.min(), "min over " + at);
                assertNear(oneWindow.max(), full.max(), "max over " + at);
                // prefix sums shift by the span's first value, a window's read by its mean: where they lie far apart
                // (values near 1e6 next to small integers), the span read sums the window on its own
                if (Double.isFinite(oneWindow.variance())) {
                    assertEquals(oneWindow.variance(), full.variance(), 1e-11 * oneWindow.variance(), "variance over " + at);
                } else {
                    assertNear(oneWindow.variance(), full.variance(), "variance over " + at);
                }
            }
        }
    }

    /** An empty exact block (heap-backed) with room for {@code n} samples of any kind. */
    private static ExactSamplesFlyweight emptyBlock(int n) {
        int capacity = n * 24 + 4096;
        MemorySegment seg = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + capacity) / 8 + 1]);
        ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
        f.init(1, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
        return f;
    }

    /** Equal to float rounding, 1e-13 of the value (NaN and infinities equal exactly). */
    private static void assertNear(double expected, double actual, String what) {
        if (Double.isFinite(expected)) {
            assertEquals(expected, actual, Math.abs(expected) * 1e-13, what);
        } else {
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual), what + ": " + expected + " vs " + actual);
        }
    }

    @Test
    void theCompensatedSumSurvivesCancellation() {
        int capacity = 4096;
        MemorySegment seg = MemorySegment.ofArray(new long[(ExactSamplesDescriptor.HEADER_LENGTH + capacity) / 8 + 1]);
        ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
        f.init(1, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
        double[] vs = {1, 1e100, 1, -1e100};
        for (int i = 0; i < vs.length; i++) {
            f.append(1000L * (i + 1), vs[i]);
        }
        ExactWindow w = new ExactWindow();
        f.read(0, 10_000, w);
        AggregateResult lean = new AggregateResult().spreadWanted(false);
        lean.readExact(0, 10_000, w);
        assertEquals(2.0, lean.sum()); // Prometheus 3: kahan summation gives 2
        assertEquals(0.5, lean.mean());
        assertTrue(Double.isNaN(lean.sum2()));
    }
}
