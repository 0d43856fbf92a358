package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchFlyweight;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import java.util.List;
import java.util.Locale;

/**
 * Adapter for the quantile family ({@link QuantileSketchFlyweight} on heap, the same layout as in a slab), asked
 * {@code quantile_over_time} at {@link Measure#QUANTILE_PHIS}. Bounds: the value bound {@code (g_L - 1)} of
 * {@link QuantileResult#relativeValueErrorBound()} turned absolute, claimed only when no bucket was interpolated
 * ({@link QuantileResult#exact()}); the rank bound {@link QuantileResult#rankErrorBound(double)} always. Reads are
 * cached per window, since one window is asked for every phi in a row.
 */
public final class QuantileSketchUnderTest implements SketchUnderTest {
    public static final List<SketchFunction> FUNCTIONS = List.of(SketchFunction.QUANTILE_OVER_TIME);

    private final int maxBuckets;
    private final int maxBlockBytes;
    private final QuantileSketchSpec spec;
    private final QuantileSketchFlyweight sketch;
    private final QuantileResult result = new QuantileResult();
    private boolean cached;
    private long cachedStart;
    private long cachedEnd;
    private double bound = Double.NaN;
    private double rankBound = Double.NaN;

    public QuantileSketchUnderTest(long windowMillis, int maxBuckets, int maxBlockBytes) {
        this.maxBuckets = maxBuckets;
        this.maxBlockBytes = maxBlockBytes;
        this.spec = QuantileSketchSpec.forWindow(windowMillis, maxBuckets, maxBlockBytes, QuantileSketchSpec.DEFAULT_RELATIVE_ACCURACY);
        this.sketch = QuantileSketchFlyweight.onHeap(1, spec);
    }

    /** A factory for one (maxBuckets, maxBlockBytes) point; the engine's default is (60, 48 KiB). */
    public static Factory factory(int maxBuckets, int maxBlockBytes) {
        String label = String.format(Locale.ROOT, "maxBuckets=%d, %d KiB", maxBuckets, maxBlockBytes / 1024);
        return new Factory() {
            @Override
            public String label() { return label; }

            @Override
            public SketchUnderTest create(long windowMillis) { return new QuantileSketchUnderTest(windowMillis, maxBuckets, maxBlockBytes); }
        };
    }

    /** The engine's default spec ({@link QuantileSketchSpec#forWindow(long)}). */
    public static Factory defaultFactory() {
        return factory(QuantileSketchSpec.DEFAULT_MAX_BUCKETS, QuantileSketchSpec.DEFAULT_MAX_BLOCK_BYTES);
    }

    @Override
    public String family() { return "quantile"; }

    @Override
    public String parameters() {
        return String.format(Locale.ROOT, "maxBuckets=%d, %d KiB (W=%ds, %d buckets x %d counters)", maxBuckets, maxBlockBytes / 1024,
            spec.bucketWidthMillis() / 1000, spec.bucketCount(), spec.countersPerBucket());
    }

    @Override
    public List<SketchFunction> functions() { return FUNCTIONS; }

    @Override
    public long bytesPerSeries() { return spec.blockLength(); }

    @Override
    public void update(long timestampMs, double value) {
        sketch.update(timestampMs, value);
        cached = false;
    }

    /** The full result of the last read. */
    public QuantileResult read(long startExclusiveMs, long endInclusiveMs) {
        if (!cached || cachedStart != startExclusiveMs || cachedEnd != endInclusiveMs) {
            sketch.read(startExclusiveMs, endInclusiveMs, result);
            cached = true;
            cachedStart = startExclusiveMs;
            cachedEnd = endInclusiveMs;
        }
        return result;
    }

    @Override
    public double answer(SketchFunction function, double phi, long startExclusiveMs, long endInclusiveMs) {
        if (function != SketchFunction.QUANTILE_OVER_TIME) {
            throw new IllegalArgumentException("quantile sketch does not answer " + function.promqlName());
        }
        QuantileResult r = read(startExclusiveMs, endInclusiveMs);
        double q = r.quantile(phi);
        rankBound = r.isEmpty() ? Double.NaN : r.rankErrorBound(phi);
        bound = Double.NaN;
        if (r.exact() && Double.isFinite(q)) {
            double a = r.relativeValueErrorBound();
            if (r.bucketsMin() >= 0 || r.bucketsMax() <= 0) {
                // neighbours share a sign: |q - t| <= a|t| and |t| <= |q| / (1 - a)
                bound = a < 1 ? a * Math.abs(q) / (1 - a) : Double.NaN;
            } else {
                // neighbours may straddle 0: the interpolation of two order statistics each within a|x|
                bound = a * Math.max(Math.abs(r.bucketsMin()), Math.abs(r.bucketsMax()));
            }
        }
        return q;
    }

    @Override
    public double reportedBound() { return bound; }

    @Override
    public double reportedRankBound() { return rankBound; }
}
