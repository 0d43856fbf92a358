package io.weir.persistence.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Paces a snapshot's write: at most {@code bytesPerSecond} bytes of sketch state a second go into compression.
 * Compressing and writing a large state takes a core for seconds; on a machine whose cores ingest already keeps
 * busy, spreading that over a longer time keeps ingest near its normal rate while a periodic snapshot is written
 * (the snapshot only has to be on disk well before the next one). The memory for the copy at the cut is reserved
 * at a pace too ({@link #allocationPace}). A snapshot the node waits for at shutdown is not paced: {@link #lift}
 * ends the pacing of the one in progress too.
 */
public final class WriteThrottle {
    private final long bytesPerSecond;
    private volatile boolean lifted;

    /** @param bytesPerSecond &gt; 0; {@link Long#MAX_VALUE} for no pacing */
    public WriteThrottle(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    public static WriteThrottle unlimited() {
        return new WriteThrottle(Long.MAX_VALUE);
    }

    /** Any thread: stops pacing, from now on and for the write in progress. */
    public void lift() {
        lifted = true;
    }

    public long bytesPerSecond() { return bytesPerSecond; }

    /** Wraps one file's stream (before compression); the pace starts now. */
    OutputStream pace(OutputStream out) {
        if (bytesPerSecond == Long.MAX_VALUE) {
            return out;
        }
        return new FilterOutputStream(out) {
            private final long start = System.nanoTime();
            private long written;

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                advance(1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                advance(len);
            }

            private void advance(int n) throws IOException {
                written += n;
                // the time at which the bytes written so far are due; ahead of it, wait
                if (!waitUntil(start + (long) (written * (1e9 / bytesPerSecond)))) {
                    throw new InterruptedIOException("snapshot write interrupted");
                }
            }
        };
    }

    /**
     * A pace for reserving the copy's memory (every shard's), starting now: told the bytes of each piece
     * allocated, it waits until all allocated so far are due at {@link #ALLOCATION_SPEEDUP} times the write rate
     * (zeroing and faulting in a byte costs a fraction of compressing it). An interrupt ends the waiting and stays
     * set. One thread.
     */
    public LongConsumer allocationPace() {
        if (bytesPerSecond == Long.MAX_VALUE) {
            return piece -> { };
        }
        long start = System.nanoTime();
        long[] done = {0};
        return piece -> {
            done[0] += piece;
            waitUntil(start + (long) (done[0] * (1e9 / bytesPerSecond / ALLOCATION_SPEEDUP)));
        };
    }

    /** Reserving the copy goes this many times faster than the write. */
    static final int ALLOCATION_SPEEDUP = 2;

    /** @return false when interrupted (the interrupt stays set) */
    private boolean waitUntil(long due) {
        for (long wait; !lifted && (wait = due - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }
}
