package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchFlyweight;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;

import java.util.List;
import java.util.Locale;

/**
 * Adapter for the frequency family ({@link FrequencySketchFlyweight} on heap, the slab layout), asked distinct, l1,
 * l2 and entropy. The structure's bounds are relative to its estimate (3 sigma of the sampling estimate plus the
 * edge-bucket worst case); they are turned absolute here. Reads are cached per window: one window is asked all four.
 */
public final class FrequencySketchUnderTest implements SketchUnderTest {
    public static final List<SketchFunction> FUNCTIONS = List.of(SketchFunction.DISTINCT_OVER_TIME, SketchFunction.L1_OVER_TIME,
            SketchFunction.L2_OVER_TIME, SketchFunction.ENTROPY_OVER_TIME);

    private final int maxBuckets;
    private final int maxBlockBytes;
    private final FrequencySketchSpec spec;
    private final FrequencySketchFlyweight sketch;
    private final FrequencyResult result = new FrequencyResult();
    private boolean cached;
    private long cachedStart;
    private long cachedEnd;
    private double bound = Double.NaN;

    public FrequencySketchUnderTest(long windowMillis, int maxBuckets, int maxBlockBytes) {
        this.maxBuckets = maxBuckets;
        this.maxBlockBytes = maxBlockBytes;
        this.spec = FrequencySketchSpec.forWindow(windowMillis, maxBuckets, maxBlockBytes);
        this.sketch = FrequencySketchFlyweight.onHeap(1, spec);
    }

    public static Factory factory(int maxBuckets, int maxBlockBytes) {
        String label = String.format(Locale.ROOT, "maxBuckets=%d, %d KiB", maxBuckets, maxBlockBytes / 1024);
        return new Factory() {
            @Override
            public String label() { return label; }

            @Override
            public SketchUnderTest create(long windowMillis) { return new FrequencySketchUnderTest(windowMillis, maxBuckets, maxBlockBytes); }
        };
    }

    @Override
    public String family() { return "frequency"; }

    @Override
    public String parameters() {
        return String.format(Locale.ROOT, "maxBuckets=%d, %d KiB (W=%ds, %d buckets)", maxBuckets, maxBlockBytes / 1024,
                spec.bucketWidthMillis() / 1000, spec.bucketCount());
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

    @Override
    public double answer(SketchFunction function, double phi, long startExclusiveMs, long endInclusiveMs) {
        if (!cached || cachedStart != startExclusiveMs || cachedEnd != endInclusiveMs) {
            sketch.read(startExclusiveMs, endInclusiveMs, result);
            cached = true;
            cachedStart = startExclusiveMs;
            cachedEnd = endInclusiveMs;
        }
        if (result.l1() <= 0) {
            bound = Double.NaN;
            return Double.NaN;
        }
        double estimate;
        double relative;
        switch (function) {
            case DISTINCT_OVER_TIME -> { estimate = result.distinct(); relative = result.distinctErrorBound(); }
            case L1_OVER_TIME -> { estimate = result.l1(); relative = result.l1ErrorBound(); }
            case L2_OVER_TIME -> { estimate = result.l2(); relative = result.l2ErrorBound(); }
            case ENTROPY_OVER_TIME -> { estimate = result.entropy(); relative = result.entropyErrorBound(); }
            default -> throw new IllegalArgumentException("frequency sketch does not answer " + function.promqlName());
        }
        // entropy's bound is absolute when the entropy is 0
        bound = result.exact() ? 0 : estimate == 0 ? relative : relative * Math.abs(estimate);
        return estimate;
    }

    @Override
    public double reportedBound() { return bound; }
}
