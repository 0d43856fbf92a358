package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A promoted series keeps the exact samples of its last minutes beside its sketches: windows inside that tail are
 * answered exactly (against a brute force over the raw samples), longer ones by the sketches, and the tail stays
 * within its budget while the series streams on.
 */
class ExactTailTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long WINDOW_MS = 6 * 3_600_000L;
    private static final long STEP_MS = 500;

    @Test
    void recentWindowsOfAPromotedSeriesAreExact() throws Exception {
        SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW_MS), 256 * 1024);
        SplittableRandom rnd = new SplittableRandom(21);
        int n = (int) (2 * WINDOW_MS / STEP_MS);
        long[] ts = new long[n];
        double[] vs = new double[n];
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        long span = shard.tailSpanMillis(WINDOW_MS);
        int checks = 0;
        try {
            for (int i = 0; i < n; i++) {
                ts[i] = T0 + i * STEP_MS + rnd.nextInt(100);
                // incompressible values (the series promotes early), with repeats for distinct to count
                vs[i] = rnd.nextInt(4) == 0 ? Math.floor(rnd.nextDouble() * 50) : 1000 + rnd.nextGaussian() * 100;
                shard.update(0, ts[i], vs[i]);
                if (i > n / 2 && i % 7_919 == 0) {
                    assertEquals(1, shard.promotedSeries(), "promoted by sample " + i);
                    long t = ts[i];
                    // inside the tail: exact, equal to the brute force
                    for (long w : new long[] {60_000, 5 * 60_000, span - 30_000}) {
                        int from = firstAfter(ts, i + 1, t - w);
                        assertTrue(shard.readAggregate(0, t - w, t, a));
                        assertTrue(a.exact(), "aggregate over the last " + w + " ms is exact");
                        assertEquals(i + 1 - from, a.count());
                        assertEquals(sum(vs, from, i + 1), a.sum(), 1e-9 * Math.abs(sum(vs, from, i + 1)));
                        assertEquals(Arrays.stream(vs, from, i + 1).min().orElseThrow(), a.min());
                        assertEquals(Arrays.stream(vs, from, i + 1).max().orElseThrow(), a.max());
                        assertTrue(shard.readQuantile(0, t - w, t, q));
                        assertTrue(q.exact());
                        double p90 = quantile(vs, from, i + 1, 0.9);
                        assertEquals(p90, q.quantile(0.9), 1e-12 * Math.abs(p90));
                        assertTrue(shard.readFrequency(0, t - w, t, f));
                        assertTrue(f.exact());
                        assertEquals(distinct(vs, from, i + 1), f.distinct());
                        checks++;
                    }
                    // past the tail: the sketches (approximate, with their bounds)
                    assertTrue(shard.readAggregate(0, t - 3_600_000, t, a));
                    assertFalse(a.exact(), "an hour is past a " + span + " ms tail");
                    assertEquals(i + 1 - firstAfter(ts, i + 1, t - 3_600_000), a.count(), a.countErrorBound() + 1e-9);
                }
            }
            assertTrue(checks >= 12, "checks " + checks);
            // the tail stays within its budget (1/8 of the sketches, 192 KiB here): at most 24 KiB on top of them
            long sketchesOnly = 0;
            for (var fam : SketchFunction.Family.values()) {
                sketchesOnly += SlabArena.blockBytes(shard.block(0, fam));
            }
            long tailBytes = SlabArena.blockBytes(shard.exactBlock(0));
            assertTrue(tailBytes <= sketchesOnly / 8, "tail " + tailBytes + " of " + sketchesOnly);
            assertEquals(shard.publishedBytes(), sketchesOnly + tailBytes);
            assertEquals(0, shard.exactSeries(), "a tail is not an exact-tier series");
            // a snapshot carries the tail: the restored shard answers the recent window exactly, the same way
            SketchShard into = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW_MS), 256 * 1024);
            try {
                io.weir.engine.snapshot.BlockCopyShardSnapshot format = new io.weir.engine.snapshot.BlockCopyShardSnapshot();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                try (var state = format.capture(shard, format.reserve(shard))) {
                    state.writeTo(out);
                }
                format.restore(new SketchShard[] {into}, new java.io.ByteArrayInputStream(out.toByteArray()));
                long t = ts[n - 1];
                AggregateResult b = new AggregateResult();
                for (long w : new long[] {5 * 60_000, 3_600_000}) {
                    assertTrue(shard.readAggregate(0, t - w, t, a));
                    assertTrue(into.readAggregate(0, t - w, t, b));
                    assertEquals(a.exact(), b.exact());
                    assertEquals(a.count(), b.count());
                    assertEquals(a.sum(), b.sum());
                }
                assertTrue(b.exact() == false && into.readAggregate(0, t - 300_000, t, b) && b.exact(), "restored tail answers exactly");
                assertEquals(0, into.exactSeries());
                assertEquals(1, into.sketchedSeries());
            } finally {
                into.close();
            }
        } finally {
            shard.close();
        }
    }

    /** {@code storage.exact_tail: 0}: a promoted series is its sketches alone, as before tails. */
    @Test
    void noTailWhenTurnedOff() {
        SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), ExactTierTest.allFamilies(WINDOW_MS), 256 * 1024)
            .exactTail(0);
        SplittableRandom rnd = new SplittableRandom(5);
        try {
            long t = T0;
            for (int i = 0; i < 60_000; i++) {
                t = T0 + i * STEP_MS;
                shard.update(0, t, 1000 + rnd.nextGaussian() * 100);
            }
            assertEquals(1, shard.promotedSeries());
            assertTrue(shard.exactBlock(0) <= 0, "no tail block");
            AggregateResult a = new AggregateResult();
            assertTrue(shard.readAggregate(0, t - 60_000, t, a));
            assertFalse(a.exact());
        } finally {
            shard.close();
        }
    }

    private static int firstAfter(long[] ts, int n, long t) {
        int i = 0;
        while (i < n && ts[i] <= t) {
            i++;
        }
        return i;
    }

    private static double sum(double[] v, int from, int to) {
        double s = 0;
        double c = 0;
        for (int i = from; i < to; i++) {
            double t = s + v[i];
            c += Math.abs(s) >= Math.abs(v[i]) ? (s - t) + v[i] : (v[i] - t) + s;
            s = t;
        }
        return s + c;
    }

    /** Prometheus' quantile: linear interpolation at rank phi * (n - 1). */
    private static double quantile(double[] v, int from, int to, double phi) {
        double[] s = Arrays.copyOfRange(v, from, to);
        Arrays.sort(s);
        double rank = phi * (s.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(s.length - 1, lo + 1);
        double w = rank - lo;
        return s[lo] + (s[hi] - s[lo]) * w;
    }

    private static double distinct(double[] v, int from, int to) {
        Set<Double> seen = new HashSet<>();
        for (int i = from; i < to; i++) {
            seen.add(v[i]);
        }
        return seen.size();
    }
}
