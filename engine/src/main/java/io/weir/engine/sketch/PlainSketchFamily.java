package io.weir.engine.sketch;

import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import java.util.function.Supplier;

/**
 * A family with nothing of its own beyond its flyweight and its result, which answers raw samples itself
 * ({@link ExactAnswer}): quantile and frequency. One thread.
 */
public final class PlainSketchFamily<S extends SketchSpec, R extends ExactAnswer> extends FlyweightSketchFamily<S, R> {
    public PlainSketchFamily(SketchFunction.Family family, SpecLookup<S> specs, SketchBlockFlyweight<S, R> flyweight,
                             Supplier<R> results) {
        super(family, specs, flyweight, results);
    }

    @Override
    public void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, R out) {
        out.readExact(startExclusiveMs, endInclusiveMs, window);
    }

    @Override
    public void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, R out) {
        out.readExactSpan(startExclusiveMs, endInclusiveMs, span);
    }
}
