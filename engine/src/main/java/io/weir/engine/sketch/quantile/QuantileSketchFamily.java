package io.weir.engine.sketch.quantile;

import io.weir.engine.sketch.SketchFamily;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.MemorySegment;

/** The quantile family (quantile_over_time) behind {@link SketchFamily}; one thread. */
public final class QuantileSketchFamily implements SketchFamily<QuantileSketchSpec, QuantileResult> {
    private final QuantileSketchFlyweight flyweight = new QuantileSketchFlyweight();

    @Override
    public SketchFunction.Family family() { return SketchFunction.Family.QUANTILE; }

    @Override
    public QuantileSketchSpec spec(SketchTargets targets, int seriesId) { return targets.quantile(seriesId); }

    @Override
    public void init(MemorySegment segment, long offset, int seriesId, QuantileSketchSpec spec) {
        flyweight.wrap(segment, offset).init(seriesId, spec);
    }

    @Override
    public boolean update(MemorySegment segment, long offset, long timestampMs, double value) {
        return flyweight.wrap(segment, offset).update(timestampMs, value) == QuantileSketchFlyweight.APPLIED;
    }

    @Override
    public void read(MemorySegment segment, long offset, long startExclusiveMs, long endInclusiveMs, QuantileResult out) {
        flyweight.wrap(segment, offset).read(startExclusiveMs, endInclusiveMs, out);
    }

    @Override
    public void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, QuantileResult out) {
        out.readExact(startExclusiveMs, endInclusiveMs, window);
    }

    @Override
    public void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, QuantileResult out) {
        out.readExactSpan(startExclusiveMs, endInclusiveMs, span);
    }

    @Override
    public QuantileResult newResult() { return new QuantileResult(); }
}
