package io.weir.engine.ingest;

/**
 * Puts one request's samples on the ring: claims all the slots it needs at once, fills them, publishes. Owned by
 * one producer thread (an event loop). A request either goes on the ring whole or not at all, so a sender that
 * is told "ring full" can retry the same request without duplicating part of it.
 */
public final class IngestPublisher {
    private final IngestRing ring;
    private final int shardMask;

    IngestPublisher(IngestRing ring) {
        this.ring = ring;
        this.shardMask = ring.shardCount() - 1;
    }

    /**
     * @param ids    series id of each sample
     * @param ticket completed by the journaler once every slot of this request is durable
     * @return false when the ring has no room (answer 429); true when published
     */
    public boolean publish(int[] ids, long[] ts, double[] values, int count, IngestTicket ticket) {
        return publish(ids, ts, values, count, null, ticket);
    }

    /**
     * As {@link #publish(int[], long[], double[], int, IngestTicket)}, with the request's extras (or null) copied into
     * the last slot, which also takes the ticket; a request of extras alone ({@code count == 0}) takes one slot.
     */
    public boolean publish(int[] ids, long[] ts, double[] values, int count, IngestExtras extras, IngestTicket ticket) {
        return publish(ids, ts, values, count, extras, ticket, false);
    }

    /**
     * As {@link #publish(int[], long[], double[], int, IngestExtras, IngestTicket)}; with {@code backfill} every slot
     * is marked as history read from the backend ({@link IngestBatch#backfill()}), which the journaler keeps apart.
     */
    public boolean publish(int[] ids, long[] ts, double[] values, int count, IngestExtras extras, IngestTicket ticket,
                           boolean backfill) {
        int extrasLength = extras == null ? 0 : extras.extrasLength();
        int capacity = ring.batchCapacity();
        int slots = Math.max(1, (count + capacity - 1) / capacity);
        if (slots > ring.capacity()) {
            return false;
        }
        long hi = ring.tryClaim(slots);
        if (hi < 0) {
            return false;
        }
        long lo = hi - slots + 1;
        int from = 0;
        for (long seq = lo; seq <= hi; seq++) {
            int n = Math.min(capacity, count - from);
            IngestBatch slot = ring.slot(seq);
            slot.fill(ids, ts, values, from, n, shardMask, seq == hi ? ticket : null);
            if (backfill) {
                slot.markBackfill();
            }
            if (seq == hi && extrasLength > 0) {
                slot.fillExtras(extras, extrasLength);
            }
            from += n;
        }
        ring.publish(lo, hi);
        return true;
    }
}
