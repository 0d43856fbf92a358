package io.weir.engine.ingest;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.sketch.SketchShard;

/**
 * Ring consumer that applies its shard's samples to the shard's sketches. Runs after the journaler, so sketches
 * only ever hold samples that are in the WAL. The only writer of its {@link SketchShard}.
 */
public final class ShardWriter implements EventHandler<IngestBatch> {
    private final int shard;
    private final SketchShard sketches;

    public ShardWriter(int shard, SketchShard sketches) {
        this.shard = shard;
        this.sketches = sketches;
    }

    @Override
    public void onEvent(IngestBatch batch, long sequence, boolean endOfBatch) {
        if (batch.journalFailed()) {
            return;
        }
        IngestControl control = batch.control();
        if (control != null) {
            control.atShard(shard, sketches);
            return;
        }
        int[] ids = batch.seriesIds();
        long[] ts = batch.timestamps();
        double[] values = batch.values();
        for (int i = batch.shardStart(shard), end = batch.shardEnd(shard); i < end; i++) {
            sketches.update(ids[i], ts[i], values[i]);
        }
    }

    public int shard() { return shard; }

    public SketchShard sketches() { return sketches; }
}
