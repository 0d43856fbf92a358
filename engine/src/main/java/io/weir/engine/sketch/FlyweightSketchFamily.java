package io.weir.engine.sketch;

import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * What every family does the same way: its spec from the targets, the layout, update and read of its block through
 * its {@link SketchBlockFlyweight}, and raw samples answered by its result ({@link ExactAnswer}). Quantile and
 * frequency are instances of it; the aggregate family adds its own span read and chunk moments. One thread, like the
 * flyweight it wraps.
 *
 * @param <S> the family's spec
 * @param <R> the family's result
 */
public class FlyweightSketchFamily<S extends SketchSpec, R extends ExactAnswer> implements SketchFamily<S, R> {
    /** The family's spec for a series, e.g. {@code SketchTargets::quantile}. */
    @FunctionalInterface
    public interface SpecLookup<S> {
        S spec(SketchTargets targets, int seriesId);
    }

    private final SketchFunction.Family family;
    private final SpecLookup<S> specs;
    private final SketchBlockFlyweight<S, R> flyweight;
    private final Supplier<R> results;

    public FlyweightSketchFamily(SketchFunction.Family family, SpecLookup<S> specs, SketchBlockFlyweight<S, R> flyweight,
                                    Supplier<R> results) {
        this.family = family;
        this.specs = specs;
        this.flyweight = flyweight;
        this.results = results;
    }

    @Override
    public final SketchFunction.Family family() { return family; }

    @Override
    public final S spec(SketchTargets targets, int seriesId) { return specs.spec(targets, seriesId); }

    @Override
    public final void init(MemorySegment segment, long offset, int seriesId, S spec, long blockBytes) {
        flyweight.wrap(segment, offset).init(seriesId, spec, blockBytes);
    }

    @Override
    public final int update(MemorySegment segment, long offset, long timestampMs, double value) {
        return flyweight.update(segment, offset, timestampMs, value);
    }

    @Override
    public final long resizedLength(MemorySegment segment, long offset) {
        // the flyweight still wraps the block whose update asked for room, and holds what it asked
        return flyweight.wrap(segment, offset).resizedLength();
    }

    @Override
    public final void capGrowth(MemorySegment segment, long offset) {
        flyweight.wrap(segment, offset).capGrowth();
    }

    @Override
    public final void keepSizeOnce(MemorySegment segment, long offset) {
        flyweight.keepSizeOnce();
    }

    @Override
    public final void resizeInto(MemorySegment segment, long offset, MemorySegment dst, long dstOffset, long dstBytes) {
        flyweight.wrap(segment, offset).resizeInto(dst, dstOffset, dstBytes);
    }

    @Override
    public final void read(MemorySegment segment, long offset, long startExclusiveMs, long endInclusiveMs, R out) {
        flyweight.wrap(segment, offset).read(startExclusiveMs, endInclusiveMs, out);
    }

    @Override
    public final void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, R out) {
        out.readExact(startExclusiveMs, endInclusiveMs, window);
    }

    @Override
    public final void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, R out) {
        out.readExactSpan(startExclusiveMs, endInclusiveMs, span, slice);
    }

    @Override
    public final R newResult() { return results.get(); }
}
