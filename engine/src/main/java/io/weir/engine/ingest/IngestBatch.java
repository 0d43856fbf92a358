package io.weir.engine.ingest;

/**
 * One ring slot: up to {@link #capacity()} samples of one request, grouped by shard, plus what the journaler
 * needs to answer the sender. Slots are pre-allocated by the ring and reused; nothing here is allocated per
 * sample. Written by one producer between claim and publish, then read by the journaler and the shard writers.
 */
public final class IngestBatch {
    private final int[] seriesIds;
    private final long[] timestamps;
    private final double[] values;
    /** shardEnd[s] = index after the last sample of shard s; shard s owns [shardEnd[s-1], shardEnd[s]). */
    private final int[] shardEnd;
    private int count;
    private IngestTicket ticket;
    private boolean journalFailed;
    private IngestControl control;

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

    /** The request to complete once this slot is durable, or null when another slot of the request completes it. */
    public IngestTicket ticket() { return ticket; }

    /** Set by the journaler when the WAL write failed: shard writers then skip the batch, the sender retries. */
    public boolean journalFailed() { return journalFailed; }

    public void journalFailed(boolean failed) { this.journalFailed = failed; }

    /** The control event this slot carries instead of samples (count 0), or null for a sample batch. */
    public IngestControl control() { return control; }

    /** Turns this slot into a control event: no samples, no ticket. */
    void fillControl(IngestControl event) {
        java.util.Arrays.fill(shardEnd, 0);
        this.count = 0;
        this.ticket = null;
        this.journalFailed = false;
        this.control = event;
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
        this.control = null;
    }
}
