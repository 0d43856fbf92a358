package io.weir.engine.sketch.exact;

import io.weir.engine.sketch.span.Ascending;
import java.util.Arrays;

/**
 * Samples of an exact block decoded for one read, with the block's ranges; owned by one thread and reused
 * across reads (it allocates only when a window holds more samples than any before).
 */
public final class ExactWindow {
    private long[] timestamps = new long[64];
    private double[] values = new double[64];
    private int size;
    long coverageStartMs;
    long retainedStartMs;
    long newestMs;
    /** The decoder of this window's reads. */
    final StreamCursor cursor = new StreamCursor();
    /** Where this window's last read cut its first chunk, for a caller that keeps none per series. */
    final ChunkCut cut = new ChunkCut();
    /**
     * Chunks of the window held as their moments instead of their samples (a read that asked for them:
     * {@link ExactSamplesFlyweight#read(long, long, ExactWindow, boolean)}), {@link ExactSamplesDescriptor#CHUNK_MOMENTS}
     * doubles each, chunk {@code k} {@link #chunkSamples(int)} samples (C for a closed chunk; the open chunk after the
     * stream's last checkpoint, when the window holds it whole, fewer).
     */
    private double[] chunkMoments = new double[ExactSamplesDescriptor.CHUNK_MOMENTS * 16];
    private int[] chunkSamples = new int[16];
    private int chunks;

    void clear() {
        size = 0;
        chunks = 0;
    }

    /** Room for one more chunk's moments: the index of its first double. */
    int addChunk(int samples) {
        int at = chunks * ExactSamplesDescriptor.CHUNK_MOMENTS;
        if (at + ExactSamplesDescriptor.CHUNK_MOMENTS > chunkMoments.length) {
            chunkMoments = Arrays.copyOf(chunkMoments, chunkMoments.length * 2);
            chunkSamples = Arrays.copyOf(chunkSamples, chunkSamples.length * 2);
        }
        chunkSamples[chunks++] = samples;
        return at;
    }

    double[] chunkMomentsArray() { return chunkMoments; }

    /** Chunks of the window given as moments, not samples (0 unless the read asked for them). */
    public int chunks() { return chunks; }

    /** Samples in chunk {@code k}. */
    public int chunkSamples(int k) { return chunkSamples[k]; }

    /** Chunk {@code k}'s compensated sum, high part. */
    public double chunkSumHi(int k) { return chunkMoments[k * ExactSamplesDescriptor.CHUNK_MOMENTS]; }

    /** Chunk {@code k}'s compensated sum, low part. */
    public double chunkSumLo(int k) { return chunkMoments[k * ExactSamplesDescriptor.CHUNK_MOMENTS + 1]; }

    /** The sum of chunk {@code k}'s squared deviations from its mean {@code (hi + lo) / n}. */
    public double chunkDev2(int k) { return chunkMoments[k * ExactSamplesDescriptor.CHUNK_MOMENTS + 2]; }

    public double chunkMin(int k) { return chunkMoments[k * ExactSamplesDescriptor.CHUNK_MOMENTS + 3]; }

    public double chunkMax(int k) { return chunkMoments[k * ExactSamplesDescriptor.CHUNK_MOMENTS + 4]; }

    void add(long ts, double value) {
        if (size == timestamps.length) {
            int n = size * 2;
            timestamps = Arrays.copyOf(timestamps, n);
            values = Arrays.copyOf(values, n);
        }
        timestamps[size] = ts;
        values[size] = value;
        size++;
    }

    /** Samples decoded (those inside the window asked for, but for the {@link #chunks()}), in stream order. */
    public int size() { return size; }

    public long[] timestamps() { return timestamps; }

    public double[] values() { return values; }

    /** Exclusive start of what the block ever received: the first accepted sample's timestamp - 1. */
    public long coverageStartMs() { return coverageStartMs; }

    /** Every accepted sample after this time is held. */
    public long retainedStartMs() { return retainedStartMs; }

    /** The newest sample's timestamp. */
    public long newestMs() { return newestMs; }

    /**
     * Makes this window the samples of {@code all} (a wider decoded window of the same block) that lie in
     * {@code (startExclusiveMs, endInclusiveMs]}, in the same order, with the same block ranges: what decoding the
     * block for that window would give, without decoding it again. A range query decodes a block once for all its
     * steps and slices per step.
     */
    public void sliceOf(ExactWindow all, long startExclusiveMs, long endInclusiveMs) {
        clear();
        coverageStartMs = all.coverageStartMs;
        retainedStartMs = all.retainedStartMs;
        newestMs = all.newestMs;
        long[] ts = all.timestamps;
        double[] vs = all.values;
        int from = 0;
        int to = all.size;
        if (all.sorted()) {
            from = Ascending.firstAfter(ts, 0, all.size, startExclusiveMs);
            to = Ascending.firstAfter(ts, 0, all.size, endInclusiveMs);
        }
        for (int i = from; i < to; i++) {
            long t = ts[i];
            if (t > startExclusiveMs && t <= endInclusiveMs) {
                add(t, vs[i]);
            }
        }
    }

    /** True when the timestamps ascend (no out-of-order samples), so a slice is two binary searches. */
    private boolean sorted() {
        for (int i = 1; i < size; i++) {
            if (timestamps[i] < timestamps[i - 1]) {
                return false;
            }
        }
        return true;
    }

}
