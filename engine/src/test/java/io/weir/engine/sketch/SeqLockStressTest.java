package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One writer, several readers, values chosen so that every consistent state satisfies invariants:
 * each sample's value is its own bucket index, so a bucket is constant. A torn read (count from one
 * update, sums from another; a block reused under a reader) breaks them. Duration: system property
 * {@code weir.sketch.stressSeconds} (default 3).
 */
class SeqLockStressTest {
    private static final long WIDTH = 1000;
    private static final int SERIES = 4;

    @Test
    void readersNeverSeeATornSketch() throws Exception {
        long seconds = Long.getLong("weir.sketch.stressSeconds", 3);
        AggregateSketchSpec spec = new AggregateSketchSpec(WIDTH, 11);
        SketchShard shard = new SketchShard(1, new SlabArena(1 << 20, 1 << 16, 8), id -> spec);
        AtomicLong newestTs = new AtomicLong(1_000_000);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;

        Thread writer = new Thread(() -> {
            SplittableRandom rnd = new SplittableRandom(1);
            long[] ts = new long[SERIES];
            java.util.Arrays.fill(ts, 1_000_000);
            long n = 0;
            while (System.nanoTime() < deadline && failure.get() == null) {
                int s = rnd.nextInt(SERIES);
                long t = ts[s] += rnd.nextLong(0, 60);
                if (rnd.nextInt(8) == 0) {
                    t -= rnd.nextLong(0, 9 * WIDTH); // out of order, within the ring
                }
                shard.update(s, t, (double) Math.floorDiv(t - 1, WIDTH));
                newestTs.lazySet(Math.max(newestTs.get(), t));
                if (++n % 20_000 == 0) {
                    shard.dropSeries(rnd.nextInt(SERIES)); // blocks get retired and reused under readers
                }
                if (n % 1_000 == 0) {
                    shard.reclaim();
                }
            }
            writes.set(n);
        }, "stress-writer");

        Runnable reader = () -> {
            SplittableRandom rnd = new SplittableRandom(Thread.currentThread().threadId());
            AggregateResult r = new AggregateResult();
            while (System.nanoTime() < deadline && failure.get() == null) {
                long newestBucket = Math.floorDiv(newestTs.get() - 1, WIDTH);
                int s = rnd.nextInt(SERIES);
                long hi = newestBucket + 1 - rnd.nextInt(3);
                long lo = hi - 1 - rnd.nextInt(9);
                int kind = rnd.nextInt(3);
                long start = lo * WIDTH;
                long end = hi * WIDTH;
                if (kind == 2) {
                    start += rnd.nextLong(1, WIDTH);
                    end -= rnd.nextLong(1, WIDTH);
                }
                if (!shard.readAggregate(s, start, end, r)) {
                    continue;
                }
                reads.incrementAndGet();
                String bad = check(r, kind, lo, hi);
                if (bad != null) {
                    failure.compareAndSet(null, bad + " in " + r);
                }
            }
        };
        Thread[] readers = new Thread[3];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(reader, "stress-reader-" + i);
        }
        writer.start();
        for (Thread t : readers) {
            t.start();
        }
        writer.join();
        for (Thread t : readers) {
            t.join();
        }
        shard.close();
        System.out.printf("seqlock stress %ds: %d writes, %d reads%n", seconds, writes.get(), reads.get());
        assertNull(failure.get());
        assertTrue(reads.get() > 1000 && writes.get() > 10_000);
    }

    /** @return what is impossible about {@code r}, or null */
    private static String check(AggregateResult r, int kind, long lo, long hi) {
        double n = r.count();
        if (n == 0) {
            return Double.isNaN(r.mean()) ? null : "empty but mean";
        }
        if (!(n > 0) || !(r.min() <= r.mean() && r.mean() <= r.max())) {
            return "min <= mean <= max broken";
        }
        if (kind == 2) {
            return r.min() >= lo && r.max() <= hi - 1 + 1 ? null : "values outside the buckets";
        }
        if (!r.exact() || n != Math.rint(n)) {
            return "aligned window not exact";
        }
        if (r.min() < lo || r.max() > hi - 1 || r.min() != Math.rint(r.min()) || r.max() != Math.rint(r.max())) {
            return "min/max not bucket indexes of the window";
        }
        if (r.sum() < n * r.min() || r.sum() > n * r.max() || r.sum() != Math.rint(r.sum())) {
            return "sum not a count-weighted sum of bucket indexes";
        }
        double spread = r.max() - r.min();
        if (r.variance() < 0 || r.variance() > spread * spread / 4 + 1e-6) {
            return "variance out of range";
        }
        if (hi - lo == 1 && (r.min() != lo || r.max() != lo || r.sum() != n * lo || r.variance() != 0
            || r.sum2() != n * lo * lo)) {
            return "single bucket not constant";
        }
        return null;
    }
}
