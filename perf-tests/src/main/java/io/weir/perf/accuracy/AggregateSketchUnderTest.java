package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchFlyweight;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import java.util.List;

/**
 * Adapter for the aggregate family ({@link AggregateSketchFlyweight} on heap, the same layout as in a slab).
 * Bounds: count, sum and sum2 report their own; the other functions claim exactness only when no bucket was
 * interpolated. Reads are cached per window, since one window is asked for all eight functions in a row.
 */
public final class AggregateSketchUnderTest implements SketchUnderTest {
    public static final List<SketchFunction> FUNCTIONS = List.of(
        SketchFunction.COUNT_OVER_TIME, SketchFunction.SUM_OVER_TIME, SketchFunction.SUM2_OVER_TIME,
        SketchFunction.AVG_OVER_TIME, SketchFunction.MIN_OVER_TIME, SketchFunction.MAX_OVER_TIME,
        SketchFunction.STDDEV_OVER_TIME, SketchFunction.STDVAR_OVER_TIME);

    private final int maxBuckets;
    private final AggregateSketchSpec spec;
    private final AggregateSketchFlyweight sketch;
    private final AggregateResult result = new AggregateResult();
    private boolean cached;
    private long cachedStart;
    private long cachedEnd;
    private double bound = Double.NaN;

    public AggregateSketchUnderTest(long windowMillis, int maxBuckets) {
        this.maxBuckets = maxBuckets;
        this.spec = AggregateSketchSpec.forWindow(windowMillis, maxBuckets);
        this.sketch = AggregateSketchFlyweight.onHeap(1, spec);
    }

    /** A factory for one {@code maxBuckets} point of the sweep. */
    public static Factory factory(int maxBuckets) {
        return new Factory() {
            @Override
            public String label() { return "maxBuckets=" + maxBuckets; }

            @Override
            public SketchUnderTest create(long windowMillis) { return new AggregateSketchUnderTest(windowMillis, maxBuckets); }
        };
    }

    public AggregateSketchSpec spec() { return spec; }

    @Override
    public String family() { return "aggregate"; }

    @Override
    public String parameters() {
        return "maxBuckets=" + maxBuckets + " (W=" + spec.bucketWidthMillis() / 1000 + "s, " + spec.bucketCount() + " buckets)";
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

    /** The full result of the last read (for tests that check the structure's own claims). */
    public AggregateResult read(long startExclusiveMs, long endInclusiveMs) {
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
        AggregateResult r = read(startExclusiveMs, endInclusiveMs);
        double exactOrUnknown = r.exact() ? 0 : Double.NaN;
        switch (function) {
            case COUNT_OVER_TIME -> { bound = r.countErrorBound(); return r.count(); }
            case SUM_OVER_TIME -> { bound = r.sumErrorBound(); return r.count() > 0 ? r.sum() : Double.NaN; }
            case SUM2_OVER_TIME -> { bound = r.sum2ErrorBound(); return r.count() > 0 ? r.sum2() : Double.NaN; }
            case AVG_OVER_TIME -> { bound = exactOrUnknown; return r.mean(); }
            case MIN_OVER_TIME -> { bound = exactOrUnknown; return r.min(); }
            case MAX_OVER_TIME -> { bound = exactOrUnknown; return r.max(); }
            case STDDEV_OVER_TIME -> { bound = exactOrUnknown; return r.stddev(); }
            case STDVAR_OVER_TIME -> { bound = exactOrUnknown; return r.variance(); }
            default -> throw new IllegalArgumentException("aggregate sketch does not answer " + function.promqlName());
        }
    }

    @Override
    public double reportedBound() { return bound; }
}
