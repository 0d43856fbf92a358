package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * PromSketch's structure for avg, sum, sum2, count, stddev and stdvar, re-written from its description for
 * comparison: keep each sample with probability p, scale count and sums by 1/p, and read the mean, min, max and
 * variance off the kept samples. It reports no bound. Memory is PromSketch's own estimate, p x N x 16 bytes
 * (a timestamp and a value per kept sample of a window of N). Not a Weir structure: a baseline.
 */
public final class UniformSamplingBaseline implements SketchUnderTest {
    private final double p;
    private final long windowMillis;
    private final long intervalMillis;
    private final SplittableRandom random;
    private long[] ts = new long[1024];
    private double[] values = new double[1024];
    private int size;
    private boolean cached;
    private long cachedStart;
    private long cachedEnd;
    private int n;
    private double sum;
    private double sum2;
    private double min;
    private double max;
    private double variance;

    public UniformSamplingBaseline(double p, long windowMillis, long intervalMillis, long seed) {
        this.p = p;
        this.windowMillis = windowMillis;
        this.intervalMillis = intervalMillis;
        this.random = new SplittableRandom(seed);
    }

    public static Factory factory(double p, long intervalMillis, long seed) {
        return new Factory() {
            @Override
            public String label() { return "p=" + p; }

            @Override
            public SketchUnderTest create(long windowMillis) { return new UniformSamplingBaseline(p, windowMillis, intervalMillis, seed); }
        };
    }

    @Override
    public String family() { return "sampling"; }

    @Override
    public String parameters() { return "p=" + p; }

    @Override
    public List<SketchFunction> functions() { return AggregateSketchUnderTest.FUNCTIONS; }

    @Override
    public long bytesPerSeries() { return Math.round(p * (windowMillis / intervalMillis) * 16); }

    @Override
    public void update(long timestampMs, double value) {
        if (random.nextDouble() >= p) {
            return;
        }
        if (size == ts.length) {
            ts = Arrays.copyOf(ts, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        cached = false;
        ts[size] = timestampMs;
        values[size] = value;
        size++;
    }

    @Override
    public double answer(SketchFunction function, double phi, long startExclusiveMs, long endInclusiveMs) {
        if (!cached || cachedStart != startExclusiveMs || cachedEnd != endInclusiveMs) {
            summarise(startExclusiveMs, endInclusiveMs);
        }
        if (function == SketchFunction.COUNT_OVER_TIME) {
            return n / p;
        }
        if (n == 0) {
            return Double.NaN;
        }
        return switch (function) {
            case SUM_OVER_TIME -> sum / p;
            case SUM2_OVER_TIME -> sum2 / p;
            case AVG_OVER_TIME -> sum / n;
            case MIN_OVER_TIME -> min;
            case MAX_OVER_TIME -> max;
            case STDVAR_OVER_TIME -> variance;
            case STDDEV_OVER_TIME -> Math.sqrt(variance);
            default -> throw new IllegalArgumentException("sampling does not answer " + function.promqlName());
        };
    }

    /** One pass for the sums, one for the variance, cached: a window is asked all eight functions in a row. */
    private void summarise(long startExclusiveMs, long endInclusiveMs) {
        int lo = firstAfter(startExclusiveMs);
        int hi = Math.max(lo, firstAfter(endInclusiveMs));
        n = hi - lo;
        sum = 0;
        sum2 = 0;
        min = Double.POSITIVE_INFINITY;
        max = Double.NEGATIVE_INFINITY;
        for (int i = lo; i < hi; i++) {
            double v = values[i];
            sum += v;
            sum2 += v * v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / n;
        double dev = 0;
        for (int i = lo; i < hi; i++) {
            double d = values[i] - mean;
            dev += d * d;
        }
        variance = n == 0 ? Double.NaN : dev / n;
        cached = true;
        cachedStart = startExclusiveMs;
        cachedEnd = endInclusiveMs;
    }

    private int firstAfter(long t) {
        return io.weir.engine.sketch.span.Ascending.firstAfter(ts, 0, size, t);
    }

    @Override
    public double reportedBound() { return Double.NaN; }
}
