package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchFlyweight;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.slab.SlabArena;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact tier against brute-force oracles: all 13 functions, random streams, windows and sub-windows. */
class ExactTierTest {
    private static final long T0 = 1_700_000_000_000L;

    /** Every family, with the sizing the node uses. */
    static SketchTargets allFamilies(long windowMs) {
        return SketchTargets.everyFunction(windowMs);
    }

    record Sample(long ts, double value) {
    }

    /** Accepted samples as the shard should hold them: a sample at or before newest - W is skipped. */
    static final class Oracle {
        final List<Sample> kept = new ArrayList<>();
        final long window;
        long newest = Long.MIN_VALUE;

        Oracle(long window) {
            this.window = window;
        }

        void offer(long ts, double v) {
            if (StaleMarker.is(v)) {
                return;
            }
            if (!kept.isEmpty() && ts <= newest - window) {
                return;
            }
            kept.add(new Sample(ts, v));
            newest = Math.max(newest, ts);
        }

        double[] values(long startExcl, long endIncl) {
            return kept.stream().filter(s -> s.ts > startExcl && s.ts <= endIncl).mapToDouble(Sample::value).toArray();
        }
    }

    static double[] stream(SplittableRandom rnd, int kind, int i, double prev) {
        return new double[] {switch (kind) {
            case 0 -> prev + rnd.nextInt(0, 50);                       // counter
            case 1 -> 20.0 + rnd.nextGaussian();                        // gauge, full mantissas
            case 2 -> rnd.nextInt(0, 12);                               // small integers (frequency)
            case 3 -> rnd.nextBoolean() ? 0.0 : -0.0;                   // signed zeros
            default -> Math.round(rnd.nextDouble() * 1e6) / 100.0;      // hundredths
        }};
    }

    /**
     * A series whose exact block reaches its promotion size keeps every sample: it moves to its sketches (or is
     * compacted) instead. Aggregate-only targets make the promotion size one slab class, where a block could once
     * "grow" into a block of its own size and drop every later sample whose append opened a checkpoint (the default
     * path accuracy run lost half of a 1e5-sample window that way).
     */
    @Test
    void samplesAppliedInGroupsEqualSamplesAppliedOneByOne() {
        // the writer's batch path touches each group's blocks first; it must apply exactly what the one-by-one path
        // applies: every sample once, partial groups included, a series twice in one group, promotions mid-batch
        long window = 600_000;
        int series = 40;
        SplittableRandom rnd = new SplittableRandom(11);
        try (SketchShard grouped = new SketchShard(2, new SlabArena(64L << 20, 1 << 20, 4), allFamilies(window), 4096);
             SketchShard single = new SketchShard(2, new SlabArena(64L << 20, 1 << 20, 4), allFamilies(window), 4096)) {
            int[] ids = new int[200];
            long[] ts = new long[200];
            double[] values = new double[200];
            long[] t = new long[series];
            Arrays.fill(t, T0);
            for (int round = 0; round < 800; round++) {
                int from = rnd.nextInt(5);
                int to = from + 1 + rnd.nextInt(150);
                for (int i = from; i < to; i++) {
                    int s = rnd.nextInt(series);
                    t[s] += 1_000 + rnd.nextInt(-200, 200);
                    ids[i] = 2 * s + 1;   // this shard's ids: odd ones of two shards
                    ts[i] = t[s];
                    values[i] = rnd.nextInt(2) == 0 ? rnd.nextDouble() * 1e6 : rnd.nextInt(100);
                }
                grouped.update(ids, ts, values, from, to);
                for (int i = from; i < to; i++) {
                    single.update(ids[i], ts[i], values[i]);
                }
            }
            assertEquals(single.samplesApplied(), grouped.samplesApplied());
            assertEquals(single.skippedTooOld(), grouped.skippedTooOld());
            assertTrue(single.promotedSeries() > 0, "some series were promoted");
            assertEquals(single.promotedSeries(), grouped.promotedSeries());
            AggregateResult a = new AggregateResult();
            AggregateResult b = new AggregateResult();
            QuantileResult qa = new QuantileResult();
            QuantileResult qb = new QuantileResult();
            for (int s = 0; s < series; s++) {
                int id = 2 * s + 1;
                assertTrue(grouped.readAggregate(id, t[s] - window / 2, t[s], a));
                assertTrue(single.readAggregate(id, t[s] - window / 2, t[s], b));
                assertEquals(b.count(), a.count(), "series " + id + " count");
                assertEquals(b.sum(), a.sum(), "series " + id + " sum");
                assertEquals(b.min(), a.min(), "series " + id + " min");
                assertEquals(b.max(), a.max(), "series " + id + " max");
                assertTrue(grouped.readQuantile(id, t[s] - window / 2, t[s], qa));
                assertTrue(single.readQuantile(id, t[s] - window / 2, t[s], qb));
                assertEquals(qb.quantile(0.9), qa.quantile(0.9), "series " + id + " p90");
            }
        }
    }

