package io.weir.engine.ingest;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shard writer tells cached range results about samples at sealed timestamps, and only about those. */
class LateWritesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long SEAL_AFTER = 300_000;

    @Test
    void aBatchWithASealedTimestampMovesTheGenerationOnce() throws Exception {
        LateWrites late = new LateWrites(SEAL_AFTER);
        try (SketchShard shard = new SketchShard(1, new SlabArena(1 << 20, 1 << 16, 1), id -> null)) {
            ShardWriter writer = new ShardWriter(0, shard, () -> NOW, late);
            IngestBatch batch = new IngestBatch(8, 1);

            // recent samples (the newest sealed millisecond is NOW - SEAL_AFTER): nothing changes
            batch.fill(new int[] {1, 2}, new long[] {NOW - SEAL_AFTER + 1, NOW}, new double[] {1, 2}, 0, 2, 0, null);
            writer.onEvent(batch, 0, true);
            assertEquals(0, late.generation());

            // two samples at sealed timestamps in one batch: one bump, after the batch is applied
            batch.fill(new int[] {1, 2, 3}, new long[] {NOW, NOW - SEAL_AFTER, NOW - 3_600_000}, new double[] {1, 2, 3}, 0, 3, 0, null);
            writer.onEvent(batch, 1, true);
            assertEquals(1, late.generation());

            batch.fill(new int[] {1}, new long[] {NOW - SEAL_AFTER + 1}, new double[] {1}, 0, 1, 0, null);
            writer.onEvent(batch, 2, true);
            assertEquals(1, late.generation());

            // the newest sealed millisecond itself: a kept step at that time holds it in its window
            batch.fill(new int[] {2}, new long[] {NOW - SEAL_AFTER}, new double[] {1}, 0, 1, 0, null);
            writer.onEvent(batch, 3, true);
            assertEquals(2, late.generation());
        }
    }
}
