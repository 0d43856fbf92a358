package io.weir.engine.ingest;

/**
 * One ring slot: up to {@link #capacity()} samples of one request, grouped by shard, plus what the last shard
 * writer needs to answer the sender and, in the slot that takes the ticket, the request's {@link IngestExtras} bytes.
 * Slots are pre-allocated by the ring and reused; nothing here is allocated per
 * sample. Written by one producer between claim and publish, then read by the journaler and the shard writers.
 */
public final class IngestBatch {
    private final int[] seriesIds;
    private final long[] timestamps;
    private final double[] values;
    /** shardEnd[s] = index after the last sample of shard s; shard s owns [shardEnd[s-1], shardEnd[s]). */
    private final int[] shardEnd;
    private int count;
    /** Grows to the largest extras seen; only {@code [0, extrasLength)} is this request's. */
    private static final byte[] NO_EXTRAS = new byte[0];

    private byte[] extras = NO_EXTRAS;
    private int extrasLength;
    private IngestTicket ticket;
    private boolean journalFailed;
    private String failureReason;
    /** Shard writers still to finish this slot; the last one answers the ticket (see {@link #shardDone()}). */
    private final java.util.concurrent.atomic.AtomicInteger shardsPending = new java.util.concurrent.atomic.AtomicInteger();
    private IngestControl control;
    /** History read from the backend: journaled as BACKFILL_SAMPLES so the forwarder does not send it back. */
    private boolean backfill;

    IngestBatch(int capacity, int shardCount) {
        this.seriesIds = new int[capacity];
        this.timestamps = new long[capacity];
        this.values = new double[capacity];
        this.shardEnd = new int[shardCount];
    }

    public int capacity() { return seriesIds.length; }

    public int count() { return count; }

    public int[] seriesIds() { return seriesIds; }

    public long[] timestamps() { return timestamps; }

    public double[] values() { return values; }

    public int shardStart(int shard) { return shard == 0 ? 0 : shardEnd[shard - 1]; }

    public int shardEnd(int shard) { return shardEnd[shard]; }

    /** The request's histograms, exemplars and metadata as encoded by its {@link IngestExtras}; empty in most slots. */
    public byte[] extras() { return extras; }

    public int extrasLength() { return extrasLength; }

    /** The request to complete once this slot is durable, or null when another slot of the request completes it. */
    public IngestTicket ticket() { return ticket; }

    /** Set by the journaler when the WAL write failed: shard writers then skip the batch, the sender retries. */
    public boolean journalFailed() { return journalFailed; }

    public void journalFailed(boolean failed) { this.journalFailed = failed; }

    /** Set by the journaler when the WAL write failed, with why; the sender's answer carries the reason. */
    public void journalFailed(String reason) {
        this.journalFailed = true;
        this.failureReason = reason;
    }

    /** Why the journal failed, or a generic reason. */
    public String failureReason() { return failureReason != null ? failureReason : "WAL append failed"; }

    /**
     * Called by each shard writer once it has applied (or skipped) this slot. @return true for the last one, which
     * then answers the ticket: every shard has applied this slot and, in ring order, every slot before it
     */
    boolean shardDone() {
        return shardsPending.decrementAndGet() == 0;
    }

    /** True when this slot holds backfilled history ({@code POST /api/v1/admin/backfill}), not new samples. */
    public boolean backfill() { return backfill; }

    /** The control event this slot carries instead of samples (count 0), or null for a sample batch. */
    public IngestControl control() { return control; }

    /** Turns this slot into a control event: no samples, no ticket. */
    void fillControl(IngestControl event) {
        java.util.Arrays.fill(shardEnd, 0);
        this.count = 0;
        this.ticket = null;
        this.journalFailed = false;
        this.extrasLength = 0;
        this.failureReason = null;
        this.control = event;
        this.backfill = false;
    }

    /**
     * Copies samples [from, from + n) of the producer's arrays into this slot, grouped by shard with a counting
     * sort. Relative order within a shard is kept, so the samples of one series stay in request order.
     */
    void fill(int[] ids, long[] ts, double[] vals, int from, int n, int shardMask, IngestTicket ticket) {
        int shards = shardEnd.length;
        int[] end = shardEnd;
        java.util.Arrays.fill(end, 0);
        if (shards == 1) {
            System.arraycopy(ids, from, seriesIds, 0, n);
            System.arraycopy(ts, from, timestamps, 0, n);
            System.arraycopy(vals, from, values, 0, n);
            end[0] = n;
        } else {
            for (int i = from, last = from + n; i < last; i++) {
                end[ids[i] & shardMask]++;
            }
            // turn counts into start offsets, place, then the starts have advanced to the ends
            int sum = 0;
            for (int s = 0; s < shards; s++) {
                int c = end[s];
                end[s] = sum;
                sum += c;
            }
            for (int i = from, last = from + n; i < last; i++) {
                int id = ids[i];
                int at = end[id & shardMask]++;
                seriesIds[at] = id;
                timestamps[at] = ts[i];
                values[at] = vals[i];
            }
        }
        this.count = n;
        this.ticket = ticket;
        this.journalFailed = false;
        this.extrasLength = 0;
        this.failureReason = null;
        this.shardsPending.set(shards);
        this.control = null;
        this.backfill = false;
    }

    /** Marks the slot as backfilled history; called after {@link #fill}, before the slot is published. */
    void markBackfill() {
        this.backfill = true;
    }

    /**
     * Called by the journaler once the extras are in the WAL: a slot keeps an extras array of up to {@code keepBytes}
     * for reuse and drops a larger one, so that a few large requests do not leave every slot of the ring holding
     * their size for good.
     */
    public void releaseExtras(int keepBytes) {
        if (extras.length > keepBytes) {
            extras = NO_EXTRAS;
        }
    }

    /** Copies the request's extras into this slot (the one that takes the ticket); called after {@link #fill}. */
    void fillExtras(IngestExtras source, int length) {
        if (extras.length < length) {
            extras = new byte[Math.max(length, extras.length * 2)];
        }
        // no check that throws here: the slot is claimed, and a producer that threw before publishing would stall the ring
        source.writeExtras(extras, 0);
        extrasLength = length;
    }
}
