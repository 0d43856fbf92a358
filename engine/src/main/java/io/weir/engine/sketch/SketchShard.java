package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchFlyweight;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchFlyweight;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchFlyweight;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import io.weir.engine.sketch.slab.ReaderEpochs;
import io.weir.engine.sketch.slab.SlabArena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The sketches of one shard: written only by that shard's writer thread ({@link #update},
 * {@link #dropSeries}, {@link #reclaim}, {@link #close}), read lock-free by any thread
 * ({@link #readAggregate} and the counters).
 *
 * <p>A series gets its block on its first sample, if the targets say it is sketched; the block is
 * initialised, then published in the {@link SketchIndex}, so a reader finds either nothing or a
 * complete block. Readers enter a reader epoch around the lookup and the read, which keeps a block
 * that {@link #dropSeries} retires from being reused under them.
 */
public final class SketchShard implements AutoCloseable {
    private static final VarHandle SAMPLES_APPLIED;
    private static final VarHandle SKIPPED_NAN;
    private static final VarHandle SKIPPED_TOO_OLD;
    private static final VarHandle REFUSED_SERIES;
    private static final VarHandle SKETCHED_SERIES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SAMPLES_APPLIED = l.findVarHandle(SketchShard.class, "samplesApplied", long.class);
            SKIPPED_NAN = l.findVarHandle(SketchShard.class, "skippedNaN", long.class);
            SKIPPED_TOO_OLD = l.findVarHandle(SketchShard.class, "skippedTooOld", long.class);
            REFUSED_SERIES = l.findVarHandle(SketchShard.class, "refusedSeries", long.class);
            SKETCHED_SERIES = l.findVarHandle(SketchShard.class, "sketchedSeries", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int shardCount;
    private final SlabArena arena;
    private final ReaderEpochs readerEpochs;
    private final SketchTargets targets;
    private final SketchIndex index = new SketchIndex();
    /** The writer's flyweight; readers take theirs from {@link #readerFlyweight}. */
    private final AggregateSketchFlyweight writerFlyweight = new AggregateSketchFlyweight();
    private final ThreadLocal<AggregateSketchFlyweight> readerFlyweight = ThreadLocal.withInitial(AggregateSketchFlyweight::new);
    private final QuantileSketchFlyweight writerQuantile = new QuantileSketchFlyweight();
    private final ThreadLocal<QuantileSketchFlyweight> readerQuantile = ThreadLocal.withInitial(QuantileSketchFlyweight::new);
    private final FrequencySketchFlyweight writerFrequency = new FrequencySketchFlyweight();
    private final ThreadLocal<FrequencySketchFlyweight> readerFrequency = ThreadLocal.withInitial(FrequencySketchFlyweight::new);

    // written by the writer with opaque stores, read by any thread with opaque loads
    @SuppressWarnings("unused")
    private long samplesApplied;
    @SuppressWarnings("unused")
    private long skippedNaN;
    @SuppressWarnings("unused")
    private long skippedTooOld;
    @SuppressWarnings("unused")
    private long refusedSeries;
    @SuppressWarnings("unused")
    private long sketchedSeries;

    /**
     * @param shardCount       shards in the engine; this shard sees series ids {@code id mod shardCount}
     * @param arena            memory of this shard, owned by the same writer thread from now on
     * @param targets    the sketches of each series (null spec = none of that family); asked once per series and
     *                   family, on the writer thread
     */
    public SketchShard(int shardCount, SlabArena arena, SketchTargets targets) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be >= 1, was " + shardCount);
        }
        this.shardCount = shardCount;
        this.arena = arena;
        this.readerEpochs = arena.readerEpochs();
        this.targets = targets;
    }

    /** Writer only. Applies one sample of a series of this shard. Never throws for bad samples: counts them. */
    public void update(int seriesId, long timestampMs, double value) {
        if (Double.isNaN(value)) {
            // NaN and Prometheus' stale marker (also a NaN) carry no value any sketch can take
            if (hasAnySketch(seriesId / shardCount, seriesId)) {
                bump(SKIPPED_NAN);
            }
            return;
        }
        int local = seriesId / shardCount;
        int status = -1;
        long block = index.get(local, SketchFunction.Family.AGGREGATE);
        if (block == SketchIndex.UNKNOWN) {
            block = createAggregate(seriesId, local);
        }
        if (block > 0) {
            status = writerFlyweight.wrap(arena.segment(block), SlabArena.offset(block)).update(timestampMs, value);
        }
        long qBlock = index.get(local, SketchFunction.Family.QUANTILE);
        if (qBlock == SketchIndex.UNKNOWN) {
            qBlock = createQuantile(seriesId, local);
        }
        if (qBlock > 0) {
            int q = writerQuantile.wrap(arena.segment(qBlock), SlabArena.offset(qBlock)).update(timestampMs, value);
            if (status < 0) {
                status = q == QuantileSketchFlyweight.APPLIED ? AggregateSketchFlyweight.APPLIED : AggregateSketchFlyweight.SKIPPED_TOO_OLD;
            }
        }
        long fBlock = index.get(local, SketchFunction.Family.FREQUENCY);
        if (fBlock == SketchIndex.UNKNOWN) {
            fBlock = createFrequency(seriesId, local);
        }
        if (fBlock > 0) {
            int f = writerFrequency.wrap(arena.segment(fBlock), SlabArena.offset(fBlock)).update(timestampMs, value);
            if (status < 0) {
                status = f == FrequencySketchFlyweight.APPLIED ? AggregateSketchFlyweight.APPLIED : AggregateSketchFlyweight.SKIPPED_TOO_OLD;
            }
        }
        if (status == AggregateSketchFlyweight.APPLIED) {
            bump(SAMPLES_APPLIED);
        } else if (status >= 0) {
            bump(SKIPPED_TOO_OLD);
        }
    }

    private boolean hasAnySketch(int local, int seriesId) {
        long a = index.get(local, SketchFunction.Family.AGGREGATE);
        if (a == SketchIndex.UNKNOWN) {
            a = createAggregate(seriesId, local);
        }
        long q = index.get(local, SketchFunction.Family.QUANTILE);
        if (q == SketchIndex.UNKNOWN) {
            q = createQuantile(seriesId, local);
        }
        long f = index.get(local, SketchFunction.Family.FREQUENCY);
        if (f == SketchIndex.UNKNOWN) {
            f = createFrequency(seriesId, local);
        }
        return a > 0 || q > 0 || f > 0;
    }

    private long createFrequency(int seriesId, int local) {
        FrequencySketchSpec spec = targets.frequency(seriesId);
        if (spec == null) {
            index.set(local, SketchFunction.Family.FREQUENCY, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        long block = arena.allocate(spec.blockLength());
        if (block == SlabArena.NULL_BLOCK) {
            index.set(local, SketchFunction.Family.FREQUENCY, SketchIndex.REFUSED);
            bump(REFUSED_SERIES);
            return SketchIndex.REFUSED;
        }
        writerFrequency.wrap(arena.segment(block), SlabArena.offset(block)).init(seriesId, spec);
        index.set(local, SketchFunction.Family.FREQUENCY, block);
        if (index.get(local, SketchFunction.Family.AGGREGATE) <= 0 && index.get(local, SketchFunction.Family.QUANTILE) <= 0) {
            bump(SKETCHED_SERIES);
        }
        return block;
    }

    private long createQuantile(int seriesId, int local) {
        QuantileSketchSpec spec = targets.quantile(seriesId);
        if (spec == null) {
            index.set(local, SketchFunction.Family.QUANTILE, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        long block = arena.allocate(spec.blockLength());
        if (block == SlabArena.NULL_BLOCK) {
            index.set(local, SketchFunction.Family.QUANTILE, SketchIndex.REFUSED);
            bump(REFUSED_SERIES);
            return SketchIndex.REFUSED;
        }
        writerQuantile.wrap(arena.segment(block), SlabArena.offset(block)).init(seriesId, spec);
        index.set(local, SketchFunction.Family.QUANTILE, block);
        if (index.get(local, SketchFunction.Family.AGGREGATE) <= 0) {
            bump(SKETCHED_SERIES);
        }
        return block;
    }

    private long createAggregate(int seriesId, int local) {
        AggregateSketchSpec spec = targets.aggregate(seriesId);
        if (spec == null) {
            index.set(local, SketchFunction.Family.AGGREGATE, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        long block = arena.allocate(spec.blockLength());
        if (block == SlabArena.NULL_BLOCK) {
            index.set(local, SketchFunction.Family.AGGREGATE, SketchIndex.REFUSED);
            bump(REFUSED_SERIES);
            return SketchIndex.REFUSED;
        }
        writerFlyweight.wrap(arena.segment(block), SlabArena.offset(block)).init(seriesId, spec);
        index.set(local, SketchFunction.Family.AGGREGATE, block);
        bump(SKETCHED_SERIES);
        return block;
    }

    /**
     * Writer only. Forgets a series' sketch (e.g. it left the targets or went stale): unpublishes and
     * retires its block, and lets the next sample ask the targets again.
     *
     * @return true when a block was retired
     */
    public boolean dropSeries(int seriesId) {
        int local = seriesId / shardCount;
        long block = index.get(local, SketchFunction.Family.AGGREGATE);
        long qBlock = index.get(local, SketchFunction.Family.QUANTILE);
        long fBlock = index.get(local, SketchFunction.Family.FREQUENCY);
        index.set(local, SketchFunction.Family.AGGREGATE, SketchIndex.UNKNOWN);
        index.set(local, SketchFunction.Family.QUANTILE, SketchIndex.UNKNOWN);
        index.set(local, SketchFunction.Family.FREQUENCY, SketchIndex.UNKNOWN);
        for (long b : new long[] {block, qBlock, fBlock}) {
            if (b > 0) {
                arena.retire(b);
            }
        }
        if (block > 0 || qBlock > 0 || fBlock > 0) {
            SKETCHED_SERIES.setOpaque(this, (long) SKETCHED_SERIES.getOpaque(this) - 1);
            return true;
        }
        return false;
    }

    /** Writer only, from its idle loop: makes retired blocks reusable once readers have left. @return blocks freed */
    public int reclaim() {
        return arena.reclaim();
    }

    /**
     * Any thread. Reads a series' frequency sketch over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no frequency sketch ({@code out} untouched)
     */
    public boolean readFrequency(int seriesId, long startExclusiveMs, long endInclusiveMs, FrequencyResult out) {
        int slot = readerEpochs.enter();
        try {
            long block = index.get(seriesId / shardCount, SketchFunction.Family.FREQUENCY);
            if (block <= 0) {
                return false;
            }
            readerFrequency.get().wrap(arena.segment(block), SlabArena.offset(block))
                .read(startExclusiveMs, endInclusiveMs, out);
            return true;
        } finally {
            readerEpochs.exit(slot);
        }
    }

    /**
     * Any thread. Reads a series' quantile sketch over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no quantile sketch ({@code out} untouched)
     */
    public boolean readQuantile(int seriesId, long startExclusiveMs, long endInclusiveMs, QuantileResult out) {
        int slot = readerEpochs.enter();
        try {
            long block = index.get(seriesId / shardCount, SketchFunction.Family.QUANTILE);
            if (block <= 0) {
                return false;
            }
            readerQuantile.get().wrap(arena.segment(block), SlabArena.offset(block))
                .read(startExclusiveMs, endInclusiveMs, out);
            return true;
        } finally {
            readerEpochs.exit(slot);
        }
    }

    /**
     * Any thread. Reads a series' aggregate sketch over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no aggregate sketch ({@code out} untouched)
     */
    public boolean readAggregate(int seriesId, long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        int slot = readerEpochs.enter();
        try {
            long block = index.get(seriesId / shardCount, SketchFunction.Family.AGGREGATE);
            if (block <= 0) {
                return false;
            }
            readerFlyweight.get().wrap(arena.segment(block), SlabArena.offset(block))
                .read(startExclusiveMs, endInclusiveMs, out);
            return true;
        } finally {
            readerEpochs.exit(slot);
        }
    }

    private void bump(VarHandle counter) {
        counter.setOpaque(this, (long) counter.getOpaque(this) + 1);
    }

    public long samplesApplied() { return (long) SAMPLES_APPLIED.getOpaque(this); }

    public long skippedNaN() { return (long) SKIPPED_NAN.getOpaque(this); }

    public long skippedTooOld() { return (long) SKIPPED_TOO_OLD.getOpaque(this); }

    /** Series whose block the memory limit refused (each counted once until dropped). */
    public long refusedSeries() { return (long) REFUSED_SERIES.getOpaque(this); }

    /** Series with a live aggregate block. */
    public long sketchedSeries() { return (long) SKETCHED_SERIES.getOpaque(this); }

    public long bytesInUse() { return arena.bytesInUse(); }

    public long bytesReserved() { return arena.bytesReserved(); }

    public SlabArena arena() { return arena; }

    /** Writer only, after readers have stopped: releases the arena. */
    @Override
    public void close() {
        arena.close();
    }
}