    @Test
    void aBlockAtItsPromotionSizeLosesNoSample() {
        long window = 10_000_000_000L; // nothing leaves the window: the blocks only grow
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(window, AggregateSketchSpec.DEFAULT_MAX_BUCKETS);
        SketchTargets aggregateOnly = seriesId -> spec;
        int series = 64;
        int perSeries = 12_000;
        try (SketchShard shard = new SketchShard(1, new SlabArena(1L << 28, 1 << 20, 4), aggregateOnly, 256 << 10)) {
            SplittableRandom rnd = new SplittableRandom(77);
            long[] t = new long[series];
            Arrays.fill(t, T0);
            for (int i = 0; i < perSeries; i++) {
                for (int id = 0; id < series; id++) {
                    t[id] += 1_000 + rnd.nextInt(-100, 101);
                    // value widths differ per series, so their blocks fill (and hit checkpoints) at different samples
                    shard.update(id, t[id], rnd.nextInt(1 << (1 + id % 24)));
                }
            }
            assertEquals((long) series * perSeries, shard.samplesApplied(), "samples applied");
            assertTrue(shard.promotedSeries() > 0, "some series reached their promotion size");
            AggregateResult r = new AggregateResult();
            for (int id = 0; id < series; id++) {
                assertTrue(shard.readAggregate(id, Long.MIN_VALUE + 1, t[id], r));
                assertEquals(perSeries, r.count(), r.countErrorBound() + 1e-9, "series " + id + " count");
            }
        }
    }

