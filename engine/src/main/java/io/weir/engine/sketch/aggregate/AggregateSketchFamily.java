package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.SketchFamily;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.MemorySegment;

/** The aggregate family (count, sum, sum2, avg, min, max, stddev, stdvar) behind {@link SketchFamily}; one thread. */
public final class AggregateSketchFamily implements SketchFamily<AggregateSketchSpec, AggregateResult> {
    private final AggregateSketchFlyweight flyweight = new AggregateSketchFlyweight();

    @Override
    public SketchFunction.Family family() { return SketchFunction.Family.AGGREGATE; }

    @Override
    public AggregateSketchSpec spec(SketchTargets targets, int seriesId) { return targets.aggregate(seriesId); }

    @Override
    public void init(MemorySegment segment, long offset, int seriesId, AggregateSketchSpec spec) {
        flyweight.wrap(segment, offset).init(seriesId, spec);
    }

    @Override
    public boolean update(MemorySegment segment, long offset, long timestampMs, double value) {
        return flyweight.wrap(segment, offset).update(timestampMs, value) == AggregateSketchFlyweight.APPLIED;
    }

    @Override
    public void read(MemorySegment segment, long offset, long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        flyweight.wrap(segment, offset).read(startExclusiveMs, endInclusiveMs, out);
    }

    /** The buckets of the span being read (a range query's), loaded on its first window. */
    private final AggregateBucketSpan span = new AggregateBucketSpan();
    private long spanId = -1;
    private MemorySegment spanSegment;
    private long spanOffset;

    @Override
    public void readSpan(MemorySegment segment, long offset, long id, long spanStartExclusiveMs, long spanEndInclusiveMs,
                         long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        if (id != spanId || segment != spanSegment || offset != spanOffset) {
            // a new span, or the series' block changed within it: never answer from another block's copy
            span.load(segment, offset, spanStartExclusiveMs, spanEndInclusiveMs);
            spanId = id;
            spanSegment = segment;
            spanOffset = offset;
        }
        span.read(startExclusiveMs, endInclusiveMs, out);
    }

    @Override
    public boolean readsChunkMoments() {
        return true;
    }

    @Override
    public void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, AggregateResult out) {
        out.readExact(startExclusiveMs, endInclusiveMs, window);
    }

    @Override
    public void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, AggregateResult out) {
        out.readExactSpan(startExclusiveMs, endInclusiveMs, span, slice);
    }

    @Override
    public AggregateResult newResult() { return new AggregateResult(); }
}
