package io.weir.engine.snapshot;

import io.weir.engine.sketch.SketchShard;

import java.io.IOException;
import java.io.InputStream;

/**
 * How a shard's sketch state is copied out for a snapshot and put back at start-up. The copy is taken on the
 * shard's writer thread at a ring cut and must be cheap (a memcpy-like pass); encoding it happens later, on the
 * snapshot thread, through {@link CapturedShardState#writeTo}.
 */
public interface ShardStateSnapshot {
    /**
     * Snapshot thread, before the cut: memory for the copy, sized from the shard's use now (with room for growth
     * until the cut), so the writer thread only copies.
     */
    default ShardCopyBuffer reserve(SketchShard shard) {
        return reserve(shard, done -> { });
    }

    /** Like {@link #reserve(SketchShard)}, telling {@code afterPiece} the bytes of each piece allocated (it may wait, to pace). */
    ShardCopyBuffer reserve(SketchShard shard, java.util.function.LongConsumer afterPiece);

    /**
     * Writer thread of {@code shard}: copies its state into {@code buffer} (which the result owns from now on; when
     * it is null or too small, the copy allocates its own). The caller closes the result when written.
     */
    CapturedShardState capture(SketchShard shard, ShardCopyBuffer buffer);

    /**
     * Before the shard writers start: reads one shard's stream (as written by {@link CapturedShardState#writeTo})
     * into {@code shards}, each series going to the shard that owns it here (the snapshot may come from a node with
     * another shard count).
     *
     * @return series-family states restored
     * @throws IOException for a malformed stream, or state that the memory limit refuses
     */
    default long restore(SketchShard[] shards, InputStream in) throws IOException {
        return restore(shards, in, () -> { });
    }

    /**
     * Like {@link #restore(SketchShard[], InputStream)}; {@code targetsNeeded} runs (once, on this thread) before
     * the first state whose restore asks the shards' targets about its series, so a start-up can restore the states
     * that need no targets while the series table is still being opened and matched.
     */
    long restore(SketchShard[] shards, InputStream in, Runnable targetsNeeded) throws IOException;
}
