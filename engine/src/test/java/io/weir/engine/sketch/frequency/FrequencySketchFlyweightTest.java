package io.weir.engine.sketch.frequency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FrequencySketchFlyweightTest {
    private static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);

    @Test
    void specValidatesAndFitsTheBudget() {
        assertThrows(IllegalArgumentException.class, () -> new FrequencySketchSpec(0, 10, 64));
        assertThrows(IllegalArgumentException.class, () -> new FrequencySketchSpec(1000, 1, 64));
        assertThrows(IllegalArgumentException.class, () -> new FrequencySketchSpec(1000, 10, 8));
        assertThrows(IllegalArgumentException.class, () -> FrequencySketchSpec.forWindow(0));
        assertThrows(IllegalArgumentException.class, () -> FrequencySketchSpec.forWindow(3_600_000, 10, 1000));
        System.out.println("== memory per series at a 1e5-sample window (frequency budget ~190 KB; slab class 128 KiB)");
        for (long stepMs : new long[] {1_000, 15_000, 60_000}) {
            FrequencySketchSpec spec = FrequencySketchSpec.forWindow(100_000 * stepMs);
            System.out.printf(Locale.ROOT, "scrape %5d ms: W=%d ms, %d buckets x %d slots, block %d bytes (%.1f KiB)%n",
                stepMs, spec.bucketWidthMillis(), spec.bucketCount(), spec.tableCapacity(), spec.blockLength(),
                spec.blockLength() / 1024.0);
            assertTrue(spec.blockLength() <= FrequencySketchSpec.DEFAULT_MAX_BLOCK_BYTES);
            assertTrue(spec.retainedWindowMillis() >= 100_000 * stepMs);
        }
    }

    @Test
    void basicsValueIdentityAndSkips() {
        FrequencySketchSpec spec = new FrequencySketchSpec(10_000, 8, 64);
        FrequencySketchFlyweight f = FrequencySketchFlyweight.onHeap(42, spec);
        assertEquals(42, f.seriesId());
        assertEquals(SketchBlockDescriptor.familyTag(SketchFunction.Family.FREQUENCY), f.familyTag());
        FrequencyResult out = new FrequencyResult();
        f.read(0, 100_000, out);
        assertEquals(0, out.l1());
        assertFalse(out.covered());
        long t = 1_000_000;
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 1, 0.0));
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 2, -0.0)); // same value as 0.0
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 3, 1.0));
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 4, Math.nextUp(1.0))); // distinct bit pattern
        assertEquals(FrequencySketchFlyweight.SKIPPED_STALE, f.update(t + 5, STALE_NAN));
        f.read(t, t + 10_000, out);
        assertTrue(out.exact());
        assertTrue(out.covered());
        assertEquals(4, out.l1());
        assertEquals(3, out.distinct());
        assertEquals(Math.sqrt(4 + 1 + 1), out.l2(), 1e-12);
        assertEquals(1.5, out.entropy(), 1e-12); // p = 1/2, 1/4, 1/4
        assertEquals(1, f.skippedStale());
        // any other NaN is a value (one, whatever its payload)
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 6, Double.NaN));
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 7, Double.longBitsToDouble(0x7ff8000000000123L)));
        f.read(t, t + 10_000, out);
        assertEquals(6, out.l1());
        assertEquals(4, out.distinct());
        // a sample 8 buckets later expires the first bucket; an old one is then too old
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 80_001, 5));
        assertEquals(FrequencySketchFlyweight.SKIPPED_TOO_OLD, f.update(t + 1, 5));
        assertEquals(1, f.skippedTooOld());
        f.read(t, t + 80_001, out);
        assertFalse(out.covered());
        assertEquals(1, out.l1());
        // out of order into a retained bucket
        assertEquals(FrequencySketchFlyweight.APPLIED, f.update(t + 75_000, 5));
        f.read(t + 70_000, t + 90_000, out);
        assertEquals(2, out.l1());
        assertEquals(1, out.distinct());
        assertEquals(0, out.entropy());
        assertEquals(2, out.l2(), 1e-12);
    }

    @Test
    void offHeapBlockMatchesHeapBlock() {
        FrequencySketchSpec spec = FrequencySketchSpec.forWindow(600_000);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(spec.blockLength() + 128L, 64);
            FrequencySketchFlyweight off = new FrequencySketchFlyweight().wrap(seg, 64);
            off.init(1, spec);
            FrequencySketchFlyweight heap = FrequencySketchFlyweight.onHeap(1, spec);
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < 20_000; i++) {
                long ts = 1_000_000 + i * 37L;
                double v = rnd.nextInt(3000);
                assertEquals(heap.update(ts, v), off.update(ts, v));
            }
            FrequencyResult a = new FrequencyResult();
            FrequencyResult b = new FrequencyResult();
            long end = 1_000_000 + 20_000 * 37L;
            off.read(end - 600_000, end, a);
            heap.read(end - 600_000, end, b);
            assertEquals(a.toString(), b.toString());
        }
    }

    /** No torn reads: a writer cycles values i mod 7 so every consistent state satisfies closed forms. */
    @Test
    void seqlockReadersNeverSeeTornState() throws Exception {
        FrequencySketchSpec spec = new FrequencySketchSpec(1_000_000_000L, 4, 64);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(spec.blockLength(), 64);
            FrequencySketchFlyweight writer = new FrequencySketchFlyweight().wrap(seg, 0);
            writer.init(9, spec);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Runnable reader = () -> {
                FrequencySketchFlyweight f = new FrequencySketchFlyweight().wrap(seg, 0);
                FrequencyResult out = new FrequencyResult();
                while (!stop.get() && failure.get() == null) {
                    f.read(0, 1_000_000_000L, out);
                    double n = out.l1();
                    if (n == 0) {
                        continue;
                    }
                    long m = (long) n;
                    double sq = 0;
                    for (int v = 0; v < 7; v++) {
                        long fv = m / 7 + (v < m % 7 ? 1 : 0);
                        sq += (double) fv * fv;
                    }
                    boolean ok = m == n && out.exact() && out.distinct() == Math.min(7, m)
                        && Math.abs(out.l2() - Math.sqrt(sq)) <= 1e-9 * out.l2()
                        && out.distinct() <= out.l1() && out.l2() >= Math.sqrt(out.l1()) - 1e-9 && out.l2() <= out.l1() + 1e-9
                        && out.entropy() >= 0 && out.entropy() <= Math.log(out.distinct()) / Math.log(2) + 1e-9;
                    if (!ok) {
                        failure.set(out.toString());
                    }
                    reads.incrementAndGet();
                }
            };
            Thread r1 = new Thread(reader);
            Thread r2 = new Thread(reader);
            r1.start();
            r2.start();
            long deadline = System.nanoTime() + 300_000_000L;
            long i = 0;
            // out-of-order timestamps keep the bucket off the run statistics, so the tables are what is read
            // at most 7 x 120,000 updates: a value's count stays below the 17-bit counter, so answers stay exact
            while (System.nanoTime() < deadline && i < 840_000 && failure.get() == null) {
                writer.update(1 + ((i * 7919) % 999_999_000L), (double) (i % 7));
                i++;
            }
            stop.set(true);
            r1.join();
            r2.join();
            assertEquals(null, failure.get());
            System.out.printf(Locale.ROOT, "seqlock: %d updates, %d consistent reads by 2 readers%n", i, reads.get());
            assertTrue(reads.get() > 0);
        }
    }

    @Test
    void updateAndReadAllocateNothingAfterWarmUp() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long window = 100_000 * 1_000L;
        FrequencySketchSpec spec = FrequencySketchSpec.forWindow(window);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(spec.blockLength(), 64);
            FrequencySketchFlyweight f = new FrequencySketchFlyweight().wrap(seg, 0);
            f.init(1, spec);
            FrequencyResult out = new FrequencyResult();
            int n = 400_000;
            double[] values = FrequencyGenerators.ZIPF.values(n, new SplittableRandom(1));
            long t0 = 1_700_000_000_000L;
            // warm-up: JIT, scratch sized
            for (int i = 0; i < 150_000; i++) {
                f.update(t0 + i * 1_000L, values[i]);
            }
            for (int i = 0; i < 200; i++) {
                f.read(t0 + 150_000_000L - window, t0 + 150_000_000L, out);
            }
            // rounds: the first may still see the JIT settle (OSR, deoptimisation); the last must be clean
            long updateBytes = -1, readBytes = -1, updateCpu = 0, updateWall = 0, readCpu = 0, readWall = 0;
            int i = 150_000;
            int perRound = 50_000;
            int reads = 100;
            for (int round = 0; round < 5; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                long cpu = mx.getCurrentThreadCpuTime();
                long wall = System.nanoTime();
                for (int stop = i + perRound; i < stop; i++) {
                    f.update(t0 + i * 1_000L, values[i]);
                }
                updateWall = System.nanoTime() - wall;
                updateCpu = mx.getCurrentThreadCpuTime() - cpu;
                updateBytes = mx.getCurrentThreadAllocatedBytes() - before;
                long end = t0 + (i - 1) * 1_000L;
                before = mx.getCurrentThreadAllocatedBytes();
                cpu = mx.getCurrentThreadCpuTime();
                wall = System.nanoTime();
                for (int r = 0; r < reads; r++) {
                    f.read(end - window + r * 1000L, end, out);
                }
                readWall = System.nanoTime() - wall;
                readCpu = mx.getCurrentThreadCpuTime() - cpu;
                readBytes = mx.getCurrentThreadAllocatedBytes() - before;
                System.out.printf(Locale.ROOT, "round %d: allocated %d B over %d updates, %d B over %d reads%n",
                    round, updateBytes, perRound, readBytes, reads);
            }
            System.out.printf(Locale.ROOT, "rates (informational, shared machine): update %.0f ns CPU (%.1f M samples/s CPU, "
                    + "%.1f M/s wall); read of a 1e5-sample window %.0f us CPU (%.0f us wall), level %d%n",
                (double) updateCpu / perRound, perRound / (updateCpu / 1e3), perRound / (updateWall / 1e3),
                readCpu / 1e3 / reads, readWall / 1e3 / reads, out.samplingLevel());
            assertEquals(0, updateBytes);
            assertEquals(0, readBytes);
        }
    }
}
