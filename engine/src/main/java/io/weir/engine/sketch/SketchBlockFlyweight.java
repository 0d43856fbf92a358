package io.weir.engine.sketch;

import java.lang.foreign.MemorySegment;

/**
 * A family's flyweight over its sketch block, the part of it {@link FlyweightSketchFamily} drives: each family's
 * bucket-ring flyweight implements it. Like every flyweight it belongs to one thread.
 *
 * @param <S> the family's spec
 * @param <R> the family's result
 */
public interface SketchBlockFlyweight<S extends SketchSpec, R> {
    /** Points this flyweight at the block at {@code offset} in {@code segment}. @return this */
    SketchBlockFlyweight<S, R> wrap(MemorySegment segment, long offset);

    /** Writer only, before the block is published: lays out an empty sketch. */
    void init(int seriesId, S spec);

    /**
     * Writer only: {@link #wrap}s the block at {@code offset} in {@code segment} and adds one sample to it.
     * One call on purpose: the family that drives three kinds of flyweight dispatches once per sample, and the
     * wrap and the update inside stay inlined per flyweight (two calls through this interface cost ~6 % of an
     * in-cache update of every family, loaded).
     *
     * @return {@link io.weir.engine.sketch.ring.BucketRingFlyweight#APPLIED} or the reason it was skipped
     */
    int update(MemorySegment segment, long offset, long timestampMs, double value);

    /** Any thread: merges the block's answer over {@code (startExclusiveMs, endInclusiveMs]} into {@code out}. */
    void read(long startExclusiveMs, long endInclusiveMs, R out);
}
