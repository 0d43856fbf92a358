package io.weir.engine.sketch.exact;

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

    void clear() {
        size = 0;
    }

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

    /** Samples decoded (those inside the window asked for), in stream order. */
    public int size() { return size; }

    public long[] timestamps() { return timestamps; }

    public double[] values() { return values; }

    /** Exclusive start of what the block ever received: the first accepted sample's timestamp - 1. */
    public long coverageStartMs() { return coverageStartMs; }

    /** Every accepted sample after this time is held. */
    public long retainedStartMs() { return retainedStartMs; }

    /** The newest sample's timestamp. */
    public long newestMs() { return newestMs; }
}
