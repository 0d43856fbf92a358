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
    /**
     * In a block header's "most it may grow to" field: a block laid out at its full size that never resizes (heap
     * blocks, tests); below every table size, so no growth check passes, and no shrink is looked for.
     */
    int FIXED_SIZE = 0;

    /** Points this flyweight at the block at {@code offset} in {@code segment}. @return this */
    SketchBlockFlyweight<S, R> wrap(MemorySegment segment, long offset);

    /**
     * Writer only, before the block is published: lays out an empty sketch in a block of {@code blockBytes} (at least
     * the spec's {@link SketchSpec#initialBlockLength()}), its tables as large as the block holds, at most the spec's.
     */
    void init(int seriesId, S spec, long blockBytes);

    /**
     * Writer only: {@link #wrap}s the block at {@code offset} in {@code segment} and adds one sample to it.
     * One call on purpose: the family that drives three kinds of flyweight dispatches once per sample, and the
     * wrap and the update inside stay inlined per flyweight (two calls through this interface cost ~6 % of an
     * in-cache update of every family, loaded).
     *
     * @return {@link io.weir.engine.sketch.ring.BucketRingFlyweight#APPLIED} or the reason it was skipped
     */
    int update(MemorySegment segment, long offset, long timestampMs, double value);

    /**
     * Writer only, after {@link #update} on the wrapped block answered
     * {@link io.weir.engine.sketch.ring.BucketRingFlyweight#NEEDS_ROOM}: bytes of the block to grow into.
     */
    default long resizedLength() {
        throw new UnsupportedOperationException("this family's blocks never grow");
    }

    /**
     * Writer only, when no larger block can be had (the memory limit): the wrapped block stops asking for room, so
     * its buckets collapse or sample at the size they have.
     */
    default void capGrowth() {
    }

    /** Writer only, when the memory limit refuses a smaller block: the next {@link #update} keeps the block's size. */
    default void keepSizeOnce() {
    }

    /** Writer only: copies the wrapped block into {@code dst} of {@code dstBytes}, its tables as large as they hold. */
    default void resizeInto(MemorySegment dst, long dstOffset, long dstBytes) {
        throw new UnsupportedOperationException("this family's blocks never grow");
    }

    /** Any thread: merges the block's answer over {@code (startExclusiveMs, endInclusiveMs]} into {@code out}. */
    void read(long startExclusiveMs, long endInclusiveMs, R out);
}
