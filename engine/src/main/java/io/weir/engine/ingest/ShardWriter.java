package io.weir.engine.ingest;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.sketch.SketchShard;

import java.util.function.LongSupplier;

/**
 * Ring consumer that applies its shard's samples to the shard's sketches. Runs after the journaler, so sketches
 * only ever hold samples that are in the WAL. The only writer of its {@link SketchShard}, so it also does the
 * shard's periodic work: at most once a second (at the end of a ring batch, or on the ring's wait timeout when
 * no batch comes) it evicts idle series and reclaims retired memory. Idle is judged by a clock given to it (the
 * wall clock in a node; tests and the churn run drive it with data time). A batch that brings samples older than
 * the sealed horizon tells {@link LateWrites}, so cached range results over that time are not reused.
 */
public final class ShardWriter implements EventHandler<IngestBatch> {
    /** Series looked at per periodic pass: a bounded pause (~0.1 ms) however many series the shard holds. */
    static final int EVICT_SCAN_PER_PASS = 1 << 16;
    static final long PERIODIC_MS = 1_000;

    private final int shard;
    private final SketchShard sketches;
    private final LongSupplier clockMs;
    private final LateWrites lateWrites;
    private long lastPeriodicMs;
    /** The series of this batch's samples at sealed timestamps (consecutive repeats folded), told after applying. */
    private int[] lateIds = new int[64];

    public ShardWriter(int shard, SketchShard sketches, LongSupplier clockMs, LateWrites lateWrites) {
        this.shard = shard;
        this.sketches = sketches;
        this.clockMs = clockMs;
        this.lateWrites = lateWrites;
    }

    @Override
    public void onEvent(IngestBatch batch, long sequence, boolean endOfBatch) {
        if (!batch.journalFailed()) {
            IngestControl control = batch.control();
            if (control != null) {
                // a snapshot cut: every shard writer sees it at the same ring sequence
                control.atShard(shard, sketches);
            } else {
                long nowMs = clockMs.getAsLong();
                sketches.clock(nowMs);
                long sealed = lateWrites.sealedHorizon(nowMs);
                int late = 0;
                int[] ids = batch.seriesIds();
                long[] ts = batch.timestamps();
                double[] values = batch.values();
                int start = batch.shardStart(shard);
                int end = batch.shardEnd(shard);
                for (int i = start; i < end; i++) {
                    if (ts[i] <= sealed) {
                        late = addLate(late, ids[i]);
                    }
                }
                sketches.update(ids, ts, values, start, end);
                // after the batch is applied: a query that sees the record reads the new samples
                lateWrites.lateSeries(lateIds, late);
            }
        }
        if (endOfBatch) {
            periodic(clockMs.getAsLong());
        }
    }

    private int addLate(int count, int seriesId) {
        if (count > 0 && lateIds[count - 1] == seriesId) {
            return count;
        }
        if (count == lateIds.length) {
            lateIds = java.util.Arrays.copyOf(lateIds, count * 2); // at most a batch's worth, once
        }
        lateIds[count] = seriesId;
        return count + 1;
    }

    @Override
    public void onTimeout(long sequence) {
        periodic(clockMs.getAsLong());
    }

    /** Writer thread: evicts idle series and reclaims, at most once per {@link #PERIODIC_MS}. @return series evicted */
    int periodic(long nowMs) {
        if (nowMs - lastPeriodicMs < PERIODIC_MS) {
            return 0;
        }
        lastPeriodicMs = nowMs;
        sketches.clock(nowMs);
        return sketches.evictIdle(EVICT_SCAN_PER_PASS);
    }

    public int shard() { return shard; }

    public SketchShard sketches() { return sketches; }
}
