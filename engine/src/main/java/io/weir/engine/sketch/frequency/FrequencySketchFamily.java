package io.weir.engine.sketch.frequency;

import io.weir.engine.sketch.SketchFamily;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.MemorySegment;

/** The frequency family (distinct, l1, l2, entropy) behind {@link SketchFamily}; one thread. */
public final class FrequencySketchFamily implements SketchFamily<FrequencySketchSpec, FrequencyResult> {
    private final FrequencySketchFlyweight flyweight = new FrequencySketchFlyweight();

    @Override
    public SketchFunction.Family family() { return SketchFunction.Family.FREQUENCY; }

    @Override
    public FrequencySketchSpec spec(SketchTargets targets, int seriesId) { return targets.frequency(seriesId); }

    @Override
    public void init(MemorySegment segment, long offset, int seriesId, FrequencySketchSpec spec) {
        flyweight.wrap(segment, offset).init(seriesId, spec);
    }

    @Override
    public boolean update(MemorySegment segment, long offset, long timestampMs, double value) {
        return flyweight.wrap(segment, offset).update(timestampMs, value) == FrequencySketchFlyweight.APPLIED;
    }

    @Override
    public void read(MemorySegment segment, long offset, long startExclusiveMs, long endInclusiveMs, FrequencyResult out) {
        flyweight.wrap(segment, offset).read(startExclusiveMs, endInclusiveMs, out);
    }

    @Override
    public void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, FrequencyResult out) {
        out.readExact(startExclusiveMs, endInclusiveMs, window);
    }

    @Override
    public void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, FrequencyResult out) {
        out.readExactSpan(startExclusiveMs, endInclusiveMs, span);
    }

    @Override
    public FrequencyResult newResult() { return new FrequencyResult(); }
}