    @Test
    void everyFunctionIsExactOverRandomStreamsAndSubWindows() {
        SplittableRandom rnd = new SplittableRandom(7);
        long window = 3_600_000;
        for (int round = 0; round < 15; round++) {
            int kind = round % 5;
            long interval = new long[] {1_000, 10_000, 15_000, 60_000}[rnd.nextInt(4)];
            try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), allFamilies(window), 512 * 1024)) {
                Oracle oracle = new Oracle(AggregateSketchSpec.forWindow(window, 225).retainedWindowMillis());
                long ts = T0 + rnd.nextInt(0, 60_000);
                double v = 0;
                int n = 200 + rnd.nextInt(4_000);
                for (int i = 0; i < n; i++) {
                    ts += interval + (rnd.nextInt(10) == 0 ? rnd.nextLong(-interval * 3, interval) : rnd.nextLong(-50, 50));
                    v = stream(rnd, kind, i, v)[0];
                    // stale markers are skipped; NaN samples are covered by the promqltest files (PromqlTestFilesTest)
                    double value = rnd.nextInt(200) == 0 ? Double.longBitsToDouble(StaleMarker.BITS) : v;
                    shard.update(0, ts, value);
                    oracle.offer(ts, value);
                    if (rnd.nextInt(97) == 0) {
                        checkWindows(shard, oracle, rnd, ts, window);
                    }
                }
                checkWindows(shard, oracle, rnd, ts, window);
                assertEquals(1, shard.exactSeries(), "stays exact below the promotion size");
                assertEquals(0, shard.promotedSeries());
            }
        }
    }

    private static void checkWindows(SketchShard shard, Oracle oracle, SplittableRandom rnd, long now, long window) {
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        for (int k = 0; k < 20; k++) {
            long range = new long[] {10_000, 20_000, 300_000, 3_600_000, rnd.nextLong(1, window)}[rnd.nextInt(5)];
            long end = now - rnd.nextLong(0, Math.max(1, window - range));
            long start = end - range;
            assertTrue(shard.readAggregate(0, start, end, a));
            assertTrue(shard.readQuantile(0, start, end, q));
            assertTrue(shard.readFrequency(0, start, end, f));
            if (!a.covered()) {
                continue;
            }
            double[] x = oracle.values(start, end);
            String at = "window (" + start + ", " + end + "] with " + x.length + " samples";
            assertEquals(x.length, a.count(), at);
            assertTrue(a.exact() && q.exact() && f.exact(), at);
            if (x.length == 0) {
                assertTrue(q.isEmpty(), at);
                assertEquals(0, f.l1(), at);
                continue;
            }
            BigDecimal sum = BigDecimal.ZERO;
            BigDecimal sum2 = BigDecimal.ZERO;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double d : x) {
                sum = sum.add(new BigDecimal(d));
                sum2 = sum2.add(new BigDecimal(d).multiply(new BigDecimal(d)));
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            BigDecimal mean = sum.divide(BigDecimal.valueOf(x.length), MathContext.DECIMAL128);
            BigDecimal dev2 = BigDecimal.ZERO;
            for (double d : x) {
                BigDecimal e = new BigDecimal(d).subtract(mean);
                dev2 = dev2.add(e.multiply(e));
            }
            double variance = dev2.divide(BigDecimal.valueOf(x.length), MathContext.DECIMAL128).doubleValue();
            assertClose(sum.doubleValue(), a.sum(), 1e-15 * Math.max(1, Math.abs(sum.doubleValue())), "sum " + at);
            assertClose(sum2.doubleValue(), a.sum2(), 1e-14 * Math.max(1, sum2.doubleValue()), "sum2 " + at);
            assertClose(mean.doubleValue(), a.mean(), 1e-15 * Math.max(1, Math.abs(mean.doubleValue())), "avg " + at);
            assertTrue(min == a.min(), "min " + at); // == : Prometheus keeps whichever zero came first
            assertTrue(max == a.max(), "max " + at);
            assertClose(variance, a.variance(), 1e-12 * Math.max(1e-300, variance) + 1e-18 * Math.max(1, mean.doubleValue() * mean.doubleValue()), "stdvar " + at);
            assertClose(Math.sqrt(variance), a.stddev(), 1e-9 * Math.max(1e-150, Math.sqrt(variance)) + 1e-9, "stddev " + at);
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            for (double phi : new double[] {0, 0.01, 0.25, 0.5, 0.9, 0.99, 1, -1, 2}) {
                assertEquals(promQuantile(phi, sorted), q.quantile(phi), "quantile " + phi + " " + at);
                assertEquals(0, q.rankErrorBound(phi), at);
            }
            Map<Long, Integer> counts = new HashMap<>();
            for (double d : x) {
                counts.merge(FrequencySketchFlyweight.canonicalBits(d), 1, Integer::sum);
            }
            double f2 = 0;
            double flogf = 0;
            for (int c : counts.values()) {
                f2 += (double) c * c;
                flogf += c * (Math.log(c) / Math.log(2));
            }
            assertEquals(counts.size(), f.distinct(), "distinct " + at);
            assertEquals(x.length, f.l1(), "l1 " + at);
            assertClose(Math.sqrt(f2), f.l2(), 1e-12 * Math.sqrt(f2), "l2 " + at);
            assertClose(Math.max(0, Math.log(x.length) / Math.log(2) - flogf / x.length), f.entropy(), 1e-12, "entropy " + at);
            assertEquals(0, f.distinctErrorBound());
        }
    }

    static double promQuantile(double phi, double[] sorted) {
        if (phi < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (phi > 1) {
            return Double.POSITIVE_INFINITY;
        }
        int n = sorted.length;
        double rank = phi * (n - 1);
        double lower = Math.max(0, Math.floor(rank));
        double upper = Math.min(n - 1, lower + 1);
        double weight = rank - Math.floor(rank);
        return sorted[(int) lower] * (1 - weight) + sorted[(int) upper] * weight;
    }

    private static void assertClose(double expected, double actual, double tolerance, String what) {
        assertTrue(Math.abs(expected - actual) <= tolerance, what + ": expected " + expected + " got " + actual);
    }

    /** The Prometheus test cases the bucketed sketches got wrong: short windows over sparse samples. */
    @Test
    void shortWindowsOverSparseSamplesAreExact() {
        try (SketchShard shard = new SketchShard(1, new SlabArena(8L << 20, 1 << 20, 4), allFamilies(300_000), 64 * 1024)) {
            // metric: 0, 1, 2, ... every 10 s
            for (int i = 0; i <= 30; i++) {
                shard.update(0, i * 10_000L, i);
            }
            AggregateResult a = new AggregateResult();
            // avg_over_time(metric[20s]) at t=60s: samples at 50 s and 60 s -> 5.5; at t=55s: 40 s, 50 s -> 4.5
            assertTrue(shard.readAggregate(0, 40_000, 60_000, a));
            assertEquals(5.5, a.mean());
            assertTrue(shard.readAggregate(0, 35_000, 55_000, a));
            assertEquals(4.5, a.mean());
            // min_over_time(metric[10s]) at t=20s: the sample at 20 s only
            assertTrue(shard.readAggregate(0, 10_000, 20_000, a));
            assertEquals(2.0, a.min());
            assertEquals(1.0, a.count());
            assertTrue(a.exact());
        }
    }

    @Test
    void seriesThatOutgrowsItsExactBlockIsPromotedWithoutLosingSamples() {
        long window = 600_000;
        SketchTargets targets = allFamilies(window);
        SlabArena arena = new SlabArena(64L << 20, 1 << 20, 4);
        try (SketchShard shard = new SketchShard(1, arena, targets, 2048)) {
            SplittableRandom rnd = new SplittableRandom(3);
            List<Sample> all = new ArrayList<>();
            long ts = T0;
            for (int i = 0; i < 1_000; i++) {
                ts += 1_000;
                double v = 100 + rnd.nextGaussian(); // full mantissas: ~7 bytes a sample, the exact block outgrows 2 KiB
                shard.update(0, ts, v);
                all.add(new Sample(ts, v));
                if (i == 100) {
                    assertEquals(1, shard.exactSeries());
                }
            }
            assertEquals(1, shard.promotedSeries());
            assertEquals(0, shard.exactSeries());
            assertEquals(1, shard.sketchedSeries());
            assertEquals(1_000, shard.samplesApplied());
            AggregateResult a = new AggregateResult();
            long end = ts;
            long start = end - 300_000;
            assertTrue(shard.readAggregate(0, start, end, a));
            long truth = all.stream().filter(s -> s.ts > start && s.ts <= end).count();
            assertTrue(Math.abs(a.count() - truth) <= a.countErrorBound() + 1e-9, a + " vs " + truth);
            // every sample of the sketch's retained range made it across the promotion
            assertTrue(shard.readAggregate(0, end - 500_000, end, a));
            assertTrue(a.covered());
            long retained = all.stream().filter(s -> s.ts > end - 500_000).count();
            assertTrue(Math.abs(a.count() - retained) <= a.countErrorBound() + 1e-9, a + " vs " + retained);
            shard.reclaim();
            assertEquals(shard.publishedBytes(), shard.bytesInUse());
        }
        assertEquals(0, arena.bytesInUse());
    }

    @Test
    void exactBlockDropsExpiredSamplesWhenRebuiltAndStaysSmall() {
        long window = 3_600_000;
        try (SketchShard shard = new SketchShard(1, new SlabArena(64L << 20, 1 << 20, 4), allFamilies(window), 256 * 1024)) {
            long ts = T0;
            double counter = 0;
            for (int i = 0; i < 240 * 5; i++) { // five windows of a 15 s counter
                ts += 15_000;
                counter += 3 + (i % 7);
                shard.update(0, ts, counter);
                shard.reclaim();
            }
            assertEquals(1, shard.exactSeries());
            long bytes = shard.publishedBytes();
            assertTrue(bytes <= 1024, "15 s / 1 h with every function: " + bytes + " bytes");
            assertEquals(bytes, shard.bytesInUse());
            AggregateResult a = new AggregateResult();
            assertTrue(shard.readAggregate(0, ts - window, ts, a));
            assertTrue(a.covered());
            assertEquals(240, a.count());
        }
    }

    @Test
    void idleSeriesLeaveAndTheirMemoryReturns() {
        SlabArena arena = new SlabArena(64L << 20, 1 << 20, 4);
        long window = 60_000;
        try (SketchShard shard = new SketchShard(2, arena, allFamilies(window), 64 * 1024)) {
            long wall = 1_000_000;
            shard.clock(wall);
            for (int round = 0; round < 5; round++) {
                // churn: 500 new series each round; the previous round's go quiet
                for (int s = 0; s < 500; s++) {
                    int id = 2 * (round * 500 + s) + 1;
                    for (int i = 0; i < 10; i++) {
                        shard.update(id, T0 + round * 120_000L + i * 1_000L, i);
                    }
                }
                assertEquals(500, shard.sketchedSeries(), "only the live round is held");
                wall += 30_000;
                shard.clock(wall);
                assertEquals(0, shard.evictIdle(Integer.MAX_VALUE), "30 s idle < 60 s window");
                wall += 40_000;
                shard.clock(wall);
                shard.evictIdle(Integer.MAX_VALUE);
                assertEquals(0, shard.sketchedSeries());
                shard.reclaim();
                assertEquals(0, shard.bytesInUse(), "memory of evicted series is back in the slab");
            }
            assertEquals(2_500, shard.evictedSeries());
            assertFalse(shard.readAggregate(1, 0, Long.MAX_VALUE, new AggregateResult()));
            // an evicted series that comes back starts again
            shard.update(1, T0 + 1_000_000, 4.0);
            AggregateResult a = new AggregateResult();
            assertTrue(shard.readAggregate(1, T0, T0 + 1_000_000, a));
            assertEquals(4.0, a.sum());
        }
        assertEquals(0, arena.bytesReserved());
    }

    /**
     * Churn across ids never reused (as the series table hands them out): once every series of an index page has
     * left, the page goes too, so what a churned-out series leaves behind does not grow with the churn.
     */
    @Test
    void indexPagesOfSeriesThatAllLeftAreReleased() {
        SlabArena arena = new SlabArena(64L << 20, 1 << 20, 4);
        long window = 60_000;
        try (SketchShard shard = new SketchShard(1, arena, allFamilies(window), 64 * 1024)) {
            long wall = 1_000_000;
            shard.clock(wall);
            int perRound = 2048; // two index pages a round
            for (int round = 0; round < 10; round++) {
                for (int s = 0; s < perRound; s++) {
                    shard.update(round * perRound + s, T0 + round * 120_000L, 1.0);
                }
                assertTrue(shard.indexPagesHeld() <= 4, "round " + round + ": " + shard.indexPagesHeld() + " pages");
                wall += 70_000;
                shard.clock(wall);
                assertEquals(perRound, shard.evictIdle(Integer.MAX_VALUE));
                shard.evictIdle(Integer.MAX_VALUE); // the pass after eviction finds the pages empty
                assertEquals(0, shard.indexPagesHeld(), "round " + round);
                shard.reclaim();
                assertEquals(0, shard.bytesInUse());
            }
            // an old id that does come back starts a fresh page
            shard.update(5, T0 + 2_000_000, 4.0);
            AggregateResult a = new AggregateResult();
            assertTrue(shard.readAggregate(5, T0, T0 + 2_000_000, a));
            assertEquals(4.0, a.sum());
            assertEquals(1, shard.indexPagesHeld());
        }
    }

    @Test
    void memoryLimitRefusesNewSeriesAndCountsThem() {
        SlabArena arena = new SlabArena(64 * 256, 1 << 12, 4);
        try (SketchShard shard = new SketchShard(1, arena, allFamilies(60_000), 4096)) {
            for (int id = 0; id < 100; id++) {
                shard.update(id, T0, 1.0);
            }
            assertEquals(64, shard.sketchedSeries());
            assertEquals(36, shard.refusedSeries());
            assertEquals(shard.publishedBytes(), shard.bytesInUse());
            assertTrue(shard.bytesInUse() <= arena.memoryLimitBytes());
        }
    }
}
