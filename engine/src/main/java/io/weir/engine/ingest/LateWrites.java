package io.weir.engine.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells cached range results whether the time they cover is still sealed. Time older than {@code now - sealAfter}
 * is <em>sealed</em>: samples normally arrive within seconds of their timestamps, so results over sealed time do
 * not change. A shard writer that applies a sample with a sealed timestamp (a backfill, a sender catching up after
 * an outage) bumps the generation once for its batch, after applying it; a cached result made under an older
 * generation is then not used again. Written by the shard writers, read by query threads.
 */
public final class LateWrites {
    private final long sealAfterMillis;
    private final AtomicLong generation = new AtomicLong();

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

    /** Shard writer, after applying a batch that held a sealed timestamp. */
    public void lateBatch() {
        generation.incrementAndGet();
    }

    /** Any thread: read before a result is computed, stored with it, compared when it is reused. */
    public long generation() {
        return generation.get();
    }
}
