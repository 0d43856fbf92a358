package io.weir.engine.sketch;

import io.weir.engine.series.KeptReadState;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.exact.ChunkCut;
import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.exact.ExactSamplesFlyweight;
import io.weir.engine.sketch.exact.ExactSpan;
import io.weir.engine.sketch.exact.ExactWindow;
import io.weir.engine.sketch.exact.FirstChunk;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.ring.BucketRingFlyweight;
import io.weir.engine.sketch.slab.ReaderEpochs;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.engine.sketch.SketchFunction.Family;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The sketches of one shard: written only by that shard's writer thread ({@link #update}, {@link #clock},
 * {@link #evictIdle}, {@link #dropSeries}, {@link #reclaim}, {@link #close}), read lock-free by any thread
 * ({@link #readAggregate}, {@link #readQuantile}, {@link #readFrequency} and the counters).
 *
 * <p>Memory follows the data. With the exact tier on, a targeted series starts with an exact-samples block (its
 * raw samples, Gorilla-compressed, see {@link ExactSamplesDescriptor}) and every function is answered exactly from
 * it. When the block is full the writer rebuilds it without the samples that left the window, in the smallest
 * size class that fits; once the samples of a window need more bytes than the family sketches the series' target
 * asks for, the series is promoted: its sketches are laid out, the window's samples replayed into them and
 * published, then the exact block is replaced by its <em>tail</em>: the raw samples of the last few minutes
 * ({@link #exactTail}), kept beside the sketches, which answers the windows it holds whole exactly (the sketches
 * answer the rest). With the tier off, sketches are created on the first sample.
 *
 * <p>Every block is initialised before it is published in the {@link SketchIndex}, so a reader finds either
 * nothing or a complete block; readers check the exact entry first, and the writer publishes the sketches of a
 * promoted series before it unpublishes its exact block, so no reader misses a sample. Readers enter a reader
 * epoch around the lookup and the read, which keeps a retired block from being reused under them.
 *
 * <p>A series with no sample for longer than its window (by the writer's clock) leaves: {@link #evictIdle}, called
 * from the shard writer's periodic work, retires its blocks and forgets its refusal, so memory returns to the slab.
 */
public final class SketchShard implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SketchShard.class.getName());
    private static final VarHandle SAMPLES_APPLIED;
    private static final VarHandle SKIPPED_STALE;
    private static final VarHandle SKIPPED_TOO_OLD;
    private static final VarHandle SKIPPED_NO_MEMORY;
    private static final VarHandle REFUSED_SERIES;
    private static final VarHandle SKETCHED_SERIES;
    private static final VarHandle EXACT_SERIES;
    private static final VarHandle PROMOTED_SERIES;
    private static final VarHandle EVICTED_SERIES;
    private static final VarHandle RESIZED_BLOCKS;
    private static final VarHandle GROWTH_REFUSED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SAMPLES_APPLIED = l.findVarHandle(SketchShard.class, "samplesApplied", long.class);
            SKIPPED_STALE = l.findVarHandle(SketchShard.class, "skippedStale", long.class);
            SKIPPED_TOO_OLD = l.findVarHandle(SketchShard.class, "skippedTooOld", long.class);
            SKIPPED_NO_MEMORY = l.findVarHandle(SketchShard.class, "skippedNoMemory", long.class);
            REFUSED_SERIES = l.findVarHandle(SketchShard.class, "refusedSeries", long.class);
            SKETCHED_SERIES = l.findVarHandle(SketchShard.class, "sketchedSeries", long.class);
            EXACT_SERIES = l.findVarHandle(SketchShard.class, "exactSeries", long.class);
            PROMOTED_SERIES = l.findVarHandle(SketchShard.class, "promotedSeries", long.class);
            EVICTED_SERIES = l.findVarHandle(SketchShard.class, "evictedSeries", long.class);
            RESIZED_BLOCKS = l.findVarHandle(SketchShard.class, "resizedBlocks", long.class);
            GROWTH_REFUSED = l.findVarHandle(SketchShard.class, "growthRefused", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Family[] FAMILIES = Family.values();
    /** First size of an exact block: the header and room for a few samples. */
    static final int INITIAL_EXACT_BYTES = 256;
    /**
     * Rebuilt exact blocks get this share of their used bytes as room to grow by default ({@code storage.exact_growth};
     * plus the size class's rounding): a steady series is rebuilt about every eighth of its window, each rebuild a cut
     * and a copy of the stream (no re-encoding: at most one chunk decoded), ~1.5 ns a sample at 1 s / 6 h; a larger
     * share would cost memory on every exact series (1/4 took a 1 s / 6 h counter from 48 to 56 KiB once checkpoints
     * carried their chunk's moments). While the window is still filling, blocks double instead (a plain copy).
     */
    public static final Share DEFAULT_EXACT_GROWTH = new Share(1, 8);
    /**
     * A promoted series keeps a <em>tail</em>: the exact samples of its last {@link #tailSpanMillis} beside its
     * sketches, so that short recent windows (the last 5 minutes of a 6-hour window) are answered exactly where the
     * sketches would interpolate within a bucket. At least this span by default ({@code storage.exact_tail})...
     */
    public static final long DEFAULT_TAIL_MIN_MS = 10 * 60_000L;
    /**
     * ... or this share of the window ({@code storage.exact_tail_share}; a 27.8 h window keeps 69 minutes, so the
     * last hour of a dense series is answered exactly: 1/36 kept 46 minutes and left the 1 h answers of a 1e5-sample
     * window 0.2-7 % off, docs/accuracy.md), at most half of it ...
     */
    public static final Share DEFAULT_TAIL_WINDOW_SHARE = new Share(1, 24);
    /**
     * ... within this share of the bytes of the series' sketches ({@code storage.exact_tail_budget}); a tail that
     * outgrows it is dropped. A quarter holds 69 minutes of 1 s samples of full-precision doubles (~8 bytes each)
     * beside 192 KiB of sketches; 1/5 and 1/8 halved those tails.
     */
    public static final Share DEFAULT_TAIL_BUDGET = new Share(1, 4);
    /**
     * 64 KiB: a series keeps its raw samples (exact answers at every window) up to this whatever its sketches would
     * take; past it, the writer builds the sketches from the window when the exact block would outgrow them, and keeps
     * the smaller form. The 1 s / 6 h counters and decimal gauges of issue 7's table (40-56 KiB) stay exact.
     */
    public static final int DEFAULT_EXACT_KEEP_BYTES = 64 * 1024;
    /** The most of a window a tail spans. */
    public static final Share MAX_TAIL_WINDOW_SHARE = new Share(1, 2);

    /**
     * Samples whose blocks are touched together: enough misses to overlap (three lines each), few enough that the
     * lines are still in L1 when the samples are applied. 8, 16 and 32 measured alike; without the touches the
     * node ingested ~20 % less at 10,000 series ({@code docs/benchmarks.md}).
     */
    private static final int TOUCH_GROUP = 16;

    private final int shardCount;
    private final SlabArena arena;
    private final ReaderEpochs readerEpochs;
    private final SketchTargets targets;
    /** The shortest tail a promoted series keeps; 0: none. */
    private long tailMinMs = DEFAULT_TAIL_MIN_MS;
    /** Set before the writer starts ({@code storage.exact_growth}, {@code exact_tail_share}, {@code exact_tail_budget}). */
    private Share growth = DEFAULT_EXACT_GROWTH;
    private Share tailWindowShare = DEFAULT_TAIL_WINDOW_SHARE;
    private Share tailBudget = DEFAULT_TAIL_BUDGET;
    /** Largest exact block; 0 turns the exact tier off. */
    private final int exactMaxBytes;
    /** Exact blocks up to this size are kept whatever the sketches would take ({@code storage.exact_keep_bytes}). */
    private int exactKeepBytes = DEFAULT_EXACT_KEEP_BYTES;
    private final SketchIndex index = new SketchIndex();
    private final SeriesActivity activity = new SeriesActivity();

    // writer-only scratch
    private final SketchFamily<?, ?>[] writerFamilies = SketchFamily.newSet();
    private final ExactSamplesFlyweight writerExact = new ExactSamplesFlyweight();
    private final ExactSamplesFlyweight rebuildExact = new ExactSamplesFlyweight();
    private final ExactWindow writerWindow = new ExactWindow();
    private final MemorySegment rebuildScratch;
    private final long[] familyBlocks = new long[FAMILIES.length];
    private final long clockOriginMs = System.currentTimeMillis();
    private int nowSec;
    /** Where {@link #touch} leaves its loads' sum, so the JIT keeps them. */
    @SuppressWarnings("unused")
    private long touchSink;
    private int evictCursor;

    private final ThreadLocal<ReaderScratch> readerScratch = ThreadLocal.withInitial(ReaderScratch::new);
    /** Where each series' last exact read cut its window's first chunk, for the next read to carry on from. */
    private final ChunkCuts chunkCuts = new ChunkCuts();

    /** A reader thread's flyweights: one family set, one exact flyweight, one decoded window. */
    private static final class ReaderScratch {
        final SketchFamily<?, ?>[] families = SketchFamily.newSet();
        final ExactSamplesFlyweight exact = new ExactSamplesFlyweight();
        final ExactWindow window = new ExactWindow();
        /** The series of the open span ({@link #beginSpan}), -1 when none; its exact samples decoded once. */
        int spanSeries = -1;
        long spanStartExcl;
        long spanEndIncl;
        /** True when the span's series had an exact block when it opened, now decoded in {@link #span}. */
        boolean spanExact;
        /** Names each span (and each block read within it) for the families that keep per-span state. */
        long spanId;
        final ExactSpan span = new ExactSpan();
    }

    // written by the writer with opaque stores, read by any thread with opaque loads
    @SuppressWarnings("unused")
    private long samplesApplied;
    @SuppressWarnings("unused")
    private long skippedStale;
    @SuppressWarnings("unused")
    private long skippedTooOld;
    @SuppressWarnings("unused")
    private long skippedNoMemory;
    @SuppressWarnings("unused")
    private long refusedSeries;
    @SuppressWarnings("unused")
    private long sketchedSeries;
    @SuppressWarnings("unused")
    private long exactSeries;
    @SuppressWarnings("unused")
    private long promotedSeries;
    @SuppressWarnings("unused")
    private long evictedSeries;
    @SuppressWarnings("unused")
    private long resizedBlocks;
    @SuppressWarnings("unused")
    private long growthRefused;

    /** A shard without the exact tier: every targeted series gets its family sketches on its first sample. */
    public SketchShard(int shardCount, SlabArena arena, SketchTargets targets) {
        this(shardCount, arena, targets, 0);
    }

    /**
     * @param shardCount    shards in the engine; this shard sees series ids {@code id mod shardCount}
     * @param arena         memory of this shard, owned by the same writer thread from now on
     * @param targets       the sketches of each series (null spec = none of that family); asked once per series and
     *                      family, on the writer thread
     * @param exactMaxBytes largest exact-samples block (a series whose window needs more is promoted to its
     *                      sketches even when they are larger); 0 turns the exact tier off
     */
    public SketchShard(int shardCount, SlabArena arena, SketchTargets targets, int exactMaxBytes) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be >= 1, was " + shardCount);
        }
        if (exactMaxBytes != 0 && (exactMaxBytes < INITIAL_EXACT_BYTES || arena.sizeClassOf(exactMaxBytes) < 0)) {
            throw new IllegalArgumentException("exactMaxBytes must be 0 or in [" + INITIAL_EXACT_BYTES
                + ", the arena's largest block], was " + exactMaxBytes);
        }
        this.shardCount = shardCount;
        this.arena = arena;
        this.readerEpochs = arena.readerEpochs();
        this.targets = targets;
        this.exactMaxBytes = exactMaxBytes;
        // native like the slab's blocks: a heap scratch would put heap and native segments through the same stream
        // writes (ExactSamplesFlyweight.put), and the JIT then compiles the appends for both (the writer's profile
        // showed HeapMemorySegmentImpl.unsafeGetBase on the native path); freed with the shard (automatic arena)
        this.rebuildScratch = exactMaxBytes == 0 ? null
            : java.lang.foreign.Arena.ofAuto().allocate(exactMaxBytes + ExactSamplesDescriptor.MAX_SAMPLE_BITS + 64, 8);
    }

    /**
     * One thread at a time (the node's timer), beside readers and the writer: offers the cut each series' last exact
     * read kept ({@link ChunkCut}) to {@code pass}, which may let it go (the next read decodes its chunk afresh).
     *
     * @return the bytes of the cuts still kept
     */
    public long sweepKeptCuts(KeptReadState pass) {
        return chunkCuts.sweepKept(pass);
    }

    /** Writer only: the wall clock for idle tracking, set by the shard writer once per ring batch. */
    public void clock(long nowMs) {
        nowSec = (int) ((nowMs - clockOriginMs) / 1000);
    }

    /**
     * Writer only. Applies samples {@code [from, to)} of the arrays, in groups: each group's exact blocks are
     * touched first ({@link ExactSamplesFlyweight#touch}), then its samples applied. Samples of a ring batch belong
     * to different series, so applying them one after the other waits for a cache miss or three per sample; the
     * touches of a group overlap instead.
     */
    public void update(int[] seriesIds, long[] timestampsMs, double[] values, int from, int to) {
        for (int g = from; g < to; g += TOUCH_GROUP) {
            int end = Math.min(to, g + TOUCH_GROUP);
            touch(seriesIds, g, end);
            for (int i = g; i < end; i++) {
                update(seriesIds[i], timestampsMs[i], values[i]);
            }
        }
    }

    private void touch(int[] seriesIds, int from, int to) {
        long sink = 0;
        ExactSamplesFlyweight x = writerExact;
        for (int i = from; i < to; i++) {
            long exact = index.getExact(seriesIds[i] / shardCount);
            if (exact > 0) {
                sink += x.wrap(arena.segment(exact), SlabArena.offset(exact)).touch();
            }
        }
        touchSink = sink;
    }

    /** Writer only. Applies one sample of a series of this shard. Never throws for bad samples: counts them. */
    public void update(int seriesId, long timestampMs, double value) {
        int local = seriesId / shardCount;
        long exact = index.getExact(local);
        if (exact == SketchIndex.UNKNOWN) {
            exact = admit(seriesId, local);
        }
        if (exact == SketchIndex.NOT_SKETCHED) {
            return;
        }
        activity.touch(local, nowSec);
        if (exact == SketchIndex.REFUSED) {
            return;
        }
        if (StaleMarker.is(value)) {
            // the end of a series, not a sample; any other NaN is one, kept as Prometheus keeps it
            bump(SKIPPED_STALE);
            return;
        }
        if (exact > 0) {
            ExactSamplesFlyweight x = writerExact.wrap(arena.segment(exact), SlabArena.offset(exact));
            if (x.isTail()) {
                // a promoted series' recent tail: the sample goes there too, the sketches below decide the outcome
                if (x.append(timestampMs, value) == ExactSamplesFlyweight.FULL) {
                    rebuildTail(local, exact, timestampMs, value);
                }
            } else {
                int r = x.append(timestampMs, value);
                if (r == ExactSamplesFlyweight.FULL) {
                    r = rebuild(seriesId, local, exact, timestampMs, value);
                    if (r == ExactSamplesFlyweight.FULL) {
                        // a rebuilt block always has room for the sample: losing it silently would be a bug
                        throw new IllegalStateException("exact block of series " + seriesId + " refused a sample after its rebuild");
                    }
                }
                if (r == ExactSamplesFlyweight.APPLIED) {
                    bump(SAMPLES_APPLIED);
                } else if (r == ExactSamplesFlyweight.SKIPPED_TOO_OLD) {
                    bump(SKIPPED_TOO_OLD);
                }
                return;
            }
        }
        // promoted (or the tier is off): every family the series carries; the first decides applied or too old
        int applied = NO_SKETCH;
        for (Family f : FAMILIES) {
            long block = blockOf(seriesId, local, f);
            if (block > 0) {
                applied = outcome(applied, updateFamily(local, f, block, timestampMs, value) == BucketRingFlyweight.APPLIED);
            }
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

    /**
     * Cold path, once per series (until dropped): asks the targets which families it carries; with the exact tier
     * on, lays out and publishes its exact block. @return the exact entry now published
     */
    private long admit(int seriesId, int local) {
        int mask = 0;
        long window = 0;
        long initialSketchBytes = 0;
        for (Family f : FAMILIES) {
            SketchSpec spec = writerFamilies[f.ordinal()].spec(targets, seriesId);
            if (spec != null) {
                mask |= 1 << f.ordinal();
                window = Math.max(window, spec.retainedWindowMillis());
                initialSketchBytes += classBytes(spec.initialBlockLength());
            }
        }
        if (mask == 0) {
            index.setExact(local, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        activity.idleAfter(local, (int) Math.min(Integer.MAX_VALUE / 2, (window + 999) / 1000));
        if (exactMaxBytes == 0) {
            index.setExact(local, SketchIndex.PROMOTED);
            return SketchIndex.PROMOTED;
        }
        long block = arena.allocate(INITIAL_EXACT_BYTES, SlabArena.SHORT_LIVED);
        if (block == SlabArena.NULL_BLOCK) {
            index.setExact(local, SketchIndex.REFUSED);
            refused();
            return SketchIndex.REFUSED;
        }
        // the exact block is first measured against its sketches when it would pass both the size it is kept at
        // and the smallest the sketches can take (their tables at their smallest); never beyond the sketches' largest
        int promoteBytes = (int) Math.min(largestSketchBytes(seriesId), Math.max(exactKeepBytes, initialSketchBytes));
        writerExact.wrap(arena.segment(block), SlabArena.offset(block))
            .init(seriesId, window, mask, promoteBytes, SlabArena.blockBytes(block) - ExactSamplesDescriptor.HEADER_LENGTH);
        index.setExact(local, block);
        bump(SKETCHED_SERIES);
        bump(EXACT_SERIES);
        return block;
    }

    /**
     * Writer only, when the exact block has no room for a sample: while the window is still filling, copies the
     * block into one twice the size; else drops the samples that left the window (the stream is cut, not
     * re-encoded) and copies the rest plus the new sample into a block of fitting size; or promotes the series when
     * its sketches are the smaller form.
     */
    private int rebuild(int seriesId, int local, long block, long timestampMs, double value) {
        ExactSamplesFlyweight old = writerExact.wrap(arena.segment(block), SlabArena.offset(block));
        long window = old.windowMillis();
        int promoteBytes = old.promoteBytes();
        long newest = Math.max(old.newestMs(), timestampMs);
        long threshold = Math.max(old.retainedStartMs(), newest - window);
        int used = (int) old.usedBytes();
        if (old.oldestMs() > threshold && used + GROW_ROOM <= promoteBytes) {
            // the window is still filling: nothing to drop, so copy the stream as it is into a block twice the size
            // (at least GROW_ROOM more: a block no larger than the full one would refuse the sample again)
            return grow(local, block, used, Math.min(promoteBytes, 2 * used), timestampMs, value);
        }
        // the stream from the first sample after the threshold on, copied as it is into the writer's scratch
        ExactSamplesFlyweight fresh = rebuildExact.wrap(rebuildScratch, 0);
        old.compactInto(fresh, threshold, (int) rebuildScratch.byteSize() - ExactSamplesDescriptor.HEADER_LENGTH);
        boolean appended = false;
        boolean over = fresh.usedBytes() + ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8 > promoteBytes;
        if (!over) {
            fresh.append(timestampMs, value);
            appended = true;
            over = fresh.usedBytes() > promoteBytes;
        }
        int cap = promoteBytes;
        if (over) {
            old.readAll(writerWindow);
            int largest = largestSketchBytes(seriesId);
            if (promoteBytes >= largest) {
                // past what the sketches take at their largest: no need to build them to know
                return promote(seriesId, local, block, old.familyMask(), threshold, timestampMs, value);
            }
            int exactBytes = classBytes(withRoom((int) fresh.usedBytes() + ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8, largest));
            int sketchBytes = buildSketches(seriesId, local, old.familyMask(), threshold);
            if (sketchBytes > 0 && sketchBytes + tailBudget.of(sketchBytes) < exactBytes) {
                return finishPromotion(local, block, timestampMs, value, largest);
            }
            if (sketchBytes > 0) {
                discardSketches(local);
            }
            // the sketches are the larger form (or the memory limit refused them): the exact block grows on, and is
            // measured against them again once it passes them by a quarter (their tables grow with the data too)
            cap = (int) Math.min(largest, Math.max(exactBytes, sketchBytes + (sketchBytes >> 2)));
            fresh.promoteBytes(cap);
            if (!appended) {
                fresh.append(timestampMs, value);
            }
        }
        used = (int) fresh.usedBytes();
        int size = withRoom(used, cap);
        long next = arena.allocate(Math.max(size, used), SlabArena.SHORT_LIVED);
        if (next == SlabArena.NULL_BLOCK) {
            bump(SKIPPED_NO_MEMORY);
            return SKIPPED_NO_MEMORY_RESULT;
        }
        MemorySegment seg = arena.segment(next);
        long off = SlabArena.offset(next);
        // the scratch's version is even (no append is in progress), so the copy starts consistent
        fresh.copyInto(seg, off, SlabArena.blockBytes(next) - ExactSamplesDescriptor.HEADER_LENGTH);
        index.setExact(local, next);
        arena.retire(block);
        return ExactSamplesFlyweight.APPLIED;
    }

    /** Bytes the slab hands out for a block of {@code length}: its size class, or the length past the classes. */
    private int classBytes(int length) {
        int c = arena.sizeClassOf(length);
        return c < 0 ? length : SlabArena.classBytes(c);
    }

    /** Bytes of the sketches of every family the series' target asks for, at their largest; at most the exact cap. */
    private int largestSketchBytes(int seriesId) {
        long bytes = 0;
        for (Family f : FAMILIES) {
            SketchSpec spec = writerFamilies[f.ordinal()].spec(targets, seriesId);
            if (spec != null) {
                bytes += classBytes(spec.blockLength());
            }
        }
        return (int) Math.min(exactMaxBytes, bytes);
    }

    private static final int SKIPPED_NO_MEMORY_RESULT = -1;

    /**
     * What one more sample can need in an exact block: its longest code and the checkpoint it may open. A grown block
     * has at least this much more than the used bytes; a series whose block cannot grow by it within its promotion
     * size is compacted or promoted instead (sizing the growth by the sample alone once let a block at the promotion
     * size "grow" into a block of the same size and drop every later sample whose append opened a checkpoint).
     */
    private static final int GROW_ROOM = ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8 + ExactSamplesDescriptor.CHECKPOINT_LENGTH;

    /**
     * Bytes for a rebuilt exact block (or tail) of {@code used} bytes: its growth room and a sample's, within
     * {@code cap}. (Not a checkpoint's as well: on a 15 s / 1 h gauge those 72 bytes cost a size class, 0.6 -> 0.8 KiB;
     * a block that then fills is rebuilt again.)
     */
    private int withRoom(int used, int cap) {
        return (int) Math.min(cap, used + growth.of(used) + ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8);
    }

    /**
     * Writer only: moves the exact block's bytes unchanged (the stream and the encoder state are position
     * independent) into a block of {@code size} bytes, publishes it, retires the old one, then appends the sample.
     */
    private int grow(int local, long block, int used, int size, long timestampMs, double value) {
        long next = arena.allocate(Math.max(size, used + GROW_ROOM), SlabArena.SHORT_LIVED);
        if (next == SlabArena.NULL_BLOCK) {
            bump(SKIPPED_NO_MEMORY);
            return SKIPPED_NO_MEMORY_RESULT;
        }
        MemorySegment seg = arena.segment(next);
        long off = SlabArena.offset(next);
        // no append is in progress, so the version copied is even and the copy starts consistent
        writerExact.wrap(arena.segment(block), SlabArena.offset(block))
            .copyInto(seg, off, SlabArena.blockBytes(next) - ExactSamplesDescriptor.HEADER_LENGTH);
        ExactSamplesFlyweight grown = writerExact.wrap(seg, off);
        int r = grown.append(timestampMs, value);
        index.setExact(local, next);
        arena.retire(block);
        return r;
    }

    /**
     * Writer only: moves a series from its exact block to its family sketches. The sketches are laid out and
     * published, the window's samples (those after {@code threshold}, already in {@link #writerWindow}) and the new
     * sample replayed into them, then the exact block is unpublished. When the memory limit refuses a sketch,
     * the series leaves the sketches altogether (counted as refused) until it is dropped or evicted.
     */
    private int promote(int seriesId, int local, long exactBlock, int mask, long threshold, long timestampMs, double value) {
        if (buildSketches(seriesId, local, mask, threshold) <= 0) {
            refuseWhole(local);
            return SKIPPED_NO_MEMORY_RESULT;
        }
        return finishPromotion(local, exactBlock, timestampMs, value, largestSketchBytes(seriesId));
    }

    /**
     * Writer only: lays out the series' family sketches (published, but unread while its exact block is: readers look
     * there first) and replays the window's samples after {@code threshold} (already in {@link #writerWindow}) into
     * them. @return the bytes of their blocks, or 0 when the memory limit refused one (none is left published)
     */
    private int buildSketches(int seriesId, int local, int mask, long threshold) {
        int bytes = 0;
        for (Family f : FAMILIES) {
            familyBlocks[f.ordinal()] = SketchIndex.NOT_SKETCHED;
            if ((mask & (1 << f.ordinal())) != 0) {
                long b = tryCreate(seriesId, local, f);
                familyBlocks[f.ordinal()] = b;
                if (b <= 0) {
                    discardSketches(local);
                    return 0;
                }
            }
        }
        long[] ts = writerWindow.timestamps();
        double[] vs = writerWindow.values();
        int n = writerWindow.size();
        for (int i = 0; i < n; i++) {
            if (ts[i] > threshold) {
                replay(local, ts[i], vs[i]);
            }
        }
        for (Family f : FAMILIES) {
            long b = familyBlocks[f.ordinal()];
            if (b > 0) {
                bytes += SlabArena.blockBytes(b);
            }
        }
        return bytes;
    }

    /** Writer only: retires the family sketches of a series still answered by its exact block, as if never laid out. */
    private void discardSketches(int local) {
        for (Family f : FAMILIES) {
            long b = index.get(local, f);
            if (b > 0) {
                arena.retire(b);
            }
            index.set(local, f, SketchIndex.UNKNOWN);
        }
    }

    /**
     * Writer only, the sketches built: replays the new sample into them, replaces the exact block by its tail (within
     * the tail budget's share of {@code largestSketchBytes}, what the sketches take at their largest: the tail is
     * sized by its samples, and a budget on the sketches' smaller size would cut the tails of series whose sketches
     * stay small, such as an `up` series, below the hour it spans) and retires it.
     */
    private int finishPromotion(int local, long exactBlock, long timestampMs, double value, int largestSketchBytes) {
        boolean applied = replay(local, timestampMs, value);
        index.setExact(local, tailMinMs > 0 ? tailOf(exactBlock, timestampMs, value, largestSketchBytes) : SketchIndex.PROMOTED);
        arena.retire(exactBlock);
        exactSeriesDown();
        bump(PROMOTED_SERIES);
        return applied ? ExactSamplesFlyweight.APPLIED : ExactSamplesFlyweight.SKIPPED_TOO_OLD;
    }

    /** The span of a promoted series' tail for a window of {@code windowMs}. */
    long tailSpanMillis(long windowMs) {
        return Math.min(MAX_TAIL_WINDOW_SHARE.of(windowMs), Math.max(tailMinMs, tailWindowShare.of(windowMs)));
    }

    /**
     * Before the writer starts: the shortest tail a promoted series keeps ({@code storage.exact_tail}); 0 keeps
     * none (promoted series are answered by their sketches alone).
     */
    public SketchShard exactTail(long minMillis) {
        if (minMillis < 0) {
            throw new IllegalArgumentException("exact tail " + minMillis + " ms");
        }
        this.tailMinMs = minMillis;
        return this;
    }

    /** Before the writer starts: the room a rebuilt exact block (or tail) gets to grow, as a share of its used bytes. */
    public SketchShard exactGrowth(Share share) {
        this.growth = Objects.requireNonNull(share, "share");
        return this;
    }

    /**
     * Before the writer starts: the share of its window a promoted series' tail spans when that is longer than
     * {@link #exactTail}; at most {@link #MAX_TAIL_WINDOW_SHARE}.
     */
    public SketchShard exactTailShare(Share share) {
        if (!share.atMost(MAX_TAIL_WINDOW_SHARE)) {
            throw new IllegalArgumentException("exact tail share " + share + " over " + MAX_TAIL_WINDOW_SHARE);
        }
        this.tailWindowShare = share;
        return this;
    }

    /**
     * Before the writer starts: exact blocks up to {@code bytes} are kept whatever the sketches would take
     * ({@code storage.exact_keep_bytes}); 0 lets a series move to its sketches as soon as they are the smaller form.
     */
    public SketchShard exactKeepBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("exact keep bytes must be >= 0, was " + bytes);
        }
        this.exactKeepBytes = bytes;
        return this;
    }

    /** Before the writer starts: the share of the bytes of its series' sketches a tail may take. */
    public SketchShard exactTailBudget(Share share) {
        this.tailBudget = Objects.requireNonNull(share, "share");
        return this;
    }

    /**
     * Writer only, promoting: lays out the tail of the exact block being promoted (its samples of the last tail
     * span, then the new sample) and returns it, not yet published; {@link SketchIndex#PROMOTED} when it would not
     * fit its budget or the memory limit refuses it (the sketches alone then answer, as before tails).
     */
    private long tailOf(long exactBlock, long timestampMs, double value, int largestSketchBytes) {
        ExactSamplesFlyweight old = writerExact.wrap(arena.segment(exactBlock), SlabArena.offset(exactBlock));
        return layTail(old, tailSpanMillis(old.windowMillis()), (int) tailBudget.of(largestSketchBytes), timestampMs, value);
    }

    /**
     * Writer only: a promoted series' tail is full. Drops the samples that left its span (or none, while it is
     * filling) and moves it into a block with room to grow.
     */
    private void rebuildTail(int local, long block, long timestampMs, double value) {
        ExactSamplesFlyweight old = writerExact.wrap(arena.segment(block), SlabArena.offset(block));
        index.setExact(local, layTail(old, old.windowMillis(), old.promoteBytes(), timestampMs, value));
        arena.retire(block);
    }

    /**
     * Lays out, from {@code source}'s samples of the last {@code span}, a tail holding them and the new sample in at
     * most {@code budget} bytes, halving the span (down to the shortest tail) while they do not fit: dense or
     * incompressible series keep a shorter tail instead of none. @return the block, not yet published, or
     * {@link SketchIndex#PROMOTED} when even the shortest tail does not fit (or the memory limit refuses it)
     */
    private long layTail(ExactSamplesFlyweight source, long span, int budget, long timestampMs, double value) {
        long newest = Math.max(source.newestMs(), timestampMs);
        ExactSamplesFlyweight fresh = rebuildExact.wrap(rebuildScratch, 0);
        int scratchBytes = (int) rebuildScratch.byteSize() - ExactSamplesDescriptor.HEADER_LENGTH;
        for (;;) {
            source.compactInto(fresh, Math.max(source.retainedStartMs(), newest - span), scratchBytes);
            fresh.makeTail(span, budget);
            long placed = placeTail(fresh, timestampMs, value);
            if (placed > 0 || span <= tailMinMs) {
                return placed;
            }
            span = Math.max(tailMinMs, span / 2);
        }
    }

    /** Appends the sample to a tail laid out in the scratch and copies it into a block; PROMOTED when it does not fit. */
    private long placeTail(ExactSamplesFlyweight fresh, long timestampMs, double value) {
        int budget = fresh.promoteBytes();
        if (fresh.usedBytes() + ExactSamplesDescriptor.MAX_SAMPLE_BITS / 8 > budget
                || fresh.append(timestampMs, value) == ExactSamplesFlyweight.FULL || fresh.usedBytes() > budget) {
            return SketchIndex.PROMOTED;
        }
        int used = (int) fresh.usedBytes();
        long next = arena.allocate(withRoom(used, budget), SlabArena.SHORT_LIVED);
        if (next == SlabArena.NULL_BLOCK) {
            return SketchIndex.PROMOTED;
        }
        fresh.copyInto(arena.segment(next), SlabArena.offset(next), SlabArena.blockBytes(next) - ExactSamplesDescriptor.HEADER_LENGTH);
        return next;
    }

    private boolean replay(int local, long ts, double v) {
        boolean applied = false;
        for (Family f : FAMILIES) {
            long b = familyBlocks[f.ordinal()];
            if (b > 0) {
                applied |= updateFamily(local, f, b, ts, v) == BucketRingFlyweight.APPLIED;
                familyBlocks[f.ordinal()] = index.get(local, f); // it may have grown
            }
        }
        return applied;
    }

    /**
     * Writer only: adds a sample to the series' published block of {@code family}, first growing the block into a
     * larger one while it asks for room (its tables start small and grow up to the spec's size as the data needs).
     * @return the family's status for the sample
     */
    private int updateFamily(int local, Family family, long block, long timestampMs, double value) {
        SketchFamily<?, ?> fam = writerFamilies[family.ordinal()];
        int r = fam.update(arena.segment(block), SlabArena.offset(block), timestampMs, value);
        for (int resizes = 0; r == BucketRingFlyweight.NEEDS_ROOM; resizes++) {
            if (resizes == 2) {
                // a resized block asks at most once more (a shrink, then the sample's own bucket growing): more is a
                // bug, which must not stop the writer: the block keeps its size and takes the sample as it is
                LOG.log(System.Logger.Level.ERROR, family + " block of local series " + local + " keeps asking for another size");
                fam.capGrowth(arena.segment(block), SlabArena.offset(block));
                fam.keepSizeOnce(arena.segment(block), SlabArena.offset(block));
            } else {
                block = resizeFamilyBlock(local, family, block);
            }
            r = fam.update(arena.segment(block), SlabArena.offset(block), timestampMs, value);
        }
        return r;
    }

    /**
     * Cold path: copies a family block that asked for another size into one of that size (larger as its buckets need
     * more room, smaller when the widest have left the ring), publishes it and retires the old one (readers of the
     * old one finish on it: reader epochs). When the memory limit refuses a larger block, the block stops growing
     * instead (counted) and its buckets collapse or sample at the size they have.
     * @return the block to add the sample to
     */
    private long resizeFamilyBlock(int local, Family family, long block) {
        SketchFamily<?, ?> fam = writerFamilies[family.ordinal()];
        MemorySegment seg = arena.segment(block);
        long off = SlabArena.offset(block);
        long want = fam.resizedLength(seg, off);
        long next = want > Integer.MAX_VALUE ? SlabArena.NULL_BLOCK : arena.allocate((int) want);
        if (next == SlabArena.NULL_BLOCK) {
            if (want > SlabArena.blockBytes(block)) {
                fam.capGrowth(seg, off);
                bump(GROWTH_REFUSED);
            } else {
                fam.keepSizeOnce(seg, off); // a smaller block refused: it stays as it is this time
            }
            return block;
        }
        fam.resizeInto(seg, off, arena.segment(next), SlabArena.offset(next), SlabArena.blockBytes(next));
        index.set(local, family, next);
        arena.retire(block);
        bump(RESIZED_BLOCKS);
        return next;
    }

    /** Writer only: retires every block of the series and marks it refused (counted once). */
    private void refuseWhole(int local) {
        retireAll(local);
        index.setExact(local, SketchIndex.REFUSED);
        refused();
    }

    /** The series' block of {@code family}, created on first use if its target asks for one; <= 0 when none. */
    private long blockOf(int seriesId, int local, Family family) {
        long block = index.get(local, family);
        return block == SketchIndex.UNKNOWN ? create(seriesId, local, family) : block;
    }

    /** Cold path, once per series and family: asks the targets, allocates, initialises, then publishes. */
    private long create(int seriesId, int local, Family family) {
        long block = tryCreate(seriesId, local, family);
        if (block == SketchIndex.REFUSED) {
            refused();
        }
        return block;
    }

    /** {@link #create} without counting a refusal (the caller decides what the memory limit's answer means). */
    private long tryCreate(int seriesId, int local, Family family) {
        @SuppressWarnings("unchecked")
        SketchFamily<SketchSpec, ?> fam = (SketchFamily<SketchSpec, ?>) writerFamilies[family.ordinal()];
        SketchSpec spec = fam.spec(targets, seriesId);
        if (spec == null) {
            index.set(local, family, SketchIndex.NOT_SKETCHED);
            return SketchIndex.NOT_SKETCHED;
        }
        long block = arena.allocate(spec.initialBlockLength());
        if (block == SlabArena.NULL_BLOCK) {
            index.set(local, family, SketchIndex.REFUSED);
            return SketchIndex.REFUSED;
        }
        fam.init(arena.segment(block), SlabArena.offset(block), seriesId, spec, SlabArena.blockBytes(block));
        boolean firstBlockOfSeries = !hasBlock(local);
        index.set(local, family, block);
        if (firstBlockOfSeries) {
            bump(SKETCHED_SERIES);
        }
        return block;
    }

    private boolean hasBlock(int local) {
        if (index.getExact(local) > 0) {
            return true;
        }
        for (Family f : FAMILIES) {
            if (index.get(local, f) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writer only. Forgets a series' sketch (e.g. it left the targets or went stale): unpublishes and
     * retires its blocks, and lets the next sample ask the targets again.
     *
     * @return true when a block was retired
     */
    public boolean dropSeries(int seriesId) {
        int local = seriesId / shardCount;
        boolean had = retireAll(local);
        index.setExact(local, SketchIndex.UNKNOWN);
        return had;
    }

    /** Unpublishes and retires the exact block and every family block of a series. @return true when any existed */
    private boolean retireAll(int local) {
        boolean had = false;
        chunkCuts.forget(local);
        long exact = index.getExact(local);
        if (exact > 0) {
            boolean tail = writerExact.wrap(arena.segment(exact), SlabArena.offset(exact)).isTail();
            index.setExact(local, SketchIndex.UNKNOWN);
            arena.retire(exact);
            if (!tail) {
                exactSeriesDown();
            }
            had = true;
        }
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

    private void exactSeriesDown() {
        EXACT_SERIES.setOpaque(this, (long) EXACT_SERIES.getOpaque(this) - 1);
    }

    /**
     * Writer only, from the shard writer's periodic work: drops up to {@code maxScan} series' worth of idle
     * series (no sample for longer than their window), resuming where the last call stopped, then reclaims. A page
     * of the index whose series have all left is released on the way.
     *
     * @return series evicted
     */
    public int evictIdle(int maxScan) {
        int bound = index.idBound();
        int evicted = 0;
        for (int i = 0, n = Math.min(maxScan, bound); i < n; i++) {
            int local = evictCursor >= bound ? 0 : evictCursor;
            evictCursor = local + 1 >= bound ? 0 : local + 1;
            if ((local & (SketchIndex.pageIds() - 1)) == SketchIndex.pageIds() - 1 && index.releaseIfEmpty(local / SketchIndex.pageIds())) {
                // a page of series that all left (churn: ids are never reused) costs nothing any more
                activity.release(local / SketchIndex.pageIds());
                chunkCuts.release(local / SketchIndex.pageIds());
                continue;
            }
            long exact = index.getExact(local);
            if (exact == SketchIndex.UNKNOWN || exact == SketchIndex.NOT_SKETCHED || !activity.idle(local, nowSec)) {
                continue;
            }
            retireAll(local);
            index.setExact(local, SketchIndex.UNKNOWN);
            evicted++;
        }
        if (evicted > 0) {
            EVICTED_SERIES.setOpaque(this, (long) EVICTED_SERIES.getOpaque(this) + evicted);
        }
        arena.reclaim();
        return evicted;
    }

    /**
     * Writer only (or with the writer stopped): bytes of every block published now, exact and sketch, by size
     * class. Once retired blocks are reclaimed it equals {@link #bytesInUse()}; tests hold the metric to it.
     */
    public long publishedBytes() {
        long total = 0;
        for (int local = 0, bound = index.idBound(); local < bound; local++) {
            long exact = index.getExact(local);
            if (exact > 0) {
                total += SlabArena.blockBytes(exact);
            }
            for (Family f : FAMILIES) {
                long b = index.get(local, f);
                if (b > 0) {
                    total += SlabArena.blockBytes(b);
                }
            }
        }
        return total;
    }

    /** Writer only, from its idle loop: makes retired blocks reusable once readers have left. @return blocks freed */
    public int reclaim() {
        return arena.reclaim();
    }

    /**
     * Any thread. Reads a series' frequency answer over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no frequency sketch ({@code out} untouched)
     */
    public boolean readFrequency(int seriesId, long startExclusiveMs, long endInclusiveMs, FrequencyResult out) {
        return read(Family.FREQUENCY, seriesId, startExclusiveMs, endInclusiveMs, out);
    }

    /**
     * Any thread. Reads a series' quantile answer over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no quantile sketch ({@code out} untouched)
     */
    public boolean readQuantile(int seriesId, long startExclusiveMs, long endInclusiveMs, QuantileResult out) {
        return read(Family.QUANTILE, seriesId, startExclusiveMs, endInclusiveMs, out);
    }

    /**
     * Any thread. Reads a series' aggregate answer over {@code (startExclusiveMs, endInclusiveMs]}.
     *
     * @return false when the series has no aggregate sketch ({@code out} untouched)
     */
    public boolean readAggregate(int seriesId, long startExclusiveMs, long endInclusiveMs, AggregateResult out) {
        return read(Family.AGGREGATE, seriesId, startExclusiveMs, endInclusiveMs, out);
    }

    /**
     * Any thread: opens a span of reads of one series whose windows all lie in {@code (startExclusiveMs,
     * endInclusiveMs]} (a range query's steps). An exact block is decoded once here, and every read of that series
     * inside the span slices the decoded samples instead of decoding the block again (steps x samples becomes
     * samples + steps x window). The span sees the block as it was when opened. Close it with {@link #endSpan()}.
     */
    public void beginSpan(int seriesId, long startExclusiveMs, long endInclusiveMs) {
        beginSpan(seriesId, startExclusiveMs, endInclusiveMs, null, 0, 0);
    }

    /**
     * Any thread: as {@link #beginSpan(int, long, long)}, for {@code steps} windows of {@code windowMillis} read by
     * {@code family}: an exact block is decoded once only where that costs less than reading each window on its own
     * (a family that takes whole chunks as their moments decodes at most the two ends of a window, so a few steps of
     * a long window -- the newest steps of a cached dashboard panel -- read less that way).
     */
    public void beginSpan(int seriesId, long startExclusiveMs, long endInclusiveMs, Family family, int steps, long windowMillis) {
        ReaderScratch scratch = readerScratch.get();
        scratch.spanSeries = seriesId;
        scratch.spanStartExcl = startExclusiveMs;
        scratch.spanEndIncl = endInclusiveMs;
        scratch.spanExact = false;
        scratch.spanId++;
        int slot = readerEpochs.enter();
        try {
            long exact = index.getExact(seriesId / shardCount);
            if (exact > 0) {
                ExactSamplesFlyweight x = scratch.exact.wrap(arena.segment(exact), SlabArena.offset(exact));
                boolean tail = x.isTail();
                if ((!tail || startExclusiveMs >= x.retainedStartMs())
                        && !(family != null && scratch.families[family.ordinal()].readsChunkMoments()
                             && windowsReadLess(x, endInclusiveMs - startExclusiveMs, steps, windowMillis))) {
                    int local = seriesId / shardCount;
                    ChunkCut cut = chunkCuts.take(local);
                    x.read(startExclusiveMs, endInclusiveMs, scratch.span.samples(), false, FirstChunk.SAMPLES, cut);
                    chunkCuts.give(local, cut);
                    scratch.span.reset();
                    // a tail serves the span only when it holds all of it (else the sketches' span reads answer)
                    scratch.spanExact = !tail || scratch.span.samples().retainedStartMs() <= startExclusiveMs;
                }
            }
        } finally {
            readerEpochs.exit(slot);
        }
    }

    /**
     * Whether reading {@code steps} windows by their chunks' moments decodes fewer samples than decoding the span
     * once: a window decodes at most about two chunks (its ends) and merges the moments of the chunks between.
     */
    private static boolean windowsReadLess(ExactSamplesFlyweight x, long spanMillis, int steps, long windowMillis) {
        double perMilli = (double) x.sampleCount() / Math.max(1, x.newestMs() - x.oldestMs());
        double windowSamples = perMilli * windowMillis;
        double perWindow = Math.min(windowSamples, 2.0 * ExactSamplesDescriptor.CHECKPOINT_EVERY
                + windowSamples / ExactSamplesDescriptor.CHECKPOINT_EVERY);
        return steps * perWindow < perMilli * spanMillis;
    }

    /** Any thread: closes the span opened by {@link #beginSpan} on this thread. */
    public void endSpan() {
        readerScratch.get().spanSeries = -1;
    }

    /** Any thread: the answer of {@code family} from the exact block if the series has one, else from its sketch. */
    @SuppressWarnings("unchecked")
    private <R> boolean read(Family family, int seriesId, long startExclusiveMs, long endInclusiveMs, R out) {
        ReaderScratch scratch = readerScratch.get();
        SketchFamily<?, R> fam = (SketchFamily<?, R>) scratch.families[family.ordinal()];
        int slot = readerEpochs.enter();
        try {
            int local = seriesId / shardCount;
            long exact = index.getExact(local);
            ExactSamplesFlyweight x = exact > 0 ? scratch.exact.wrap(arena.segment(exact), SlabArena.offset(exact)) : null;
            // a promoted series' tail answers the windows it holds whole; the sketches the others
            boolean tail = x != null && x.isTail();
            if (x != null && (!tail || startExclusiveMs >= x.retainedStartMs())) {
                if ((x.familyMask() & (1 << family.ordinal())) == 0) {
                    return false;
                }
                if (scratch.spanExact && scratch.spanSeries == seriesId && startExclusiveMs >= scratch.spanStartExcl
                        && endInclusiveMs <= scratch.spanEndIncl) {
                    if (scratch.span.ascending()) {
                        fam.readExactSpan(startExclusiveMs, endInclusiveMs, scratch.span, scratch.window, out);
                        return true;
                    }
                    scratch.window.sliceOf(scratch.span.samples(), startExclusiveMs, endInclusiveMs);
                } else {
                    ChunkCut cut = chunkCuts.take(local);
                    x.read(startExclusiveMs, endInclusiveMs, scratch.window, fam.readsChunkMoments(), fam.firstChunk(out), cut);
                    chunkCuts.give(local, cut);
                }
                if (!tail || scratch.window.retainedStartMs() <= startExclusiveMs) {
                    fam.readExact(startExclusiveMs, endInclusiveMs, scratch.window, out);
                    return true;
                }
            }
            long block = index.get(local, family);
            if (block <= 0) {
                return false;
            }
            if (scratch.spanSeries == seriesId && startExclusiveMs >= scratch.spanStartExcl
                    && endInclusiveMs <= scratch.spanEndIncl) {
                fam.readSpan(arena.segment(block), SlabArena.offset(block), scratch.spanId,
                    scratch.spanStartExcl, scratch.spanEndIncl, startExclusiveMs, endInclusiveMs, out);
            } else {
                fam.read(arena.segment(block), SlabArena.offset(block), startExclusiveMs, endInclusiveMs, out);
            }
            return true;
        } finally {
            readerEpochs.exit(slot);
        }
    }

    /** Counts a refused series; logs the first and then every power of two, so a full node does not flood the log. */
    private void refused() {
        bump(REFUSED_SERIES);
        long n = refusedSeries();
        if (Long.bitCount(n) == 1) {
            LOG.log(System.Logger.Level.WARNING, "storage.memory_limit reached: " + n + " series refused by the sketches"
                + " of this shard so far (" + arena.bytesInUse() + " of " + arena.memoryLimitBytes()
                + " bytes in use); they are still written to the WAL and forwarded");
        }
    }

    private void bump(VarHandle counter) {
        counter.setOpaque(this, (long) counter.getOpaque(this) + 1);
    }

    public long samplesApplied() { return (long) SAMPLES_APPLIED.getOpaque(this); }

    /** Stale markers received for sketched series (not samples, so not sketched). */
    public long skippedStale() { return (long) SKIPPED_STALE.getOpaque(this); }

    public long skippedTooOld() { return (long) SKIPPED_TOO_OLD.getOpaque(this); }

    /** Samples of sketched series lost because the memory limit refused a rebuilt exact block. */
    public long skippedNoMemory() { return (long) SKIPPED_NO_MEMORY.getOpaque(this); }

    /** Series whose block the memory limit refused (each counted once until dropped). */
    public long refusedSeries() { return (long) REFUSED_SERIES.getOpaque(this); }

    /** Series with a live block (exact or sketch). */
    public long sketchedSeries() { return (long) SKETCHED_SERIES.getOpaque(this); }

    /** Series answered from their exact block now. */
    public long exactSeries() { return (long) EXACT_SERIES.getOpaque(this); }

    /** Series moved from their exact block to sketches, in total. */
    public long promotedSeries() { return (long) PROMOTED_SERIES.getOpaque(this); }

    /** Series dropped for being idle longer than their window, in total. */
    public long evictedSeries() { return (long) EVICTED_SERIES.getOpaque(this); }

    /** Family blocks copied into larger ones as their buckets needed more room, or smaller ones as the widest left. */
    public long resizedBlocks() { return (long) RESIZED_BLOCKS.getOpaque(this); }

    /** Family blocks that stopped growing because the memory limit refused a larger one. */
    public long growthRefused() { return (long) GROWTH_REFUSED.getOpaque(this); }

    public long bytesInUse() { return arena.bytesInUse(); }

    public long bytesReserved() { return arena.bytesReserved(); }

    public SlabArena arena() { return arena; }

    // --- snapshot support (io.weir.engine.snapshot): the only access to blocks from outside the families ---

    public int shardCount() { return shardCount; }

    /** Pages of the series index held now: churned-out pages are released by {@link #evictIdle}. */
    int indexPagesHeld() { return index.pagesHeld(); }

    /** Local series ids at or past this have no block. */
    public int localIdLimit() { return index.idLimit(); }

    /** Writer thread (or before it starts): the block of a local series id and family; {@code <= 0} when none. */
    public long block(int localId, Family family) { return index.get(localId, family); }

    /** Writer thread (or before it starts): the exact-samples block of a local series id; {@code <= 0} when none. */
    public long exactBlock(int localId) { return index.getExact(localId); }

    /**
     * Writer thread, or before it starts: puts back an exact-samples block captured by a snapshot (bytes verbatim;
     * the stream and the encoder state are position independent), replacing any exact block the series has.
     *
     * @return false when the memory limit refuses the block
     */
    public boolean restoreExactBlock(int seriesId, MemorySegment src, long srcOffset, int length) {
        int local = seriesId / shardCount;
        long block = arena.allocate(length, SlabArena.SHORT_LIVED);
        if (block == SlabArena.NULL_BLOCK) {
            return false;
        }
        MemorySegment seg = arena.segment(block);
        long off = SlabArena.offset(block);
        MemorySegment.copy(src, srcOffset, seg, off, length);
        long old = index.getExact(local);
        boolean firstBlockOfSeries = old <= 0 && !hasBlock(local);
        index.setExact(local, block);
        boolean tail = writerExact.wrap(seg, off).isTail();
        if (old > 0) {
            arena.retire(old);
        } else {
            if (!tail) {
                bump(EXACT_SERIES);
            }
            if (firstBlockOfSeries) {
                bump(SKETCHED_SERIES);
            }
        }
        // a tail's window is its own short span; the series idles after its sketches' window
        restoredActivity(local, tail ? sketchWindowMillis(seriesId) : readerExactWindow(seg, off));
        return true;
    }

    /** The longest window of the sketches a series' target asks for. */
    private long sketchWindowMillis(int seriesId) {
        long window = 0;
        for (Family f : FAMILIES) {
            SketchSpec spec = writerFamilies[f.ordinal()].spec(targets, seriesId);
            if (spec != null) {
                window = Math.max(window, spec.retainedWindowMillis());
            }
        }
        return window;
    }

    private long readerExactWindow(MemorySegment seg, long off) {
        return writerExact.wrap(seg, off).windowMillis();
    }

    /** A restored series counts as active now, and goes idle after its window like an admitted one. */
    private void restoredActivity(int local, long windowMs) {
        activity.idleAfter(local, (int) Math.min(Integer.MAX_VALUE / 2, (windowMs + 999) / 1000));
        activity.touch(local, nowSec);
    }

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
        boolean firstBlockOfSeries = !hasBlock(local) && index.getExact(local) <= 0;
        long old = index.get(local, family);
        index.set(local, family, block);
        if (old > 0) {
            arena.retire(old);
        } else if (firstBlockOfSeries) {
            bump(SKETCHED_SERIES);
        }
        if (index.getExact(local) <= 0) {
            // a series with family sketches is past its exact tier: the next sample must not admit it afresh
            index.setExact(local, SketchIndex.PROMOTED);
            restoredActivity(local, sketchWindowMillis(seriesId));
        }
        return true;
    }

    /** Writer only, after readers have stopped: releases the arena. */
    @Override
    public void close() {
        arena.close();
    }
}
