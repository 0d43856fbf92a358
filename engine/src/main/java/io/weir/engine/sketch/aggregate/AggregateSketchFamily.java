package io.weir.engine.sketch.aggregate;

import io.weir.engine.sketch.FlyweightSketchFamily;
import io.weir.engine.sketch.SketchFamily;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.exact.FirstChunk;
import java.lang.foreign.MemorySegment;

/**
 * The aggregate family (count, sum, sum2, avg, min, max, stddev, stdvar) behind {@link SketchFamily}; one thread.
 * Its own: a range query's span loads the buckets once for all its windows, and raw samples are read as chunk
 * moments where a window holds whole chunks.
 */
public final class AggregateSketchFamily extends FlyweightSketchFamily<AggregateSketchSpec, AggregateResult> {
    public AggregateSketchFamily() {
        super(SketchFunction.Family.AGGREGATE, SketchTargets::aggregate, new AggregateSketchFlyweight(), AggregateResult::new);
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
    public FirstChunk firstChunk(AggregateResult out) {
        return out.firstChunk();
    }
}
