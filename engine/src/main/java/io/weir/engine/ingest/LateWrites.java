package io.weir.engine.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells cached range results whether the time they cover is still sealed, series by series. Time older than
 * {@code now - sealAfter} is <em>sealed</em>: samples normally arrive within seconds of their timestamps, so results
 * over sealed time do not change. A shard writer that applied samples with sealed timestamps (a backfill, a sender
 * catching up after an outage) takes a new generation for its batch and marks each of their series with it, after
 * applying the batch; a cached result made under an older generation is then reused only if none of the series its
 * expression selects now carries a newer mark.
 *
 * <p>The marks are one long per series id, in pages of {@value #PAGE} ids allocated on a series' first late sample,
 * so a node that never sees one spends nothing. Written by the shard writers (a series by its own shard's writer),
 * read by query threads; lock-free but for page allocation.
 */
public final class LateWrites {
    static final int PAGE_SHIFT = 12;
    static final int PAGE = 1 << PAGE_SHIFT;
    private static final VarHandle MARKS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long sealAfterMillis;
    private final AtomicLong generation = new AtomicLong();
    /** Page {@code p} holds the marks of ids {@code [p * PAGE, (p + 1) * PAGE)}, or is null when none has one. */
    private volatile long[][] pages = new long[0][];

    /** @param sealAfterMillis how far behind the clock time is sealed ({@code query.cache_offset}) */
    public LateWrites(long sealAfterMillis) {
        if (sealAfterMillis < 0) {
            throw new IllegalArgumentException("sealAfterMillis < 0: " + sealAfterMillis);
        }
        this.sealAfterMillis = sealAfterMillis;
    }

    /** Timestamps at or before this are sealed at wall time {@code nowMs}. */
    public long sealedHorizon(long nowMs) {
        return nowMs - sealAfterMillis;
    }

    /**
     * Shard writer, after applying a batch whose samples at sealed timestamps belong to {@code seriesIds[0, count)}
     * (repeats allowed). The generation is taken after the batch was applied, and every mark is written before the
     * writer moves on, so a query that waits for this writer sees both the samples and the marks.
     */
    public void lateSeries(int[] seriesIds, int count) {
        if (count <= 0) {
            return;
        }
        long g = generation.incrementAndGet();
        for (int i = 0; i < count; i++) {
            int id = seriesIds[i];
            MARKS.setRelease(page(id >>> PAGE_SHIFT), id & (PAGE - 1), g);
        }
    }

    /** Any thread: read before a result is computed, stored with it, compared with the marks when it is reused. */
    public long generation() {
        return generation.get();
    }

    /** Any thread: the generation of the series' last late batch, 0 if it never had one. */
    public long lateMark(int seriesId) {
        long[][] p = pages;
        int i = seriesId >>> PAGE_SHIFT;
        if (seriesId < 0 || i >= p.length || p[i] == null) {
            return 0;
        }
        return (long) MARKS.getAcquire(p[i], seriesId & (PAGE - 1));
    }

    /** The page of marks {@code i}, allocated (under the lock, by whichever writer needs it first) when missing. */
    private long[] page(int i) {
        long[][] p = pages;
        if (i < p.length && p[i] != null) {
            return p[i];
        }
        synchronized (this) {
            p = pages;
            if (i >= p.length) {
                p = Arrays.copyOf(p, Math.max(i + 1, p.length * 2));
            } else if (p[i] != null) {
                return p[i];
            } else {
                p = p.clone(); // readers hold the old array: publish a new one with the page in it
            }
            p[i] = new long[PAGE];
            pages = p;
            return p[i];
        }
    }
}
