package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers on other threads while the writer appends, rebuilds, promotes, evicts and reuses blocks: every answer
 * they get is one the series could have had (all its values are 1.0), never a torn or reused block's.
 */
class ExactTierConcurrencyTest {
    @Test
    void readersSeeOnlyConsistentAnswersThroughRebuildsPromotionsAndEvictions() throws Exception {
        long window = 60_000;
        SlabArena arena = new SlabArena(256L << 20, 1 << 20, 8);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        int series = 16;
        try (SketchShard shard = new SketchShard(1, arena, ExactTierTest.allFamilies(window), 256)) {
            Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++) {
                readers[r] = new Thread(() -> {
                    AggregateResult a = new AggregateResult();
                    QuantileResult q = new QuantileResult();
                    FrequencyResult f = new FrequencyResult();
                    int id = 0;
                    while (!stop.get()) {
                        id = (id + 1) % series;
                        if (shard.readAggregate(id, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, a) && a.count() > 0
                                && !(a.min() == 1.0 && a.max() == 1.0 && a.mean() == 1.0 && a.variance() == 0)) {
                            failures.add("aggregate " + a);
                        }
                        if (shard.readQuantile(id, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, q) && !q.isEmpty()
                                && Math.abs(q.quantile(0.5) - 1.0) > 0.02) {
                            failures.add("quantile " + q.quantile(0.5));
                        }
                        if (shard.readFrequency(id, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, f) && f.l1() > 0 && f.distinct() != 1) {
                            failures.add("distinct " + f.distinct());
                        }
                        reads.incrementAndGet();
                    }
                }, "reader-" + r);
                readers[r].start();
            }
            long ts = 1_700_000_000_000L;
            long wall = 0;
            // a fixed amount of work (not a deadline), so promotions and evictions happen however slow the machine is
            for (int round = 0; round < 4_000 && failures.isEmpty(); round++) {
                shard.clock(wall);
                // a third of the series pause now and then, so they are evicted and come back in reused blocks
                for (int id = 0; id < series; id++) {
                    if (id % 3 != 0 || (round / 200) % 2 == 0) {
                        shard.update(id, ts + id, 1.0);
                    }
                }
                ts += 250 + (round % 7);
                wall += 1_000;
                if (round % 50 == 0) {
                    shard.evictIdle(Integer.MAX_VALUE);
                }
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(10_000);
            }
            assertTrue(failures.isEmpty(), failures.size() + " inconsistent answers, first: " + failures.peek());
            assertTrue(reads.get() > 100, "readers ran: " + reads.get());
            assertTrue(shard.promotedSeries() > 0, "promotions happened");
            assertTrue(shard.evictedSeries() > 0, "evictions happened");
            shard.reclaim();
            assertEquals(shard.publishedBytes(), shard.bytesInUse());
        }
        assertEquals(0, arena.bytesInUse());
    }
}
