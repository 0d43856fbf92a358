package io.weir.engine.ingest;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shard writer tells cached range results about samples at sealed timestamps, and only about those. */
class LateWritesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long SEAL_AFTER = 300_000;

    @Test
    void aBatchRecordsTheSeriesOfItsSealedSamples() throws Exception {
        LateWrites late = new LateWrites(SEAL_AFTER);
        try (SketchShard shard = new SketchShard(1, new SlabArena(1 << 20, 1 << 16, 1), id -> null)) {
            ShardWriter writer = new ShardWriter(0, shard, () -> NOW, late);
            IngestBatch batch = new IngestBatch(8, 1);

            // recent samples (the newest sealed millisecond is NOW - SEAL_AFTER): nothing changes
            batch.fill(new int[] {1, 2}, new long[] {NOW - SEAL_AFTER + 1, NOW}, new double[] {1, 2}, 0, 2, 0, null);
            writer.onEvent(batch, 0, true);
            assertEquals(0, late.generation());

            // samples at sealed timestamps of series 2 and 3: one generation, after the batch is applied
            batch.fill(new int[] {1, 2, 3, 3}, new long[] {NOW, NOW - SEAL_AFTER, NOW - 3_600_000, NOW - 3_599_000},
                    new double[] {1, 2, 3, 4}, 0, 4, 0, null);
            writer.onEvent(batch, 1, true);
            assertEquals(1, late.generation());
            assertEquals(List.of(0L, 1L, 1L, 0L), marks(late, 1, 2, 3, 4));

            batch.fill(new int[] {1}, new long[] {NOW - SEAL_AFTER + 1}, new double[] {1}, 0, 1, 0, null);
            writer.onEvent(batch, 2, true);
            assertEquals(1, late.generation());

            // the newest sealed millisecond itself: a kept step at that time holds it in its window
            batch.fill(new int[] {5, 3}, new long[] {NOW - SEAL_AFTER, NOW - 7_200_000}, new double[] {1, 2}, 0, 2, 0, null);
            writer.onEvent(batch, 3, true);
            assertEquals(2, late.generation());
            assertEquals(List.of(0L, 1L, 2L, 0L, 2L), marks(late, 1, 2, 3, 4, 5));
        }
    }

    private static List<Long> marks(LateWrites late, int... ids) {
        List<Long> out = new ArrayList<>();
        for (int id : ids) {
            out.add(late.lateMark(id));
        }
        return out;
    }

    @Test
    void marksLiveInPagesMadeOnAPagesFirstLateSeries() {
        LateWrites late = new LateWrites(SEAL_AFTER);
        assertEquals(0, late.lateMark(0));
        assertEquals(0, late.lateMark(Integer.MAX_VALUE), "no page: no mark");
        assertEquals(0, late.lateMark(-1));
        int far = 5 * LateWrites.PAGE + 7;
        late.lateSeries(new int[] {far, 3}, 2);
        late.lateSeries(new int[] {LateWrites.PAGE}, 1);
        assertEquals(List.of(1L, 1L, 2L, 0L, 0L), marks(late, far, 3, LateWrites.PAGE, far + 1, 2 * LateWrites.PAGE));
        assertEquals(2, late.generation());
    }
}
