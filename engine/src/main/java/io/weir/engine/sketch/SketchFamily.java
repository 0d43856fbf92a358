package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateSketchFamily;
import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import io.weir.engine.sketch.exact.FirstChunk;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchFlyweight;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchFlyweight;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * One sketch family as the shard and the query side see it: its spec per series, the bytes its block takes,
 * update and read on a block, and the exact answer from raw samples (the exact tier). An instance wraps a
 * flyweight, so it belongs to one thread; {@link #newSet()} gives a thread its own instances.
 *
 * @param <S> the family's spec
 * @param <R> the family's (reusable) result
 */
public interface SketchFamily<S extends SketchSpec, R> {
    SketchFunction.Family family();

    /** The spec the targets give the series for this family, or null when it has none. */
    S spec(SketchTargets targets, int seriesId);

    /**
     * Writer only, before publication: lays out an empty sketch in a block of {@code blockBytes} (at least the spec's
     * {@link SketchSpec#initialBlockLength()}), its tables as large as the block holds, at most the spec's.
     */
    void init(MemorySegment segment, long offset, int seriesId, S spec, long blockBytes);

    /**
     * Writer only: adds one sample (not the stale marker).
     *
     * @return {@link BucketRingFlyweight#APPLIED}, {@link BucketRingFlyweight#SKIPPED_TOO_OLD} (or another skip), or
     *         {@link BucketRingFlyweight#NEEDS_ROOM}: the block must grow first ({@link #resizedLength}, {@link #resizeInto})
     */
    int update(MemorySegment segment, long offset, long timestampMs, double value);

    /** Writer only, after {@link #update} of the block at {@code offset} answered NEEDS_ROOM: bytes of the block to grow into. */
    long resizedLength(MemorySegment segment, long offset);

    /** Writer only, when the memory limit refuses a larger block: the block stops asking for room. */
    void capGrowth(MemorySegment segment, long offset);

    /** Writer only, when the memory limit refuses a smaller block: the next update of the block keeps its size. */
    void keepSizeOnce(MemorySegment segment, long offset);

    /**
     * Writer only: copies the block at {@code offset} into {@code dst} of {@code dstBytes} (not yet published), its
     * tables as large as {@code dstBytes} hold; the copy answers every read as the block does.
     */
    void resizeInto(MemorySegment segment, long offset, MemorySegment dst, long dstOffset, long dstBytes);

    /** Any thread: merges the block's answer over {@code (startExclusiveMs, endInclusiveMs]} into {@code out}. */
    void read(MemorySegment segment, long offset, long startExclusiveMs, long endInclusiveMs, R out);

    /**
     * Any thread: like {@link #read}, for a window inside the span {@code (spanStartExclusiveMs,
     * spanEndInclusiveMs]} of a range query ({@code spanId} names the span; a new id means a new span or block).
     * A family that can keep what one read of the block gives for every window of the span (and answer a window
     * in less than its buckets) does; the others read the block per window.
     */
    default void readSpan(MemorySegment segment, long offset, long spanId, long spanStartExclusiveMs,
                          long spanEndInclusiveMs, long startExclusiveMs, long endInclusiveMs, R out) {
        read(segment, offset, startExclusiveMs, endInclusiveMs, out);
    }

    /**
     * Whether {@link #readExact} takes the chunks of an exact window as their moments
     * ({@link ExactWindow#chunks()}) instead of their samples: a family that needs only sums, min and max does.
     */
    default boolean readsChunkMoments() {
        return false;
    }

    /**
     * What the next {@link #readExact} into {@code out} needs of the chunk holding its window's start, for a family that
     * {@link #readsChunkMoments() reads chunk moments} ({@link FirstChunk}: an exact read may then decode less of it).
     */
    default FirstChunk firstChunk(R out) {
        return FirstChunk.SAMPLES;
    }

    /** Any thread: the exact answer over raw samples already restricted to the window. */
    void readExact(long startExclusiveMs, long endInclusiveMs, ExactWindow window, R out);

    /**
     * Any thread: the exact answer over the window {@code (startExclusiveMs, endInclusiveMs]} of a span decoded once
     * for a range query (its timestamps ascending), in less than the window's samples where the family can;
     * {@code slice} is scratch for windows it answers sample by sample.
     */
    void readExactSpan(long startExclusiveMs, long endInclusiveMs, ExactSpan span, ExactWindow slice, R out);

    /** A fresh result for this family's reads. */
    R newResult();

    /** One instance of every family, indexed by {@code Family.ordinal()}. */
    static SketchFamily<?, ?>[] newSet() {
        SketchFamily<?, ?>[] set = new SketchFamily<?, ?>[SketchFunction.Family.values().length];
        set[SketchFunction.Family.AGGREGATE.ordinal()] = new AggregateSketchFamily();
        set[SketchFunction.Family.QUANTILE.ordinal()] = new FlyweightSketchFamily<>(SketchFunction.Family.QUANTILE,
            SketchTargets::quantile, new QuantileSketchFlyweight(), QuantileResult::new);
        set[SketchFunction.Family.FREQUENCY.ordinal()] = new FlyweightSketchFamily<>(SketchFunction.Family.FREQUENCY,
            SketchTargets::frequency, new FrequencySketchFlyweight(), FrequencyResult::new);
        return set;
    }
}
