package io.weir.engine.ingest;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard writer tells cached range results about samples at sealed timestamps, and only about those. */
class LateWritesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long SEAL_AFTER = 300_000;

    @Test
    void aBatchRecordsTheSeriesOfItsSealedSamples() throws Exception {
        LateWrites late = new LateWrites(SEAL_AFTER, 4096);
        try (SketchShard shard = new SketchShard(1, new SlabArena(1 << 20, 1 << 16, 1), id -> null)) {
            ShardWriter writer = new ShardWriter(0, shard, () -> NOW, late);
            IngestBatch batch = new IngestBatch(8, 1);

            // recent samples (the newest sealed millisecond is NOW - SEAL_AFTER): nothing changes
            batch.fill(new int[] {1, 2}, new long[] {NOW - SEAL_AFTER + 1, NOW}, new double[] {1, 2}, 0, 2, 0, null);
            writer.onEvent(batch, 0, true);
            assertEquals(0, late.generation());

            // samples at sealed timestamps of series 2 and 3 (3 twice in a row: one record)
            batch.fill(new int[] {1, 2, 3, 3}, new long[] {NOW, NOW - SEAL_AFTER, NOW - 3_600_000, NOW - 3_599_000},
                    new double[] {1, 2, 3, 4}, 0, 4, 0, null);
            writer.onEvent(batch, 1, true);
            assertEquals(2, late.generation());
            assertEquals(List.of(2, 3), recorded(late, 0, 2));

            batch.fill(new int[] {1}, new long[] {NOW - SEAL_AFTER + 1}, new double[] {1}, 0, 1, 0, null);
            writer.onEvent(batch, 2, true);
            assertEquals(2, late.generation());

            // the newest sealed millisecond itself: a kept step at that time holds it in its window
            batch.fill(new int[] {5}, new long[] {NOW - SEAL_AFTER}, new double[] {1}, 0, 1, 0, null);
            writer.onEvent(batch, 3, true);
            assertEquals(3, late.generation());
            assertEquals(List.of(5), recorded(late, 2, 3));
            assertFalse(late.anySince(0, 3, id -> id == 1 || id == 4), "series 1 and 4 wrote nothing late");
            assertTrue(late.anySince(0, 3, id -> id == 3));
            assertFalse(late.anySince(1, 3, id -> id == 2), "series 2's record is before generation 1");
        }
    }

    /** The series recorded in generations [from, to), in order. */
    private static List<Integer> recorded(LateWrites late, long from, long to) {
        List<Integer> ids = new ArrayList<>();
        for (long g = from; g < to; g++) {
            long at = g;
            int[] seen = {-1};
            assertTrue(late.anySince(at, at + 1, id -> {
                seen[0] = id;
                return true;
            }));
            ids.add(seen[0]);
        }
        return ids;
    }

    @Test
    void recordsOlderThanTheRingOrNotYetWrittenCountAsLate() {
        LateWrites late = new LateWrites(SEAL_AFTER, 8);
        late.lateSeries(new int[] {1, 2, 3}, 3);
        assertFalse(late.anySince(0, 3, id -> id > 3));
        late.lateSeries(new int[] {4, 5, 6, 7, 8, 9}, 6); // 9 records: the first is overwritten
        assertTrue(late.anySince(0, 9, id -> false), "more records than the ring keeps");
        assertFalse(late.anySince(1, 9, id -> false), "the last eight are there");
        assertTrue(late.anySince(1, 9, id -> id == 2));
        assertTrue(late.anySince(9, 10, id -> false), "a record not written (yet): unknown counts as late");
        // a batch larger than the ring is counted, not written: every result made before it is dropped
        late.lateSeries(new int[] {1}, 20);
        assertEquals(29, late.generation());
        assertTrue(late.anySince(9, 29, id -> false));
        late.lateSeries(new int[] {42}, 1);
        assertFalse(late.anySince(29, 30, id -> id != 42));
        assertThrows(IllegalArgumentException.class, () -> new LateWrites(0, 6));
    }
}
