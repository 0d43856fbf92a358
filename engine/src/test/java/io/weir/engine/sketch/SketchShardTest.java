package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class SketchShardTest {
    private static final AggregateSketchSpec ONE_MINUTE = AggregateSketchSpec.forWindow(60_000, 60); // 1s x 61

    @Test
    void sketchesOnlyTargetedSeriesAndCountsRefusals() {
        // each block is 64 + 61 * 72 = 4456 bytes -> 5120-byte class; one per 8 KiB chunk (the tail is carved), room for 3
        SlabArena arena = new SlabArena(3 * 8192, 8192, 4);
        try (SketchShard shard = new SketchShard(4, arena, id -> (id / 4) % 2 == 0 ? ONE_MINUTE : null)) {
            for (int id = 0; id < 16; id++) {      // this shard's series (id mod 4 == 2); local ids 0..15, even ones targeted
                shard.update(id * 4 + 2, 10_000, id);
                shard.update(id * 4 + 2, 11_000, id);
            }
            assertEquals(3, shard.sketchedSeries());
            assertEquals(5, shard.refusedSeries(), "8 even targets, 3 fit; each refusal counted once");
            assertEquals(6, shard.samplesApplied());
            assertEquals(3 * 5120, shard.bytesInUse());
            AggregateResult out = new AggregateResult();
            assertTrue(shard.readAggregate(2, 0, 60_000, out));
            assertEquals(2.0, out.count());
            assertFalse(shard.readAggregate(6, 0, 60_000, out), "not targeted");
            assertFalse(shard.readAggregate(2 + 4 * 8, 0, 60_000, out), "refused");
            shard.update(2, 12_000, Double.longBitsToDouble(StaleMarker.BITS));
            shard.update(2, 12_000 - 70_000, 1);
            assertEquals(1, shard.skippedStale(), "a stale marker is no sample");
            assertEquals(1, shard.skippedTooOld());
            shard.update(2, 12_500, Double.NaN);
            assertTrue(shard.readAggregate(2, 0, 60_000, out));
            assertEquals(3.0, out.count(), "any other NaN is a sample, as in Prometheus");
            assertTrue(Double.isNaN(out.sum()));
            assertEquals(0.0, out.min());
            assertEquals(0.0, out.max());
            // dropping frees room (after the epoch moves on) and lets the series be asked again
            assertTrue(shard.dropSeries(2));
            assertFalse(shard.readAggregate(2, 0, 60_000, out));
            assertEquals(2, shard.sketchedSeries());
            shard.update(2 + 4 * 10, 13_000, 1.0);
            assertEquals(2, shard.sketchedSeries(), "still refused: the series keeps its refusal until dropped");
            shard.dropSeries(2 + 4 * 10);
            shard.update(2 + 4 * 10, 13_000, 1.0);
            assertEquals(3, shard.sketchedSeries());
            assertTrue(shard.readAggregate(2 + 4 * 10, 0, 60_000, out));
            assertEquals(1.0, out.sum());
        }
        assertEquals(0, arena.bytesInUse());
        assertEquals(0, arena.bytesReserved());
    }

    @Test
    void updateAndReadDoNotAllocateAfterWarmUp() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int series = 1000;
        try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 8), id -> ONE_MINUTE)) {
            AggregateResult out = new AggregateResult();
            long[] clock = {1_700_000_000_000L};
            Runnable updates = () -> {
                for (int i = 0; i < 1_000_000; i++) {
                    int id = i % series;
                    if (id == 0) {
                        clock[0] += 1000;
                    }
                    shard.update(id, clock[0] - (i & 7) * 300, (i & 1023) * 0.5);
                }
            };
            Runnable reads = () -> {
                long end = (clock[0] / 1000) * 1000;
                for (int i = 0; i < 200_000; i++) {
                    shard.readAggregate(i % series, end - 60_000 + (i & 3) * 250, end, out);
                }
            };
            updates.run();
            reads.run();
            updates.run();
            reads.run();
            long before = mx.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            updates.run();
            long t1 = System.nanoTime();
            long mid = mx.getCurrentThreadAllocatedBytes();
            reads.run();
            long t2 = System.nanoTime();
            long after = mx.getCurrentThreadAllocatedBytes();
            System.out.printf("allocation: %d bytes over 1M updates, %d bytes over 200k reads (61-bucket windows)%n",
                mid - before, after - mid);
            System.out.printf("rough rates (informational, 2 shared cores): %.1f M updates/s, %.2f M reads/s%n",
                1e6 / ((t1 - t0) / 1e9) / 1e6, 2e5 / ((t2 - t1) / 1e9) / 1e6);
            assertTrue(mid - before < 64 * 1024, "update path allocated " + (mid - before));
            assertTrue(after - mid < 64 * 1024, "read path allocated " + (after - mid));
            assertEquals(series, shard.sketchedSeries());
        }
    }
}
