package io.weir.engine.sketch.quantile;

import io.weir.engine.sketch.StaleMarker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantileSketchFlyweightTest {
    private static final QuantileSketchSpec SMALL = new QuantileSketchSpec(10_000, 31, 32, 0.01);

    @Test
    void prometheusSemanticsAndEmptyWindow() {
        QuantileSketchFlyweight s = QuantileSketchFlyweight.onHeap(3, SMALL);
        assertEquals(3, s.seriesId());
        assertEquals(SketchBlockDescriptor.familyTag(SketchFunction.Family.QUANTILE), s.familyTag());
        QuantileResult r = new QuantileResult();
        s.read(0, 100_000, r);
        assertTrue(r.isEmpty());
        assertTrue(Double.isNaN(r.quantile(0.5)));
        for (int i = 1; i <= 4; i++) {
            s.update(i * 1000L, i * 10.0); // 10, 20, 30, 40
        }
        s.read(0, 10_000, r);
        assertEquals(4, r.count());
        assertTrue(r.exact());
        assertEquals(Double.NEGATIVE_INFINITY, r.quantile(-0.1));
        assertEquals(Double.POSITIVE_INFINITY, r.quantile(1.1));
        assertTrue(Double.isNaN(r.quantile(Double.NaN)));
        assertEquals(10.0, r.quantile(0), 0);     // clamped to the min
        assertEquals(40.0, r.quantile(1), 0);     // clamped to the max
        assertEquals(25.0, r.quantile(0.5), 25.0 * r.relativeValueErrorBound());
        // windows are left-open, right-closed: 10000 is in bucket (0, 10000], 10001 in (10000, 20000]
        s.update(10_000, 50.0);
        s.update(10_001, 60.0);
        s.read(10_000, 20_000, r);
        assertEquals(1, r.count());
        assertTrue(r.exact());
        assertEquals(60.0, r.quantile(0.5), 0);
        s.read(0, 10_000, r);
        assertEquals(5, r.count());
        assertEquals(QuantileSketchFlyweight.SKIPPED_STALE, s.update(5000, Double.longBitsToDouble(StaleMarker.BITS)));
        // any other NaN is a sample and ranks below every number, as in Prometheus: of NaN, 1, 2, 3 at ranks
        // 0..3, phi 0.25 lands on rank 0.75 (NaN from the NaN side), 2/3 on rank 2 (the number 2)
        QuantileSketchFlyweight n = QuantileSketchFlyweight.onHeap(2, SMALL);
        n.update(1000, Double.NaN);
        n.update(2000, 1.0);
        n.update(3000, 2.0);
        n.update(4000, 3.0);
        n.read(0, 10_000, r);
        assertEquals(4, r.count());
        assertTrue(Double.isNaN(r.quantile(0.25)));
        assertEquals(2.0, r.quantile(2.0 / 3), 2.0 * r.relativeValueErrorBound());
        assertEquals(3.0, r.quantile(1), 0);
        assertEquals(Double.POSITIVE_INFINITY, r.quantile(1.5));
    }

    @Test
    void zeroNegativesInfinitiesAndWideRangesWithinBounds() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 8; round++) {
            QuantileSketchFlyweight s = QuantileSketchFlyweight.onHeap(1, SMALL);
            QuantileResult r = new QuantileResult();
            List<Double> values = new ArrayList<>();
            int n = 200 + rnd.nextInt(2000);
            for (int i = 0; i < n; i++) {
                double v;
                int kind = rnd.nextInt(100);
                if (kind < 3) {
                    v = 0.0;
                } else if (kind < 4 && round % 2 == 0) {
                    v = rnd.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                } else {
                    // magnitudes over up to 18 decades force collapses of 32-counter buckets
                    v = Math.pow(10, rnd.nextDouble(-6, -6 + 2 + round * 2)) * (rnd.nextInt(3) == 0 ? -1 : 1);
                }
                values.add(v);
                assertEquals(QuantileSketchFlyweight.APPLIED, s.update(1 + (long) i * 250_000 / n, v));
            }
            s.read(0, 250_000, r);
            assertTrue(r.exact());
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            for (double phi = 0; phi <= 1.0; phi += 0.01) {
                double est = r.quantile(phi);
                double truth = ExactQuantile.quantile(phi, sorted);
                double rankErr = ExactQuantile.rankError(phi, est, sorted);
                assertTrue(rankErr <= r.rankErrorBound(phi) + 1e-9, "round " + round + " phi " + phi + " rank " + rankErr
                    + " > " + r.rankErrorBound(phi) + " est " + est + " truth " + truth);
                double rank = phi * (sorted.length - 1);
                double a = sorted[(int) Math.floor(rank)], b = sorted[(int) Math.min(sorted.length - 1, Math.floor(rank) + 1)];
                boolean sameSign = (a >= 0 && b >= 0) || (a <= 0 && b <= 0);
                if (sameSign && Double.isFinite(truth)) {
                    double ve = ExactQuantile.valueError(est, truth);
                    assertTrue(ve <= r.relativeValueErrorBound() * (1 + 1e-9) + 1e-12, "round " + round + " phi " + phi
                        + " value " + ve + " > " + r.relativeValueErrorBound() + " level " + r.level());
                } else if (!Double.isFinite(truth) && !Double.isNaN(truth)) {
                    assertEquals(truth, est, "phi " + phi);
                }
            }
        }
    }

    @Test
    void expiryAndTooOld() {
        QuantileSketchFlyweight s = QuantileSketchFlyweight.onHeap(1, SMALL);
        QuantileResult r = new QuantileResult();
        s.update(5_000, 1.0);
        s.update(1_000_000, 2.0);                    // 100 buckets later: the first one expired
        assertEquals(QuantileSketchFlyweight.SKIPPED_TOO_OLD, s.update(5_000, 1.0));
        assertEquals(1, s.skippedTooOld());
        s.read(0, 1_000_000, r);
        assertEquals(1, r.count());
        assertFalse(r.covered());
        assertFalse(r.holdsEverythingReceived());
        assertEquals(2.0, r.quantile(0.5), 0);
        s.read(1_000_000 - 300_000, 1_000_000, r);
        assertTrue(r.covered());
    }

    @Test
    void blockFitsTheBudgetAtA1e5SampleWindow() {
        // 1e5 samples per window: 1 h at 36 ms (~28 samples/s)
        QuantileSketchSpec spec = QuantileSketchSpec.forWindow(3_600_000);
        System.out.printf("quantile block at 1 h (1e5 samples at 36 ms): %d bytes (%d buckets of W=%d ms, %d counters each),"
                + " budget %d%n", spec.blockLength(), spec.bucketCount(), spec.bucketWidthMillis(), spec.countersPerBucket(),
            QuantileSketchSpec.DEFAULT_MAX_BLOCK_BYTES);
        assertTrue(spec.blockLength() <= 48 * 1024);
        for (long w : new long[] {300_000, 3_600_000, 86_400_000}) {
            assertTrue(QuantileSketchSpec.forWindow(w).blockLength() <= 48 * 1024);
        }
    }

    @Test
    void zeroAllocationAfterWarmUp() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        QuantileSketchSpec spec = QuantileSketchSpec.forWindow(3_600_000);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slab = arena.allocate(spec.blockLength(), 64);
            QuantileSketchFlyweight s = new QuantileSketchFlyweight().wrap(slab, 0);
            s.init(1, spec);
            QuantileResult r = new QuantileResult();
            int n = 400_000;
            double[] values = new double[n];
            SplittableRandom rnd = new SplittableRandom(9);
            for (int i = 0; i < n; i++) {
                values[i] = Math.exp(Math.log(0.12) + 0.9 * rnd.nextGaussian());
            }
            long t0 = 1_700_000_000_000L;
            // warm-up: one window and a half of 1e5 samples per hour, and reads
            for (int i = 0; i < n; i++) {
                s.update(t0 + i * 36L, values[i]);
                if (i % 1000 == 0) {
                    long end = t0 + i * 36L;
                    s.read(end - 3_600_000, end, r);
                }
            }
            long t1 = t0 + n * 36L;
            // allocation, measured without any timing call in between
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                s.update(t1 + i * 36L, values[i]);
            }
            long afterUpdates = mx.getCurrentThreadAllocatedBytes();
            long end = t1 + n * 36L;
            int reads = 2000;
            double sink = 0;
            // reads in rounds: a per-read allocation shows in every round (>= 2,000 x its size); a one-off of the
            // JIT recompiling the read loop on a loaded machine (seen: 72 B once) shows in one round only
            long readBytes = Long.MAX_VALUE;
            for (int round = 0; round < 5 && readBytes != 0; round++) {
                long roundStart = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < reads; i++) {
                    s.read(end - 3_600_000 - (i % 7) * 1000, end, r);
                    sink += r.quantile(0.99);
                }
                readBytes = Math.min(readBytes, mx.getCurrentThreadAllocatedBytes() - roundStart);
            }
            // timing (informational: the machine is shared, so CPU time is printed beside wall time)
            long t2 = end;
            long start = System.nanoTime();
            long cpuStart = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                s.update(t2 + i * 36L, values[i]);
            }
            long updateNs = System.nanoTime() - start;
            long updateCpuNs = mx.getCurrentThreadCpuTime() - cpuStart;
            end = t2 + n * 36L;
            start = System.nanoTime();
            cpuStart = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reads; i++) {
                s.read(end - 3_600_000 - (i % 7) * 1000, end, r);
                sink += r.quantile(0.99);
            }
            long readNs = System.nanoTime() - start;
            long readCpuNs = mx.getCurrentThreadCpuTime() - cpuStart;
            System.out.printf("quantile update: %.1f M samples/s wall, %.1f M/s on-CPU (%.1f ns CPU each); read of a"
                    + " 1e5-sample window + quantile: %.1f us wall, %.1f us CPU; allocated %d B over %d updates, %d B over"
                    + " %d reads (sink %.3f, count %.0f)%n",
                n * 1e3 / updateNs, n * 1e3 / updateCpuNs, (double) updateCpuNs / n, readNs / 1e3 / reads,
                readCpuNs / 1e3 / reads, afterUpdates - before, n, readBytes, reads, sink, r.count());
            assertEquals(0, afterUpdates - before, "bytes allocated by updates");
            assertEquals(0, readBytes, "bytes allocated by reads (the best of up to five rounds of " + reads + ")");
        }
    }
}
