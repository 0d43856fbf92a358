package io.weir.engine.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Tells cached range results whether the time they cover is still sealed, series by series. Time older than
 * {@code now - sealAfter} is <em>sealed</em>: samples normally arrive within seconds of their timestamps, so results
 * over sealed time do not change. A shard writer that applied samples with sealed timestamps (a backfill, a sender
 * catching up after an outage) records their series here, after applying the batch; a cached result is then reused
 * only if none of the series recorded since it was made is one its expression selects.
 *
 * <p>The records are a ring of the last {@code capacity} series ids: a result older than the ring (more late series
 * since than it holds) is not reused, so a large backfill drops every cached result, as it should, and a single
 * sender writing old timestamps drops only the results that read its series. Written by the shard writers (any
 * number), read by query threads; lock-free.
 */
public final class LateWrites {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long NONE = Long.MIN_VALUE;

    private final long sealAfterMillis;
    private final int mask;
    /**
     * Record {@code seq} lives in slot {@code seq & mask} as {@code (seq & 0x7fffffff) << 32 | seriesId}: a reader that
     * finds other high bits there knows the record is not written yet, or already overwritten. Unwritten slots hold
     * {@link #NONE}, which no record's stamp equals (its top bit is set).
     */
    private final long[] slots;
    /** Records claimed so far: the generation. A claim is made after the batch it names was applied. */
    private final AtomicLong claimed = new AtomicLong();

    /**
     * @param sealAfterMillis how far behind the clock time is sealed ({@code query.cache_offset})
     * @param capacity        late-series records kept, a power of two ({@code query.cache_late_series})
     */
    public LateWrites(long sealAfterMillis, int capacity) {
        if (sealAfterMillis < 0) {
            throw new IllegalArgumentException("sealAfterMillis < 0: " + sealAfterMillis);
        }
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        this.sealAfterMillis = sealAfterMillis;
        this.mask = capacity - 1;
        this.slots = new long[capacity];
        java.util.Arrays.fill(slots, NONE);
    }

    /** Timestamps at or before this are sealed at wall time {@code nowMs}. */
    public long sealedHorizon(long nowMs) {
        return nowMs - sealAfterMillis;
    }

    /** Late-series records kept: a result older than this many records is not reused. */
    public int capacity() {
        return slots.length;
    }

    /**
     * Shard writer, after applying a batch whose samples at sealed timestamps belong to {@code count} series (repeats
     * allowed), the first {@code min(count, capacity)} of them in {@code seriesIds}. More than {@link #capacity()}
     * are counted, not written: every result made before them is then older than the ring, and none can be made
     * between them (they are claimed at once).
     */
    public void lateSeries(int[] seriesIds, int count) {
        if (count <= 0) {
            return;
        }
        long first = claimed.getAndAdd(count);
        if (count > slots.length) {
            return;
        }
        for (int i = 0; i < count; i++) {
            long seq = first + i;
            SLOTS.setRelease(slots, (int) (seq & mask), stamp(seq, seriesIds[i]));
        }
    }

    /** Any thread: read before a result is computed, stored with it, handed to {@link #anySince} when it is reused. */
    public long generation() {
        return claimed.get();
    }

    /**
     * Any thread: whether a series recorded in generations {@code [from, to)} may be one {@code selects} accepts.
     * True when a record there is gone (the ring moved past it) or not written yet: unknown counts as late.
     */
    public boolean anySince(long from, long to, IntPredicate selects) {
        if (to - from > slots.length) {
            return true; // the stamps would say so too; this spares the scan
        }
        for (long seq = from; seq < to; seq++) {
            long v = (long) SLOTS.getAcquire(slots, (int) (seq & mask));
            if ((v >>> 32) != (seq & 0x7fff_ffffL) || selects.test((int) v)) {
                return true;
            }
        }
        return false;
    }

    private static long stamp(long seq, int seriesId) {
        return (seq & 0x7fff_ffffL) << 32 | (seriesId & 0xffff_ffffL);
    }
}
