package io.weir.engine.snapshot;

import io.weir.engine.sketch.SketchShard;

/**
 * Applies logged samples to the shards that own them, at start-up before the shard writers run (the one thread
 * replaying is then the writer of every shard).
 */
public final class ShardReplay {
    private final SketchShard[] shards;
    private final int mask;
    private long samples;

    public ShardReplay(SketchShard[] shards) {
        this.shards = shards;
        this.mask = shards.length - 1;
    }

    public void apply(int count, int[] ids, long[] timestamps, double[] values) {
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            shards[id & mask].update(id, timestamps[i], values[i]);
        }
        samples += count;
    }

    /** Samples applied so far. */
    public long samples() { return samples; }
}
