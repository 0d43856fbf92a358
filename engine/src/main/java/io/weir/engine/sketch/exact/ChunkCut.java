package io.weir.engine.sketch.exact;

import io.weir.engine.series.HeapSizes;

import java.lang.foreign.MemorySegment;

/**
 * Where the last read of one series cut the chunk that held its window's start: the stream cursor on the first
 * sample after that start, and the compensated sum of the chunk's samples before it. A later read whose window starts
 * at or after that point in the same chunk carries on from there instead of decoding the chunk from its checkpoint
 * (on average half a chunk a series, most of an instant aggregate read): a dashboard or a rule engine asks the same
 * window again a few seconds later, and its start has moved by a sample or two.
 *
 * <p>Owned by one reader at a time ({@code ChunkCuts} hands it out and takes it back). It is valid only for the block,
 * series, checkpoint and checkpoint state it was taken at: a closed chunk of an in-order stream never changes while
 * its block is published, and a block rebuilt or compacted lays its checkpoints at other positions, so a stale cut
 * fails the check and the read decodes from the checkpoint as without it.
 */
public final class ChunkCut {
    // what it was taken at
    private long blockAddress;
    private int seriesId;
    private int checkpoint = -1;
    private long checkpointWord;
    private long checkpointTs;
    /** Every sample consumed is at or before it; the cursor's sample is after it. */
    private long startExclusiveMs;
    // the cursor on the first sample after the start
    private int index;
    private long pos;
    private long ts;
    private long delta;
    private long valueBits;
    private int lead;
    private int trail;
    private int scale;
    // the samples of the chunk before it: Neumaier's compensated sum, as the writer keeps the chunk's
    double sumHi;
    double sumLo;
    int before;
    /** Their extremes; NaN when one of them is not finite. */
    double min;
    double max;
    /** The cut of the window's end, kept the same way (null until a read uses one). */
    private ChunkCut end;
    /** Set when a reader takes it, cleared by each pass of a sweep of kept read state ({@code ChunkCuts}). */
    private boolean readSinceSweep;

    /** One cut's heap: 8 longs, 4 doubles, 7 ints, a reference and a flag beside the header. */
    private static final long BYTES = HeapSizes.object(8 * 8 + 4 * 8 + 7 * 4 + 4 + 1);

    /** This cut's heap, and its end cut's. */
    public long heapBytes() {
        return end == null ? BYTES : 2 * BYTES;
    }

    /** A reader took it. */
    public void markRead() {
        readSinceSweep = true;
    }

    /** @return whether a reader took it since the last call, which clears the mark */
    public boolean takeReadMark() {
        boolean read = readSinceSweep;
        readSinceSweep = false;
        return read;
    }

    /**
     * Whether this cut was taken in the same chunk of the same block (of {@code sampleCount} samples and
     * {@code bitLength} bits now) at or before {@code startExclusiveMs}.
     */
    boolean continues(long blockAddress, int seriesId, int checkpoint, long checkpointWord, long checkpointTs,
                      long startExclusiveMs, int sampleCount, long bitLength) {
        return this.checkpoint == checkpoint && this.blockAddress == blockAddress && this.seriesId == seriesId
            && this.checkpointWord == checkpointWord && this.checkpointTs == checkpointTs
            && this.startExclusiveMs <= startExclusiveMs && index < sampleCount && pos <= bitLength;
    }

    /** Puts {@code c} on the block's stream where this cut left its cursor. @return false when the stream is empty */
    boolean resume(StreamCursor c, MemorySegment segment, long base, int sampleCount, long bitLength) {
        return c.resume(segment, base, sampleCount, bitLength, index, pos, ts, delta, valueBits, lead, trail, scale);
    }

    /** Remembers {@code c}'s position (on the first sample after {@code startExclusiveMs}) and the sum before it. */
    void take(long blockAddress, int seriesId, int checkpoint, long checkpointWord, long checkpointTs,
              long startExclusiveMs, StreamCursor c) {
        this.blockAddress = blockAddress;
        this.seriesId = seriesId;
        this.checkpoint = checkpoint;
        this.checkpointWord = checkpointWord;
        this.checkpointTs = checkpointTs;
        this.startExclusiveMs = startExclusiveMs;
        this.index = c.index;
        this.pos = c.pos;
        this.ts = c.ts;
        this.delta = c.delta;
        this.valueBits = c.valueBits;
        this.lead = c.lead;
        this.trail = c.trail;
        this.scale = c.scale;
    }

    /**
     * The cut of the window's end in the chunk that holds it, for a read whose window ends before the newest sample
     * (a rule evaluated at an aligned time): the samples from that chunk's checkpoint up to the end, as their count,
     * sum and extremes.
     */
    ChunkCut end() {
        if (end == null) {
            end = new ChunkCut();
        }
        return end;
    }

    /** The checkpoint index it was taken at, -1 when none. */
    int checkpoint() { return checkpoint; }

    long startExclusiveMs() { return startExclusiveMs; }

    /** Forgets the cut: the next read decodes its chunk afresh. */
    void forget() {
        checkpoint = -1;
    }
}
