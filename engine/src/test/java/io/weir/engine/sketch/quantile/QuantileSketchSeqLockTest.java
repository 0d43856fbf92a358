package io.weir.engine.sketch.quantile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One writer, two readers on an off-heap block for about two seconds. A torn copy would show as a count that
 * disagrees with the histogram, quantiles not monotone in phi, or answers outside [min, max].
 */
class QuantileSketchSeqLockTest {
    @Test
    void readersNeverSeeTornState() throws Exception {
        // small buckets and counters so the writer collapses and moves ranges often while readers copy
        QuantileSketchSpec spec = new QuantileSketchSpec(1_000, 21, 64, 0.01);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slab = arena.allocate(spec.blockLength(), 64);
            new QuantileSketchFlyweight().wrap(slab, 0).init(1, spec);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong newestTs = new AtomicLong(0);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread writer = new Thread(() -> {
                QuantileSketchFlyweight w = new QuantileSketchFlyweight().wrap(slab, 0);
                SplittableRandom rnd = new SplittableRandom(1);
                long ts = 0;
                while (!stop.get()) {
                    ts += 1;
                    // values between 1 and 1e6 with sign flips, so ranges grow and buckets collapse
                    double v = Math.pow(10, rnd.nextDouble(0, 6)) * (rnd.nextInt(4) == 0 ? -1 : 1);
                    w.update(ts - (rnd.nextInt(10) == 0 ? rnd.nextInt(5_000) : 0), v);
                    newestTs.setOpaque(ts);
                }
            });
            Runnable reader = () -> {
                QuantileSketchFlyweight f = new QuantileSketchFlyweight().wrap(slab, 0);
                QuantileResult r = new QuantileResult();
                try {
                    while (!stop.get()) {
                        long end = (newestTs.getOpaque() / 1000 + 1) * 1000;
                        f.read(end - 20_000, end, r);
                        reads.incrementAndGet();
                        if (r.isEmpty()) {
                            continue;
                        }
                        assertTrue(r.exact(), r::toString);
                        assertEquals(Math.rint(r.count()), r.count(), r::toString);
                        // min and max are written samples: magnitudes in [1, 1e6]; the extremes are answered exactly
                        double lo = r.bucketsMin(), hi = r.bucketsMax();
                        assertTrue(Math.abs(lo) >= 1 && Math.abs(lo) <= 1e6 && Math.abs(hi) >= 1 && Math.abs(hi) <= 1e6, r::toString);
                        assertEquals(lo, r.quantile(0), r::toString);
                        assertEquals(hi, r.quantile(1), r::toString);
                        double prev = Double.NEGATIVE_INFINITY;
                        for (double phi = 0; phi <= 1.0; phi += 0.05) {
                            double q = r.quantile(phi);
                            assertTrue(q >= prev, () -> "not monotone at " + q + " " + r);
                            assertTrue(q >= r.bucketsMin() && q <= r.bucketsMax(), () -> q + " outside [min, max] " + r);
                            prev = q;
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    stop.set(true);
                }
            };
            Thread r1 = new Thread(reader);
            Thread r2 = new Thread(reader);
            writer.start();
            r1.start();
            r2.start();
            Thread.sleep(2_000);
            stop.set(true);
            writer.join();
            r1.join();
            r2.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            System.out.printf("quantile seqlock: %d consistent reads while the writer wrote %d samples%n", reads.get(), newestTs.get());
            assertTrue(reads.get() > 0);
        }
    }
}
