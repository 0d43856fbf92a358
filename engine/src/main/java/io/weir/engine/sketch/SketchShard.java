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
import io.weir.engine.sketch.SketchFunction.Family;
import java.lang.foreign.MemorySegment;
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

    private static final Family[] FAMILIES = Family.values();

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
        int local = seriesId / shardCount;
        if (Double.isNaN(value)) {
            // NaN and Prometheus' stale marker (also a NaN) carry no value any sketch can take
            if ((blockOf(seriesId, local, Family.AGGREGATE) > 0) | (blockOf(seriesId, local, Family.QUANTILE) > 0)
                    | (blockOf(seriesId, local, Family.FREQUENCY) > 0)) {
                bump(SKIPPED_NAN);
            }
            return;
        }
        // the first family a series carries decides whether the sample counts as applied or too old
        int applied = NO_SKETCH;
        long block = blockOf(seriesId, local, Family.AGGREGATE);
        if (block > 0) {
            applied = outcome(applied, writerFlyweight.wrap(arena.segment(block), SlabArena.offset(block))
                    .update(timestampMs, value) == AggregateSketchFlyweight.APPLIED);
        }
        block = blockOf(seriesId, local, Family.QUANTILE);
        if (block > 0) {
            applied = outcome(applied, writerQuantile.wrap(arena.segment(block), SlabArena.offset(block))
                    .update(timestampMs, value) == QuantileSketchFlyweight.APPLIED);
        }
        block = blockOf(seriesId, local, Family.FREQUENCY);
        if (block > 0) {
            applied = outcome(applied, writerFrequency.wrap(arena.segment(block), SlabArena.offset(block))
                    .update(timestampMs, value) == FrequencySketchFlyweight.APPLIED);
        }
        if (applied == APPLIED) {
            bump(SAMPLES_APPLIED);
        } else if (applied == NOT_APPLIED) {
            bump(SKIPPED_TOO_OLD);
        }
    }

    private static final int NO_SKETCH = 0;
    private static final int APPLIED = 1;
    private static final int NOT_APPLIED = 2;

    private static int outcome(int sofar, boolean applied) {
        return sofar != NO_SKETCH ? sofar : applied ? APPLIED : NOT_APPLIED;
    }

    /** The series' block of {@code family}, created on first use if its target asks for one; <= 0 when none. */
    private long blockOf(int seriesId, int local, Family family) {
        long block = index.get(local, family);
        return block == SketchIndex.UNKNOWN ? create(seriesId, local, family) : block;
    }

    /** Cold path, once per series and family: asks the targets, allocates, initialises, then publishes. */
    private long create(int seriesId, int local, Family family) {
        Object spec = switch (family) {
            case AGGREGATE -> targets.aggregate(seriesId);
            case QUANTILE -> targets.quantile(seriesId);
            case FREQUENCY -> targets.frequency(seriesId);
        };
        if (spec == null) {
            index.set(local, family, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        int length = switch (spec) {
            case AggregateSketchSpec a -> a.blockLength();
            case QuantileSketchSpec q -> q.blockLength();
            case FrequencySketchSpec f -> f.blockLength();
            default -> throw new IllegalStateException("unknown spec " + spec);
        };
        long block = arena.allocate(length);
        if (block == SlabArena.NULL_BLOCK) {
            index.set(local, family, SketchIndex.REFUSED);
            bump(REFUSED_SERIES);
            return SketchIndex.REFUSED;
        }
        MemorySegment segment = arena.segment(block);
        long offset = SlabArena.offset(block);
        switch (spec) {
            case AggregateSketchSpec a -> writerFlyweight.wrap(segment, offset).init(seriesId, a);
            case QuantileSketchSpec q -> writerQuantile.wrap(segment, offset).init(seriesId, q);
            case FrequencySketchSpec f -> writerFrequency.wrap(segment, offset).init(seriesId, f);
            default -> throw new IllegalStateException("unknown spec " + spec);
        }
        boolean firstBlockOfSeries = !hasBlock(local);
        index.set(local, family, block);
        if (firstBlockOfSeries) {
            bump(SKETCHED_SERIES);
        }
        return block;
    }

    private boolean hasBlock(int local) {
        for (Family f : FAMILIES) {
            if (index.get(local, f) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writer only. Forgets a series' sketch (e.g. it left the targets or went stale): unpublishes and
     * retires its block, and lets the next sample ask the targets again.
     *
     * @return true when a block was retired
     */
    public boolean dropSeries(int seriesId) {
        int local = seriesId / shardCount;
        boolean had = false;
        for (Family f : FAMILIES) {
            long block = index.get(local, f);
            index.set(local, f, SketchIndex.UNKNOWN);
            if (block > 0) {
                arena.retire(block);
                had = true;
            }
        }
        if (had) {
            SKETCHED_SERIES.setOpaque(this, (long) SKETCHED_SERIES.getOpaque(this) - 1);
        }
        return had;
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

    // --- snapshot support (io.weir.engine.snapshot): the only access to blocks from outside the families ---

    public int shardCount() { return shardCount; }

    /** Local series ids at or past this have no block. */
    public int localIdLimit() { return index.idLimit(); }

    /** Writer thread (or before it starts): the block of a local series id and family; {@code <= 0} when none. */
    public long block(int localId, Family family) { return index.get(localId, family); }

    /**
     * Writer thread, or before it starts: puts back a block captured by a snapshot (its bytes copied verbatim),
     * replacing any block the series has of that family.
     *
     * @return false when the memory limit refuses the block
     */
    public boolean restoreBlock(int seriesId, Family family, MemorySegment src, long srcOffset, int length) {
        int local = seriesId / shardCount;
        long block = arena.allocate(length);
        if (block == SlabArena.NULL_BLOCK) {
            return false;
        }
        MemorySegment.copy(src, srcOffset, arena.segment(block), SlabArena.offset(block), length);
        boolean firstBlockOfSeries = !hasBlock(local);
        long old = index.get(local, family);
        index.set(local, family, block);
        if (old > 0) {
            arena.retire(old);
        } else if (firstBlockOfSeries) {
            bump(SKETCHED_SERIES);
        }
        return true;
    }

    /** Writer only, after readers have stopped: releases the arena. */
    @Override
    public void close() {
        arena.close();
    }
}
