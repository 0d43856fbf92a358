package io.weir.engine.sketch.exact;

import static io.weir.engine.sketch.exact.ExactSamplesDescriptor.*;

import io.weir.engine.sketch.slab.SeqLock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Typed access to an exact-samples block laid out by {@link ExactSamplesDescriptor}.
 *
 * <p>{@link #init} and {@link #append} are for the series' shard writer thread only; {@link #read} may run on
 * any thread and never blocks the writer: it takes the header under the seqlock, then decodes the stream
 * prefix the header names, which the writer never changes again (appends only add bits after it). NaN values
 * are stored like any other (their bits XOR-encoded); stale markers never reach this block (the shard skips them).
 */
public final class ExactSamplesFlyweight {
    public static final int APPLIED = 0;
    public static final int SKIPPED_TOO_OLD = 2;
    /** The stream has no room for the sample: the writer rebuilds the block (nothing was changed). */
    public static final int FULL = 4;

    // unaligned: the same bytes, without the per-access alignment check (every offset here is 8-aligned anyway)
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG.varHandle();

    private MemorySegment segment;
    private long offset;
    /** The writer's cursor for {@link #compactInto} and the chunk moments (readers decode with their window's). */
    private final StreamCursor writerCursor = new StreamCursor();
    /** The writer's scratch for a chunk's values and moments. */
    private double[] chunkValues = new double[CHECKPOINT_EVERY];
    private final double[] chunkMoments = new double[SampleMoments.LENGTH];

    public ExactSamplesFlyweight wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public MemorySegment segment() { return segment; }

    public long offset() { return offset; }

    /**
     * Writer only, before the block is published: an empty stream of {@code capacityBytes} data bytes.
     *
     * @param familyMask   bit {@code Family.ordinal()} set for each family the series' target asks for
     * @param promoteBytes block size at which the writer first measures the family sketches against the block
     */
    public void init(int seriesId, long windowMs, int familyMask, int promoteBytes, int capacityBytes) {
        SeqLock.initialise(segment, offset + VERSION_OFFSET);
        segment.set(INT, offset + SERIES_ID_OFFSET, seriesId);
        segment.set(INT, offset + FAMILY_OFFSET, EXACT_TAG);
        segment.set(LONG, offset + WINDOW_OFFSET, windowMs);
        segment.set(INT, offset + CAPACITY_OFFSET, capacityBytes & ~7);
        segment.set(INT, offset + COUNT_OFFSET, 0);
        segment.set(LONG, offset + BIT_LENGTH_OFFSET, 0L);
        segment.set(LONG, offset + COVERAGE_START_OFFSET, EMPTY);
        segment.set(LONG, offset + RETAINED_START_OFFSET, EMPTY);
        segment.set(LONG, offset + NEWEST_OFFSET, EMPTY);
        segment.set(LONG, offset + PREV_TS_OFFSET, 0L);
        segment.set(LONG, offset + PREV_DELTA_OFFSET, 0L);
        segment.set(LONG, offset + PREV_BITS_OFFSET, 0L);
        segment.set(INT, offset + PREV_LEADING_OFFSET, -1);
        segment.set(SHORT, offset + PREV_TRAILING_OFFSET, (short) 0);
        segment.set(SHORT, offset + VALUE_SCALE_OFFSET, (short) 0);
        segment.set(INT, offset + FAMILY_MASK_OFFSET, familyMask);
        segment.set(INT, offset + PROMOTE_BYTES_OFFSET, promoteBytes);
        segment.set(LONG, offset + SKIPPED_TOO_OLD_OFFSET, 0L);
        segment.set(LONG, offset + OLDEST_OFFSET, Long.MAX_VALUE);
        segment.set(SHORT, offset + CHECKPOINT_EVERY_OFFSET, (short) CHECKPOINT_EVERY);
        segment.set(SHORT, offset + CHECKPOINT_FIRST_OFFSET, (short) (CHECKPOINT_EVERY - 1));
        segment.set(INT, offset + IN_ORDER_OFFSET, 1);
    }

    /** Writer only, before publication: carries ranges over from the block this one replaces. */
    public void ranges(long coverageStartMs, long retainedStartMs) {
        segment.set(LONG, offset + COVERAGE_START_OFFSET, coverageStartMs);
        segment.set(LONG, offset + RETAINED_START_OFFSET, retainedStartMs);
    }

    // ---- header (writer's view, plain) ------------------------------------------------------------

    public int seriesId() { return segment.get(INT, offset + SERIES_ID_OFFSET); }

    public long windowMillis() { return segment.get(LONG, offset + WINDOW_OFFSET); }

    public int capacityBytes() { return segment.get(INT, offset + CAPACITY_OFFSET); }

    public int sampleCount() { return segment.get(INT, offset + COUNT_OFFSET); }

    public long bitLength() { return segment.get(LONG, offset + BIT_LENGTH_OFFSET); }

    public int familyMask() { return segment.get(INT, offset + FAMILY_MASK_OFFSET); }

    /** True for a promoted series' recent tail ({@link ExactSamplesDescriptor#TAIL_BIT}). */
    public boolean isTail() { return (familyMask() & TAIL_BIT) != 0; }

    /**
     * Writer only, before publication: makes this (compacted) block a promoted series' tail of {@code spanMs}:
     * samples at or before newest - span become too old for it, and it holds at most {@code budgetBytes}.
     */
    public void makeTail(long spanMs, int budgetBytes) {
        segment.set(LONG, offset + WINDOW_OFFSET, spanMs);
        segment.set(INT, offset + FAMILY_MASK_OFFSET, familyMask() | TAIL_BIT);
        segment.set(INT, offset + PROMOTE_BYTES_OFFSET, budgetBytes);
    }

    public int promoteBytes() { return segment.get(INT, offset + PROMOTE_BYTES_OFFSET); }

    /** Writer only: the block size at which the writer next measures the series' sketches against this block. */
    public void promoteBytes(int bytes) { segment.set(INT, offset + PROMOTE_BYTES_OFFSET, bytes); }

    public long coverageStartMs() { return segment.get(LONG, offset + COVERAGE_START_OFFSET); }

    public long retainedStartMs() { return segment.get(LONG, offset + RETAINED_START_OFFSET); }

    public long newestMs() { return segment.get(LONG, offset + NEWEST_OFFSET); }

    /** Writer only: the oldest timestamp in the stream (a rebuild drops nothing while it is inside the window). */
    public long oldestMs() { return segment.get(LONG, offset + OLDEST_OFFSET); }

    public long skippedTooOld() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_TOO_OLD_OFFSET); }

    /** Checkpoints the stream carries now. */
    private int checkpointCount() {
        return checkpoints(sampleCount(), segment.get(SHORT, offset + CHECKPOINT_EVERY_OFFSET),
            segment.get(SHORT, offset + CHECKPOINT_FIRST_OFFSET));
    }

    /** Block bytes the stream needs now (header, used words and checkpoints). */
    public long usedBytes() {
        return blockLength(bitLength(), checkpointCount());
    }

    /**
     * A sample at or before this is too old: newest - W. (One before the retained start but inside the window is
     * kept: the block then holds more than it claims, never less.)
     */
    public long tooOldAtOrBefore() {
        long newest = newestMs();
        return newest == EMPTY ? Long.MIN_VALUE : newest - windowMillis();
    }

    // ---- writer ---------------------------------------------------------------------------------

    /**
     * Writer only: loads the lines the next {@link #append} reads (both header lines and the stream's last word)
     * and returns a value made from them, which the caller must keep somewhere the JIT cannot prove dead. Called
     * for a group of samples before they are appended, it turns a cache miss per line per sample into misses that
     * overlap (the loads of different series do not depend on each other).
     */
    public long touch() {
        final MemorySegment seg = segment;
        final long base = offset;
        long bits = seg.get(LONG, base + BIT_LENGTH_OFFSET);
        long last = base + DATA_OFFSET + ((Math.max(bits, 1) - 1) >>> 6) * 8;
        return bits + seg.get(LONG, base + PREV_TS_OFFSET) + seg.get(LONG, last);
    }

    /**
     * Writer only. Appends one sample (NaN included; not a stale marker).
     *
     * @return {@link #APPLIED}, {@link #SKIPPED_TOO_OLD}, or {@link #FULL} when the caller must rebuild
     */
    public int append(long timestampMs, double value) {
        final MemorySegment seg = segment;
        final long base = offset;
        final int count = seg.get(INT, base + COUNT_OFFSET);
        if (count > 0 && timestampMs <= tooOldAtOrBefore()) {
            COUNTER.setOpaque(seg, base + SKIPPED_TOO_OLD_OFFSET, (long) COUNTER.get(seg, base + SKIPPED_TOO_OLD_OFFSET) + 1);
            if (timestampMs > seg.get(LONG, base + RETAINED_START_OFFSET)) {
                // the block no longer holds everything after its retained start: move it past the lost sample
                SeqLock.beginWrite(seg, base + VERSION_OFFSET);
                seg.set(LONG, base + RETAINED_START_OFFSET, timestampMs);
                SeqLock.endWrite(seg, base + VERSION_OFFSET);
            }
            return SKIPPED_TOO_OLD;
        }
        final long bits = seg.get(LONG, base + BIT_LENGTH_OFFSET);
        final int capacity = seg.get(INT, base + CAPACITY_OFFSET);
        final int every = seg.get(SHORT, base + CHECKPOINT_EVERY_OFFSET);
        final int first = seg.get(SHORT, base + CHECKPOINT_FIRST_OFFSET);
        final int checkpoints = checkpoints(count + 1, every, first);
        final long capacityBits = ((long) capacity - (long) checkpoints * CHECKPOINT_LENGTH) * 8;
        if (bits + (count == 0 ? START_BITS : MAX_SAMPLE_BITS) > capacityBits || count == Integer.MAX_VALUE) {
            return FULL;
        }
        final long valueBits = Double.doubleToRawLongBits(value);
        final boolean opensChunk = checkpoints > checkpoints(count, every, first);
        if (opensChunk && checkpoints >= 2 && checkpoints - 2 < RUNNING_MOMENTS_FROM && seg.get(INT, base + IN_ORDER_OFFSET) != 0) {
            // the chunk after the previous checkpoint is whole now: its moments, before readers can count on them
            // (an out-of-order stream is never read by chunks: it gets moments when a compaction lays it in order;
            // from chunk RUNNING_MOMENTS_FROM on they were kept as the samples came)
            layChunkMoments(seg, base, capacity, count, bits, every, first, checkpoints - 2, every);
        }
        SeqLock.beginWrite(seg, base + VERSION_OFFSET);
        if (opensChunk) {
            // sample index `count` opens a new chunk: the encoder state now is the decoder state before it
            long cp = base + checkpointOffset(capacity, checkpoints - 1);
            int lead = Math.max(0, seg.get(INT, base + PREV_LEADING_OFFSET));
            int trail = seg.get(SHORT, base + PREV_TRAILING_OFFSET);
            int scale = seg.get(SHORT, base + VALUE_SCALE_OFFSET);
            seg.set(LONG, cp + CHECKPOINT_POS_OFFSET, checkpointWord(bits, lead, trail, scale));
            seg.set(LONG, cp + CHECKPOINT_TS_OFFSET, seg.get(LONG, base + PREV_TS_OFFSET));
            seg.set(LONG, cp + CHECKPOINT_DELTA_OFFSET, seg.get(LONG, base + PREV_DELTA_OFFSET));
            seg.set(LONG, cp + CHECKPOINT_BITS_OFFSET, seg.get(LONG, base + PREV_BITS_OFFSET));
        }
        if (count > 0 && timestampMs < seg.get(LONG, base + PREV_TS_OFFSET)) {
            seg.set(INT, base + IN_ORDER_OFFSET, 0);
        }
        long pos = bits;
        if (count == 0) {
            pos = put(seg, base, pos, timestampMs, 64);
            pos = put(seg, base, pos, valueBits, 64);
            pos = put(seg, base, pos, 0L, 64);  // decoder state: delta 0,
            pos = put(seg, base, pos, 0L, 15);  // no leading/trailing window yet, decimal scale 0
            seg.set(LONG, base + PREV_DELTA_OFFSET, 0L);
            seg.set(INT, base + PREV_LEADING_OFFSET, -1);
            seg.set(SHORT, base + VALUE_SCALE_OFFSET, (short) 0);
            if (seg.get(LONG, base + COVERAGE_START_OFFSET) == EMPTY) {
                seg.set(LONG, base + COVERAGE_START_OFFSET, timestampMs - 1);
                seg.set(LONG, base + RETAINED_START_OFFSET, timestampMs - 1);
            }
            seg.set(LONG, base + NEWEST_OFFSET, timestampMs);
        } else {
            long delta = timestampMs - seg.get(LONG, base + PREV_TS_OFFSET);
            long dod = delta - seg.get(LONG, base + PREV_DELTA_OFFSET);
            long z = (dod << 1) ^ (dod >> 63);
            if (z == 0) {
                pos = put(seg, base, pos, 0L, 1);
            } else if (z < (1L << 7)) {
                pos = put(seg, base, pos, (0b10L << 7) | z, 9);
            } else if (z < (1L << 9)) {
                pos = put(seg, base, pos, (0b110L << 9) | z, 12);
            } else if (z < (1L << 12)) {
                pos = put(seg, base, pos, (0b1110L << 12) | z, 16);
            } else if (z >>> 32 == 0) {
                pos = put(seg, base, pos, (0b11110L << 32) | z, 37);
            } else {
                pos = put(seg, base, pos, 0b11111L, 5);
                pos = put(seg, base, pos, z, 64);
            }
            seg.set(LONG, base + PREV_DELTA_OFFSET, delta);
            long prevBits = seg.get(LONG, base + PREV_BITS_OFFSET);
            long x = valueBits ^ prevBits;
            if (x == 0) {
                pos = put(seg, base, pos, 0L, 1);
            } else {
                int lead = Math.min(31, Long.numberOfLeadingZeros(x));
                int trail = Long.numberOfTrailingZeros(x);
                int prevLead = seg.get(INT, base + PREV_LEADING_OFFSET);
                int prevTrail = seg.get(SHORT, base + PREV_TRAILING_OFFSET);
                boolean reuse = prevLead >= 0 && lead >= prevLead && trail >= prevTrail;
                int xorBits = reuse ? 2 + 64 - prevLead - prevTrail : 14 + 64 - lead - trail;
                int scale = seg.get(SHORT, base + VALUE_SCALE_OFFSET);
                // a step code is never shorter than SHORTEST_BITS: values that change little in XOR skip the search
                long step = xorBits <= DecimalStep.SHORTEST_BITS ? -1
                    : DecimalStep.encode(Double.longBitsToDouble(prevBits), value, scale);
                if (step >= 0 && DecimalStep.length(step) < xorBits) {
                    // integer or decimal steps (counters, gauges written as decimal text): XOR would spread them
                    // over more bits
                    pos = put(seg, base, pos, DecimalStep.code(step), DecimalStep.length(step));
                    if (DecimalStep.scale(step) != scale) {
                        seg.set(SHORT, base + VALUE_SCALE_OFFSET, (short) DecimalStep.scale(step));
                    }
                } else if (reuse) {
                    int meaningful = 64 - prevLead - prevTrail;
                    pos = put(seg, base, pos, 0b10L, 2);
                    pos = put(seg, base, pos, x >>> prevTrail, meaningful);
                } else {
                    int meaningful = 64 - lead - trail;
                    pos = put(seg, base, pos, (0b110L << 11) | ((long) lead << 6) | (meaningful - 1), 14);
                    pos = put(seg, base, pos, x >>> trail, meaningful);
                    seg.set(INT, base + PREV_LEADING_OFFSET, lead);
                    seg.set(SHORT, base + PREV_TRAILING_OFFSET, (short) trail);
                }
            }
            if (timestampMs > seg.get(LONG, base + NEWEST_OFFSET)) {
                seg.set(LONG, base + NEWEST_OFFSET, timestampMs);
            }
        }
        seg.set(LONG, base + PREV_TS_OFFSET, timestampMs);
        seg.set(LONG, base + PREV_BITS_OFFSET, valueBits);
        if (timestampMs < seg.get(LONG, base + OLDEST_OFFSET)) {
            seg.set(LONG, base + OLDEST_OFFSET, timestampMs);
        }
        if (checkpoints > RUNNING_MOMENTS_FROM) {
            // the open chunk after the last checkpoint: its moments, sample by sample
            addToChunk(seg, base + checkpointOffset(capacity, checkpoints - 1), count - first - (checkpoints - 1) * every - 1, value);
        }
        seg.set(LONG, base + BIT_LENGTH_OFFSET, pos);
        seg.set(INT, base + COUNT_OFFSET, count + 1);
        SeqLock.endWrite(seg, base + VERSION_OFFSET);
        return APPLIED;
    }

    /**
     * The first chunk (by index in its block) whose moments are kept sample by sample while it is open, so that a
     * read ending at or after the newest sample takes them instead of decoding it. Earlier chunks get theirs when
     * they close (one decode of C samples): keeping them costs the append a store to another cache line, which a
     * block holding only a chunk or two (a 15 s series with a 1 h window) does not win back in reads. (Measured with
     * every open chunk kept: SketchUpdateBenchmark, 10,000 dense series, 290-307 against 145-200 ns a sample on a
     * noisy machine; docs/benchmarks.md, session 9.)
     */
    static final int RUNNING_MOMENTS_FROM = 2;

    /**
     * Writer only: adds {@code x} to the moments of the chunk whose checkpoint record is at {@code cp}, which hold
     * {@code before} samples: the sum compensated as {@link SampleMoments#sum} compensates it, the squared deviations
     * by Welford's update (stable without a second pass), min NaN from the first non-finite sample or sum on (readers
     * then decode the chunk, so Prometheus' rules apply sample by sample).
     */
    private static void addToChunk(MemorySegment seg, long cp, int before, double x) {
        if (before == 0) {
            boolean finite = Double.isFinite(x);
            seg.set(DOUBLE, cp + CHUNK_SUM_HI_OFFSET, x);
            seg.set(DOUBLE, cp + CHUNK_SUM_LO_OFFSET, 0.0);
            seg.set(DOUBLE, cp + CHUNK_DEV2_OFFSET, 0.0);
            seg.set(DOUBLE, cp + CHUNK_MIN_OFFSET, finite ? x : Double.NaN);
            seg.set(DOUBLE, cp + CHUNK_MAX_OFFSET, x);
            return;
        }
        double hi = seg.get(DOUBLE, cp + CHUNK_SUM_HI_OFFSET);
        double lo = seg.get(DOUBLE, cp + CHUNK_SUM_LO_OFFSET);
        double meanBefore = (hi + lo) / before;
        double t = hi + x;
        lo = Math.abs(hi) >= Math.abs(x) ? lo + ((hi - t) + x) : lo + ((x - t) + hi);
        hi = t;
        double dev2 = seg.get(DOUBLE, cp + CHUNK_DEV2_OFFSET) + (x - meanBefore) * (x - (hi + lo) / (before + 1));
        double min = seg.get(DOUBLE, cp + CHUNK_MIN_OFFSET);
        seg.set(DOUBLE, cp + CHUNK_SUM_HI_OFFSET, hi);
        seg.set(DOUBLE, cp + CHUNK_SUM_LO_OFFSET, lo);
        seg.set(DOUBLE, cp + CHUNK_DEV2_OFFSET, dev2);
        seg.set(DOUBLE, cp + CHUNK_MIN_OFFSET,
            Double.isFinite(x) && Double.isFinite(hi) && Double.isFinite(dev2) ? Math.min(min, x) : Double.NaN);
        seg.set(DOUBLE, cp + CHUNK_MAX_OFFSET, Math.max(seg.get(DOUBLE, cp + CHUNK_MAX_OFFSET), x));
    }

    /** A checkpoint's first word: the next code's stream position and the decoder's XOR window and decimal scale. */
    private static long checkpointWord(long pos, int lead, int trail, int scale) {
        return pos | ((long) lead << 48) | ((long) trail << 54) | ((long) scale << 60);
    }

    /**
     * Appends the low {@code n} (1..64) bits of {@code v} at bit {@code pos}. A word is stored whole the first time
     * a bit lands in it, so the data area never needs zeroing.
     */
    private static long put(MemorySegment seg, long base, long pos, long v, int n) {
        if (n < 64) {
            v &= (1L << n) - 1;
        }
        long addr = base + DATA_OFFSET + (pos >>> 6) * 8;
        int used = (int) (pos & 63);
        int free = 64 - used;
        if (used == 0) {
            seg.set(LONG, addr, v << (64 - n));
        } else if (n <= free) {
            seg.set(LONG, addr, seg.get(LONG, addr) | (v << (free - n)));
        } else {
            int spill = n - free;
            seg.set(LONG, addr, seg.get(LONG, addr) | (v >>> spill));
            seg.set(LONG, addr + 8, v << (64 - spill));
        }
        return pos + n;
    }

    // ---- reader ---------------------------------------------------------------------------------

    /**
     * Any thread. Decodes the samples with timestamps in {@code (startExclusiveMs, endInclusiveMs]} into
     * {@code out}, with the block's ranges. Allocation-free once {@code out} has grown to the window.
     */
    public void read(long startExclusiveMs, long endInclusiveMs, ExactWindow out) {
        read(startExclusiveMs, endInclusiveMs, out, false);
    }

    /**
     * Any thread. Like {@link #read(long, long, ExactWindow)}; with {@code chunkMoments}, the chunks of an in-order
     * stream that the window holds whole come as their moments ({@link ExactWindow#chunks()}) instead of their
     * samples, for a reader that needs only sums, min and max (the aggregate family): a long window then costs its
     * chunks plus at most 2C decoded samples.
     */
    public void read(long startExclusiveMs, long endInclusiveMs, ExactWindow out, boolean chunkMoments) {
        read(startExclusiveMs, endInclusiveMs, out, chunkMoments, FirstChunk.SAMPLES);
    }

    /**
     * As {@link #read(long, long, ExactWindow, boolean)}, for a reader that needs only part of what the chunk holding
     * the window's start holds ({@link FirstChunk}): with {@code SUMS} that chunk comes as its moments too, its sum
     * less the samples before the window (half a chunk decoded on average instead of all of it, the largest part of an
     * instant avg/sum/count read; that entry's squared deviations are NaN and its min and max the whole chunk's, bounds
     * of its samples in the window); with {@code EXTREMA}, at a window that holds the open chunk (an instant query at
     * now), its samples are left out when its min and max lie inside those of the window's other chunks: none of them
     * can change either extreme (a tie with a zero extreme is still read: -0.0 and 0.0 are equal but not the same
     * answer), and the window's count and sum then lack them.
     */
    public void read(long startExclusiveMs, long endInclusiveMs, ExactWindow out, boolean chunkMoments, FirstChunk firstChunk) {
        read(startExclusiveMs, endInclusiveMs, out, chunkMoments, firstChunk, null);
    }

    /**
     * As {@link #read(long, long, ExactWindow, boolean, FirstChunk)}, carrying on from {@code cut} (this series' last
     * read, held by the caller alone) where the window starts in the chunk that read cut at or after its start, and
     * leaving in it where this one cut (null: a cut of {@code out}'s own).
     */
    public void read(long startExclusiveMs, long endInclusiveMs, ExactWindow out, boolean chunkMoments, FirstChunk firstChunk,
                     ChunkCut cut) {
        final MemorySegment seg = segment;
        final long base = offset;
        int count;
        long bits;
        int every;
        int first;
        boolean inOrder;
        final int capacity = seg.get(INT, base + CAPACITY_OFFSET);
        // the open chunk's moments (after the stream's last checkpoint), which every append changes
        double openHi = 0;
        double openLo = 0;
        double openDev2 = 0;
        double openMin = Double.NaN;
        double openMax = 0;
        for (;;) {
            long version = SeqLock.readBegin(seg, base + VERSION_OFFSET);
            count = seg.get(INT, base + COUNT_OFFSET);
            bits = seg.get(LONG, base + BIT_LENGTH_OFFSET);
            every = seg.get(SHORT, base + CHECKPOINT_EVERY_OFFSET);
            first = seg.get(SHORT, base + CHECKPOINT_FIRST_OFFSET);
            inOrder = seg.get(INT, base + IN_ORDER_OFFSET) != 0;
            out.coverageStartMs = seg.get(LONG, base + COVERAGE_START_OFFSET);
            out.retainedStartMs = seg.get(LONG, base + RETAINED_START_OFFSET);
            out.newestMs = seg.get(LONG, base + NEWEST_OFFSET);
            // only a window that ends at or after the newest sample can hold the open chunk whole
            int open = chunkMoments && inOrder && endInclusiveMs >= out.newestMs ? checkpoints(count, every, first) - 1 : -1;
            if (open >= RUNNING_MOMENTS_FROM) {
                long cp = base + checkpointOffset(capacity, open);
                openHi = seg.get(DOUBLE, cp + CHUNK_SUM_HI_OFFSET);
                openLo = seg.get(DOUBLE, cp + CHUNK_SUM_LO_OFFSET);
                openDev2 = seg.get(DOUBLE, cp + CHUNK_DEV2_OFFSET);
                openMin = seg.get(DOUBLE, cp + CHUNK_MIN_OFFSET);
                openMax = seg.get(DOUBLE, cp + CHUNK_MAX_OFFSET);
            }
            if (SeqLock.readValidate(seg, base + VERSION_OFFSET, version)) {
                break;
            }
        }
        out.clear();
        StreamCursor c = out.cursor;
        if (!inOrder) {
            decodeFrom(c.start(seg, base, count, bits), c, startExclusiveMs, endInclusiveMs, false, out);
            return;
        }
        // in order: resume at the last checkpoint at or before the window (or where the last read of the series cut
        // that chunk), stop at the first sample after it
        int checkpoints = checkpoints(count, every, first);
        ChunkCut at = cut != null ? cut : out.cut;
        int j = lastCheckpointAtOrBefore(seg, base, checkpoints, startExclusiveMs, at.checkpoint());
        if (chunkMoments) {
            // chunks j+1 .. b-1 lie whole in the window: each starts after a checkpoint past the window's start and
            // ends on one at or before its end (chunk k's moments exist once checkpoint k + 1 does: b < checkpoints)
            int b = lastCheckpointAtOrBefore(seg, base, checkpoints, endInclusiveMs, checkpoints - 1);
            // the open chunk after the last checkpoint lies whole in a window that ends at or after the newest
            // sample (an instant query at now) and starts before that checkpoint: its moments, not its samples
            boolean open = b == checkpoints - 1 && b > j && endInclusiveMs >= out.newestMs && openMin == openMin;
            if (b > j + 1 || open) {
                boolean any;
                if (j < 0) {
                    any = c.start(seg, base, count, bits);
                } else if (firstChunk == FirstChunk.EXTREMA && open
                        && firstChunkInsideTheRest(seg, base, capacity, j, b, openMin, openMax)) {
                    any = false;
                } else {
                    any = skipBefore(c, seg, base, count, bits, every, first, capacity, j, startExclusiveMs, at, false);
                    if (firstChunk == FirstChunk.SUMS && any) {
                        any = cutFirstChunk(seg, base, every, capacity, j, at, out);
                    }
                }
                readChunked(any, c, seg, base, count, bits, every, first, capacity, j + 1, b, startExclusiveMs,
                    endInclusiveMs, out);
                if (open) {
                    int n = out.addChunk(count - 1 - first - b * every);
                    double[] m = out.chunkMomentsArray();
                    m[n] = openHi;
                    m[n + 1] = openLo;
                    m[n + 2] = openDev2;
                    m[n + 3] = openMin;
                    m[n + 4] = openMax;
                } else if (firstChunk == FirstChunk.SAMPLES
                        || !endAsMoments(c, seg, base, count, bits, every, first, capacity, b, endInclusiveMs, at.end(), out)) {
                    decodeAfter(c, seg, base, count, bits, every, first, capacity, b, startExclusiveMs, endInclusiveMs, out);
                }
                return;
            }
        }
        boolean any = j < 0 ? c.start(seg, base, count, bits)
            : skipBefore(c, seg, base, count, bits, every, first, capacity, j, startExclusiveMs, at, false);
        decodeFrom(any, c, startExclusiveMs, endInclusiveMs, true, out);
    }

    /**
     * For a reader of sums or extremes, a window that ends inside chunk {@code b} (after checkpoint {@code b}, before
     * the newest sample): that chunk's samples up to the end as one entry of moments -- their count, compensated sum
     * and extremes, squared deviations NaN -- carried on from the series' last cut of its window's end
     * ({@code cut}), so a rule asked at each evaluation a little later decodes the samples since. @return false when
     * they must be read sample by sample instead (one not finite, or an extreme that is a zero: -0.0 and 0.0 are equal
     * but not the same answer), with nothing added
     */
    private static boolean endAsMoments(StreamCursor c, MemorySegment seg, long base, int count, long bits, int every,
                                        int first, int capacity, int b, long endIncl, ChunkCut cut, ExactWindow out) {
        skipBefore(c, seg, base, count, bits, every, first, capacity, b, endIncl, cut, true);
        if (cut.before == 0) {
            return true;
        }
        if (cut.min != cut.min || cut.min == 0 || cut.max == 0) {
            return false;
        }
        int at = out.addChunk(cut.before);
        double[] m = out.chunkMomentsArray();
        m[at] = cut.sumHi; // the compensated sum's two parts, as the writer keeps a chunk's
        m[at + 1] = cut.sumLo;
        m[at + 2] = Double.NaN;
        m[at + 3] = cut.min;
        m[at + 4] = cut.max;
        return true;
    }

    /**
     * Puts the cursor on the first sample of chunk {@code j} (the samples after checkpoint {@code j}'s) after
     * {@code startExcl}: from where {@code cut} left it when it was taken in this chunk at or before that start, else
     * from the checkpoint. Keeps in {@code cut} the cursor's new place and the count and compensated sum of the
     * chunk's samples it passed (what a reader of sums takes away from the chunk's moments), with {@code extremes}
     * their min and max as well (at a window's end: what {@link #endAsMoments} adds; a cut is always kept for the same
     * end of the window, so one taken without them is never asked for them). @return false when the stream holds no
     * sample after the start (the cursor's place is then not kept; the count, sum and extremes are)
     */
    private static boolean skipBefore(StreamCursor c, MemorySegment seg, long base, int count, long bits, int every,
                                      int first, int capacity, int j, long startExcl, ChunkCut cut, boolean extremes) {
        long cp = base + checkpointOffset(capacity, j);
        long word = seg.get(LONG, cp + CHECKPOINT_POS_OFFSET);
        long cpTs = seg.get(LONG, cp + CHECKPOINT_TS_OFFSET);
        long address = seg.address() + base;
        int series = seg.get(INT, base + SERIES_ID_OFFSET);
        double hi = 0;
        double lo = 0;
        int before = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean finite = true;
        if (cut.continues(address, series, j, word, cpTs, startExcl, count, bits)) {
            if (!cut.resume(c, seg, base, count, bits)) {
                cut.forget();
                cut.before = 0;
                return false;
            }
            hi = cut.sumHi;
            lo = cut.sumLo;
            before = cut.before;
            min = cut.min;
            max = cut.max;
            finite = min == min;
        } else if (!(resumeAt(c, seg, base, count, bits, first + j * every, cp) && c.next())) {
            cut.forget();
            cut.before = 0;
            return false;
        }
        int end = first + (j + 1) * every;
        boolean more = true;
        while (c.ts <= startExcl) {
            // Neumaier's compensated sum, as the writer keeps the chunk's
            double v = Double.longBitsToDouble(c.valueBits);
            double t = hi + v;
            lo += Math.abs(hi) >= Math.abs(v) ? (hi - t) + v : (v - t) + hi;
            hi = t;
            if (extremes) {
                finite &= Double.isFinite(v);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            before++;
            if (c.index >= end || !c.next()) {
                more = false;
                break;
            }
        }
        if (more) {
            cut.take(address, series, j, word, cpTs, startExcl, c);
        } else {
            cut.forget();
        }
        cut.sumHi = hi;
        cut.sumLo = lo;
        cut.before = before;
        cut.min = finite ? min : Double.NaN;
        cut.max = max;
        return more;
    }

    /**
     * For a reader of sums: chunk {@code j} (the samples after checkpoint {@code j}'s, up to and including checkpoint
     * {@code j + 1}'s), which holds the window's start and lies before its end, as its compensated sum less that of
     * its samples at or before the start ({@code cut}'s, which {@link #skipBefore} passed). @return whether the
     * caller still has samples of chunk {@code j} to add (false: the chunk was taken here; true: it holds a NaN or an
     * infinity, and the cursor is on its first sample after the start)
     */
    private static boolean cutFirstChunk(MemorySegment seg, long base, int every, int capacity, int j, ChunkCut cut,
                                         ExactWindow out) {
        long cp = base + checkpointOffset(capacity, j);
        double chunkMin = seg.get(DOUBLE, cp + CHUNK_MIN_OFFSET);
        if (chunkMin != chunkMin) {
            return true; // a NaN or an infinity in the chunk: sample by sample, as Prometheus adds them
        }
        double hi = cut.sumHi;
        double lo = cut.sumLo;
        int after = every - cut.before;
        if (after > 0) {
            // (chunk hi + lo) - (hi + lo): the hi parts' difference with its rounding error (two-sum), then the rest
            double chunkHi = seg.get(DOUBLE, cp + CHUNK_SUM_HI_OFFSET);
            double chunkLo = seg.get(DOUBLE, cp + CHUNK_SUM_LO_OFFSET);
            double s = chunkHi - hi;
            double z = s - chunkHi;
            double err = (chunkHi - (s - z)) + (-hi - z);
            double rest = err + chunkLo - lo;
            double sumHi = s + rest;
            int at = out.addChunk(after);
            double[] m = out.chunkMomentsArray();
            m[at] = sumHi;
            m[at + 1] = rest - (sumHi - s);
            m[at + 2] = Double.NaN;
            m[at + 3] = chunkMin;
            m[at + 4] = seg.get(DOUBLE, cp + CHUNK_MAX_OFFSET);
        }
        return false;
    }

    /**
     * For a reader of extremes: whether chunk {@code j}'s min and max lie inside those of chunks {@code (j, b)} and
     * the open chunk ({@code openMin}, {@code openMax}), a tie counting as inside unless the extreme is a zero; false
     * when any of them holds a NaN or an infinity (no moments: Prometheus' rules apply sample by sample).
     */
    private static boolean firstChunkInsideTheRest(MemorySegment seg, long base, int capacity, int j, int b,
                                                   double openMin, double openMax) {
        long cp = base + checkpointOffset(capacity, j);
        double chunkMin = seg.get(DOUBLE, cp + CHUNK_MIN_OFFSET);
        double chunkMax = seg.get(DOUBLE, cp + CHUNK_MAX_OFFSET);
        double min = openMin;
        double max = openMax;
        for (int k = j + 1; k < b; k++) {
            long at = base + checkpointOffset(capacity, k);
            min = Math.min(min, seg.get(DOUBLE, at + CHUNK_MIN_OFFSET));
            max = Math.max(max, seg.get(DOUBLE, at + CHUNK_MAX_OFFSET));
        }
        // a chunk without moments has min NaN, which Math.min carries and which fails every comparison; a tie leaves
        // the extreme as it is unless it is a zero (-0.0 == 0.0, but Math.max/min tell them apart)
        return (chunkMin > min || chunkMin == min && min != 0) && (chunkMax < max || chunkMax == max && max != 0);
    }

    /**
     * The in-order read of a window holding chunks {@code [a, b)} whole: the samples up to checkpoint {@code a}'s,
     * then the chunks' moments (a chunk without moments decoded instead); the caller adds what follows checkpoint
     * {@code b}'s sample.
     */
    private static void readChunked(boolean any, StreamCursor c, MemorySegment seg, long base, int count, long bits,
                                    int every, int first, int capacity, int a, int b, long startExcl, long endIncl,
                                    ExactWindow out) {
        int aIndex = first + a * every;
        if (any) {
            do {
                long ts = c.ts;
                if (ts > startExcl && ts <= endIncl) {
                    out.add(ts, Double.longBitsToDouble(c.valueBits));
                }
            } while (c.index < aIndex && c.next());
        }
        for (int k = a; k < b; k++) {
            long cp = base + checkpointOffset(capacity, k);
            double min = seg.get(DOUBLE, cp + CHUNK_MIN_OFFSET);
            if (min == min) {
                int at = out.addChunk(every);
                MemorySegment.copy(seg, DOUBLE, cp + CHUNK_SUM_HI_OFFSET, out.chunkMomentsArray(), at, CHUNK_MOMENTS);
            } else {
                // a NaN or an infinity in the chunk: its samples, for Prometheus' rules sample by sample
                resumeAt(c, seg, base, count, bits, first + k * every, cp);
                for (int i = 0; i < every && c.next(); i++) {
                    out.add(c.ts, Double.longBitsToDouble(c.valueBits));
                }
            }
        }
    }

    /** The in-order read's samples after checkpoint {@code b}'s, up to the window's end. */
    private static void decodeAfter(StreamCursor c, MemorySegment seg, long base, int count, long bits, int every,
                                    int first, int capacity, int b, long startExcl, long endIncl, ExactWindow out) {
        long cp = base + checkpointOffset(capacity, b);
        boolean more = resumeAt(c, seg, base, count, bits, first + b * every, cp) && c.next();
        decodeFrom(more, c, startExcl, endIncl, true, out);
    }

    /** The last checkpoint whose sample is at or before {@code t} (binary search: in order, they ascend); -1 when none. */
    private static int lastCheckpointAtOrBefore(MemorySegment seg, long base, int checkpoints, long t) {
        return lastCheckpointAtOrBefore(seg, base, checkpoints, t, -1);
    }

    /**
     * As {@link #lastCheckpointAtOrBefore(MemorySegment, long, int, long)}, trying {@code guess} first (two probes
     * instead of a search's five or so, each a cache line of its own): the last checkpoint for a window that ends at
     * now, the series' last cut for one that starts about where the last read's did.
     */
    private static int lastCheckpointAtOrBefore(MemorySegment seg, long base, int checkpoints, long t, int guess) {
        if (checkpoints == 0) {
            return -1;
        }
        int capacity = seg.get(INT, base + CAPACITY_OFFSET);
        if (guess >= 0 && guess < checkpoints
                && seg.get(LONG, base + checkpointOffset(capacity, guess) + CHECKPOINT_TS_OFFSET) <= t
                && (guess == checkpoints - 1
                    || seg.get(LONG, base + checkpointOffset(capacity, guess + 1) + CHECKPOINT_TS_OFFSET) > t)) {
            return guess;
        }
        int lo = 0;
        int hi = checkpoints - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (seg.get(LONG, base + checkpointOffset(capacity, mid) + CHECKPOINT_TS_OFFSET) <= t) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Writer only (its own block, no seqlock needed): every sample, for a rebuild. */
    public void readAll(ExactWindow out) {
        out.coverageStartMs = coverageStartMs();
        out.retainedStartMs = retainedStartMs();
        out.newestMs = newestMs();
        out.clear();
        StreamCursor c = out.cursor;
        decodeFrom(c.start(segment, offset, sampleCount(), bitLength()), c, Long.MIN_VALUE, Long.MAX_VALUE, false, out);
    }

    /** Adds the samples from the cursor's on that lie in the window; stops past it when {@code inOrder}. */
    private static void decodeFrom(boolean any, StreamCursor c, long startExcl, long endIncl, boolean inOrder,
                                   ExactWindow out) {
        if (!any) {
            return;
        }
        do {
            long ts = c.ts;
            if (ts > startExcl && ts <= endIncl) {
                out.add(ts, Double.longBitsToDouble(c.valueBits));
            } else if (inOrder && ts > endIncl) {
                return;
            }
        } while (c.next());
    }

    /**
     * Writer only: lays out in {@code dst} (wrapped over at least this block's used bytes) this block without the
     * samples before the first one after {@code threshold}: the new stream starts with that sample and the decoder
     * state after it, then the codes of the samples after it, copied bit for bit (nothing is re-encoded). The
     * retained start moves past every sample dropped. With out-of-order samples a dropped one may be newer than
     * the threshold (then it is no longer claimed: the retained start passes it) and a kept one older (harmless).
     *
     * An in-order stream is cut without decoding it: the cut is found from the last checkpoint at or before the
     * threshold, and the checkpoints after it are carried over (their positions moved with the codes), so a
     * compaction costs at most C decoded samples and a copy. An out-of-order stream is decoded from its start and its
     * checkpoints laid out afresh (a second walk over it), its in-order flag recomputed for the samples kept.
     *
     * @param dstCapacityBytes data capacity of {@code dst}
     * @return false when every sample is at or before the threshold ({@code dst} then holds an empty stream)
     */
    public boolean compactInto(ExactSamplesFlyweight dst, long threshold, int dstCapacityBytes) {
        final StreamCursor cursor = writerCursor;
        final MemorySegment seg = segment;
        final long base = offset;
        final int count = sampleCount();
        final long bits = bitLength();
        final int every = seg.get(SHORT, base + CHECKPOINT_EVERY_OFFSET);
        final int first = seg.get(SHORT, base + CHECKPOINT_FIRST_OFFSET);
        final boolean inOrder = seg.get(INT, base + IN_ORDER_OFFSET) != 0;
        final int capacity = capacityBytes();
        MemorySegment.copy(seg, base, dst.segment, dst.offset, HEADER_LENGTH);
        final MemorySegment d = dst.segment;
        final long db = dst.offset;
        final int dstCapacity = dstCapacityBytes & ~7;
        d.set(INT, db + CAPACITY_OFFSET, dstCapacity);
        d.set(SHORT, db + CHECKPOINT_EVERY_OFFSET, (short) CHECKPOINT_EVERY);
        d.set(SHORT, db + CHECKPOINT_FIRST_OFFSET, (short) (CHECKPOINT_EVERY - 1));
        d.set(INT, db + IN_ORDER_OFFSET, 1);
        long retained = retainedStartMs();
        final int checkpoints = checkpoints(count, every, first);
        int j = inOrder ? lastCheckpointAtOrBefore(seg, base, checkpoints, threshold) : -1;
        boolean any;
        if (j < 0) {
            any = cursor.start(seg, base, count, bits);
        } else {
            // in order: every sample up to the checkpoint's is at or before the threshold, the checkpoint's the newest
            long cp = base + checkpointOffset(capacity, j);
            retained = Math.max(retained, seg.get(LONG, cp + CHECKPOINT_TS_OFFSET));
            any = resumeAt(cursor, seg, base, count, bits, first + j * every, cp) && cursor.next();
        }
        while (any && cursor.ts <= threshold) {
            retained = Math.max(retained, cursor.ts);
            any = cursor.next();
        }
        d.set(LONG, db + RETAINED_START_OFFSET, retained);
        if (!any) {
            d.set(INT, db + COUNT_OFFSET, 0);
            d.set(INT, db + IN_ORDER_OFFSET, 1);
            d.set(LONG, db + BIT_LENGTH_OFFSET, 0L);
            d.set(LONG, db + OLDEST_OFFSET, Long.MAX_VALUE);
            return false;
        }
        long p = put(d, db, 0, cursor.ts, 64);
        p = put(d, db, p, cursor.valueBits, 64);
        p = put(d, db, p, cursor.delta, 64);
        p = put(d, db, p, cursor.lead, 6);
        p = put(d, db, p, cursor.trail, 6);
        p = put(d, db, p, cursor.scale, 3);
        final long shift = START_BITS - cursor.pos; // where the codes after the kept first sample move
        // the codes after the kept first sample, 64 bits at a time
        for (long from = cursor.pos; from < bits; ) {
            int n = (int) Math.min(64, bits - from);
            p = put(d, db, p, StreamCursor.bits(seg, base + DATA_OFFSET, from, n), n);
            from += n;
        }
        final int cut = cursor.index; // the kept first sample's index in this stream
        int kept = count - cut;
        d.set(INT, db + COUNT_OFFSET, kept);
        d.set(LONG, db + BIT_LENGTH_OFFSET, p);
        // the kept first sample is the oldest for in-order data; a later older one only delays the next compaction
        d.set(LONG, db + OLDEST_OFFSET, cursor.ts);
        if (inOrder) {
            carryCheckpoints(d, db, dstCapacity, checkpoints, every, first, cut, shift);
        } else {
            layCheckpoints(d, db, dstCapacity, kept, p);
        }
        return true;
    }

    /**
     * Writer only, in-order compaction: the checkpoints after sample {@code cut} of this stream, into {@code d}'s
     * stream that starts at that sample (indices down by {@code cut}, positions moved by {@code shift} bits).
     */
    private void carryCheckpoints(MemorySegment d, long db, int dstCapacity, int checkpoints, int every, int first,
                                  int cut, long shift) {
        int capacity = capacityBytes();
        // the first checkpoint at or after the cut (one at the cut itself holds the start state: harmless)
        int j0 = cut <= first ? 0 : (cut - first + every - 1) / every;
        // the next checkpoints the appends add keep the same spacing (with none carried, as if they had been)
        d.set(SHORT, db + CHECKPOINT_FIRST_OFFSET, (short) (first + j0 * every - cut));
        for (int j = j0; j < checkpoints; j++) {
            long from = offset + checkpointOffset(capacity, j);
            long to = db + checkpointOffset(dstCapacity, j - j0);
            long word = segment.get(LONG, from + CHECKPOINT_POS_OFFSET);
            long pos = (word & CHECKPOINT_POS_MASK) + shift;
            d.set(LONG, to + CHECKPOINT_POS_OFFSET, (word & ~CHECKPOINT_POS_MASK) | pos);
            MemorySegment.copy(segment, from + CHECKPOINT_TS_OFFSET, d, to + CHECKPOINT_TS_OFFSET, CHECKPOINT_LENGTH - 8);
        }
    }

    /** Positions {@code c} on sample {@code index} from the checkpoint at {@code cp}. */
    private static boolean resumeAt(StreamCursor c, MemorySegment seg, long base, int count, long bits, int index, long cp) {
        long packed = seg.get(LONG, cp + CHECKPOINT_POS_OFFSET);
        return c.resume(seg, base, count, bits, index, packed & CHECKPOINT_POS_MASK,
            seg.get(LONG, cp + CHECKPOINT_TS_OFFSET), seg.get(LONG, cp + CHECKPOINT_DELTA_OFFSET),
            seg.get(LONG, cp + CHECKPOINT_BITS_OFFSET), (int) (packed >>> 48) & 63, (int) (packed >>> 54) & 63,
            (int) (packed >>> 60) & 7);
    }

    /** Walks a freshly laid out stream once: its checkpoints and its in-order flag. */
    private void layCheckpoints(MemorySegment d, long db, int capacity, int count, long bits) {
        StreamCursor c = writerCursor;
        if (!c.start(d, db, count, bits)) {
            return;
        }
        boolean inOrder = true;
        long previous = c.ts;
        for (int i = 0; ; i++) {
            // the cursor holds the state after sample i: checkpoint j when i = (j + 1)C - 1 (F = C - 1, as the header
            // says from the start) and a sample follows
            if ((i + 1) % CHECKPOINT_EVERY == 0 && i + 1 < count) {
                long cp = db + checkpointOffset(capacity, (i + 1) / CHECKPOINT_EVERY - 1);
                d.set(LONG, cp + CHECKPOINT_POS_OFFSET, checkpointWord(c.pos, c.lead, c.trail, c.scale));
                d.set(LONG, cp + CHECKPOINT_TS_OFFSET, c.ts);
                d.set(LONG, cp + CHECKPOINT_DELTA_OFFSET, c.delta);
                d.set(LONG, cp + CHECKPOINT_BITS_OFFSET, c.valueBits);
            }
            if (!c.next()) {
                break;
            }
            inOrder &= c.ts >= previous;
            previous = c.ts;
        }
        d.set(INT, db + IN_ORDER_OFFSET, inOrder ? 1 : 0);
        // every closed chunk's moments, and the open one's (after the last checkpoint) where appends go on adding to
        // it (from RUNNING_MOMENTS_FROM on; an earlier open chunk is decoded when it closes). An out-of-order stream
        // is never read by chunks: it gets moments when a compaction lays it in order
        int laid = inOrder ? checkpoints(count, CHECKPOINT_EVERY, CHECKPOINT_EVERY - 1) : 0;
        for (int j = 0; j < laid; j++) {
            if (j + 1 < laid) {
                layChunkMoments(d, db, capacity, count, bits, CHECKPOINT_EVERY, CHECKPOINT_EVERY - 1, j, CHECKPOINT_EVERY);
            } else if (j >= RUNNING_MOMENTS_FROM) {
                layChunkMoments(d, db, capacity, count, bits, CHECKPOINT_EVERY, CHECKPOINT_EVERY - 1, j,
                    count - CHECKPOINT_EVERY - j * CHECKPOINT_EVERY);
            }
        }
    }

    /**
     * Writer only, for a stream laid out afresh: the moments of the chunk after checkpoint {@code j} (its
     * {@code samples}, all in the stream: C, or fewer for the open chunk) into that checkpoint's record; NaN as the
     * min when a sample or a sum is not finite (readers then decode the chunk).
     */
    private void layChunkMoments(MemorySegment seg, long base, int capacity, int count, long bits, int every,
                                 int first, int j, int samples) {
        long cp = base + checkpointOffset(capacity, j);
        StreamCursor c = writerCursor;
        double[] v = chunkValues;
        if (v.length < samples) {
            v = chunkValues = new double[Math.max(every, samples)];
        }
        resumeAt(c, seg, base, count, bits, first + j * every, cp);
        for (int i = 0; i < samples; i++) {
            c.next();
            v[i] = Double.longBitsToDouble(c.valueBits);
        }
        double[] m = chunkMoments;
        double mean = SampleMoments.sum(v, 0, samples, m);
        boolean finite = Double.isFinite(mean) && SampleMoments.spread(v, 0, samples, mean, m);
        seg.set(DOUBLE, cp + CHUNK_SUM_HI_OFFSET, m[SampleMoments.SUM_HI]);
        seg.set(DOUBLE, cp + CHUNK_SUM_LO_OFFSET, m[SampleMoments.SUM_LO]);
        seg.set(DOUBLE, cp + CHUNK_DEV2_OFFSET, finite ? m[SampleMoments.DEV2_HI] + m[SampleMoments.DEV2_LO] : Double.NaN);
        seg.set(DOUBLE, cp + CHUNK_MIN_OFFSET, finite ? m[SampleMoments.MIN] : Double.NaN);
        seg.set(DOUBLE, cp + CHUNK_MAX_OFFSET, m[SampleMoments.MAX]);
    }

    /**
     * Writer only: copies this block (header, stream words, checkpoints) into a block of {@code dstCapacityBytes}
     * data bytes at {@code dst}/{@code dstOffset}: the stream is position independent, the checkpoints move to the
     * new end of the data area.
     */
    public void copyInto(MemorySegment dst, long dstOffset, int dstCapacityBytes) {
        long bits = bitLength();
        int n = checkpointCount();
        int capacity = capacityBytes();
        int dstCapacity = dstCapacityBytes & ~7;
        MemorySegment.copy(segment, offset, dst, dstOffset, HEADER_LENGTH + ((bits + 63) >>> 6) * 8);
        if (n > 0) {
            MemorySegment.copy(segment, offset + checkpointOffset(capacity, n - 1), dst,
                dstOffset + checkpointOffset(dstCapacity, n - 1), (long) n * CHECKPOINT_LENGTH);
        }
        dst.set(INT, dstOffset + CAPACITY_OFFSET, dstCapacity);
    }

}
