package io.weir.engine.sketch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.exact.ExactSamplesFlyweight;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Aggregate answers of exact windows read with chunk moments (long windows merge the moments the writer laid for
 * each whole chunk, and decode only their ends) against an exact oracle over the raw samples: count, min, max
 * exactly, the sum and the variance to within float rounding, computed in {@link BigDecimal}. Streams in order,
 * compacted (checkpoints and their moments carried) and appended to again, and with NaN and infinite samples (their
 * chunks have no moments and are decoded).
 */
class ChunkMomentsReadTest {
    private static final MathContext MC = new MathContext(60);

    @Test
    void chunkedReadsMatchTheOracle() {
        SplittableRandom rnd = new SplittableRandom(21);
        int chunked = 0;
        cutReads = 0;
        prunedReads = 0;
        for (int round = 0; round < 80; round++) {
            int n = 300 + rnd.nextInt(6_000);
            int kind = round % 8;
            int capacity = n * 24 + 8192 + n / 2;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
                f.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
                long[] ts = new long[n];
                double[] vs = new double[n];
                long t = 1_000_000;
                double counter = 0;
                for (int i = 0; i < n; i++) {
                    t += rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(2_000);
                    ts[i] = t;
                    vs[i] = switch (kind) {
                        case 0 -> 1e6 + rnd.nextGaussian() * 1e-3; // a large mean, a tiny spread: cancellation
                        case 1 -> counter += rnd.nextInt(50);
                        case 2 -> Math.round(rnd.nextDouble() * 10_000) / 100.0;
                        case 3 -> rnd.nextInt(400) == 0 ? special(rnd) : rnd.nextGaussian() * 100;
                        case 4 -> rnd.nextDouble() < 0.5 ? rnd.nextGaussian() * 1e12 : rnd.nextGaussian() * 1e-6;
                        // few values: every chunk ties the window's extremes
                        case 6 -> rnd.nextInt(7) - 3;
                        // extremes that are zeros of either sign: a tie there is not the same answer
                        case 7 -> switch (rnd.nextInt(4)) {
                            case 0 -> 0.0;
                            case 1 -> -0.0;
                            default -> (round % 16 < 8 ? -1 : 1) * (1 + rnd.nextInt(3)); // max a zero, then min a zero
                        };
                        default -> rnd.nextGaussian() * 100;
                    };
                    if (kind == 5 && i == 5) {
                        ts[i] = ts[i - 1] - 5_000; // one late sample: the stream is out of order until compacted
                    }
                    assertEquals(ExactSamplesFlyweight.APPLIED, f.append(ts[i], vs[i]));
                }
                chunked += check(f, ts, vs, 0, rnd);
                // kind 5: the compaction drops the late sample and lays the kept stream (in order again) afresh,
                // moments included
                int drop = (kind == 5 ? 6 : 0) + rnd.nextInt(n / 2);
                MemorySegment seg2 = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight g = new ExactSamplesFlyweight().wrap(seg2, 0);
                if (g.wrap(seg2, 0) != null && f.compactInto(g, ts[drop] - 1, capacity)) {
                    int first = 0;
                    while (ts[first] <= ts[drop] - 1) {
                        first++;
                    }
                    chunked += check(g, ts, vs, first, rnd);
                }
            }
        }
        assertTrue(chunked > 1_000, "windows read through chunk moments: " + chunked);
        assertTrue(cutReads > 500, "windows whose first chunk was cut by subtraction: " + cutReads);
        assertTrue(prunedReads > 100, "windows whose extrema-only read left the first chunk out: " + prunedReads);
    }

    /**
     * A NaN or an infinity before the window's start, in the chunk that holds the start: the chunk cannot be cut by
     * subtraction (its sum is not finite), so the sums-only read decodes it and the answer is the window's finite sum.
     */
    @Test
    void aNonFiniteSampleBeforeTheWindowInItsFirstChunkStaysOutOfTheSum() {
        for (double special : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            int n = 2_000;
            int capacity = n * 24 + 8192;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
                f.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
                for (int i = 0; i < n; i++) {
                    // sample 300 (chunk 1: samples 256-511 after checkpoint 0) is the special one
                    assertEquals(ExactSamplesFlyweight.APPLIED, f.append(1_000L * (i + 1), i == 300 ? special : i));
                }
                // the window (sample 400, sample 1999]: starts inside chunk 1, after the special sample
                long start = 1_000L * 401;
                long end = 1_000L * n;
                AggregateResult sums = new AggregateResult().spreadWanted(false).extremaWanted(false);
                ExactWindow w = new ExactWindow();
                f.read(start, end, w, true, sums.firstChunk());
                assertTrue(w.chunks() > 0, "read through chunk moments");
                sums.readExact(start, end, w);
                double expected = 0;
                for (int i = 401; i < n; i++) {
                    expected += i;
                }
                assertEquals(n - 401, sums.count(), "count after " + special);
                assertEquals(expected, sums.sum(), 0.0, "sum after " + special);
            }
        }
    }

    /**
     * The extremes-only read at now leaves the window's first chunk out when it ties a non-zero extreme of the rest
     * (few distinct values: the common case), but reads it when the tie is a zero: -0.0 == 0.0, yet the window
     * (0.0 in its first chunk, -0.0 the rest's only zero) has max 0.0, not -0.0 (and min -0.0 mirrored).
     */
    @Test
    void aTieWithTheRestLeavesTheFirstChunkOutUnlessTheExtremeIsAZero() {
        for (double sign : new double[] {1, -1}) {
            int n = 2_000;
            int capacity = n * 24 + 8192;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight ties = new ExactSamplesFlyweight().wrap(seg, 0);
                ties.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
                MemorySegment seg2 = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight zeros = new ExactSamplesFlyweight().wrap(seg2, 0);
                zeros.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
                for (int i = 0; i < n; i++) {
                    long t = 1_000L * (i + 1);
                    assertEquals(ExactSamplesFlyweight.APPLIED, ties.append(t, 1 + i % 5));
                    // sample 300 lies in chunk 1 (after checkpoint 0), sample 1500 in a later one
                    double v = i == 300 ? 0.0 * sign : i == 1_500 ? -0.0 * sign : -sign * (1 + i % 3);
                    assertEquals(ExactSamplesFlyweight.APPLIED, zeros.append(t, v));
                }
                long start = 1_000L * 299;
                long end = 1_000L * n;
                AggregateResult extremes = new AggregateResult().spreadWanted(false);
                AggregateResult reference = new AggregateResult();
                ExactWindow w = new ExactWindow();
                ExactWindow all = new ExactWindow();
                ties.read(start, end, w, true, extremes.firstChunk());
                ties.read(start, end, all, true);
                assertTrue(w.size() < all.size(), "the tied first chunk left out: " + w.size() + " of " + all.size());
                extremes.readExact(start, end, w);
                assertEquals(1.0, extremes.min(), 0.0);
                assertEquals(5.0, extremes.max(), 0.0);
                zeros.read(start, end, w, true, extremes.firstChunk());
                extremes.readExact(start, end, w);
                zeros.read(start, end, all);
                reference.readExact(start, end, all);
                assertSame(sign > 0 ? 0.0 : -0.0, sign > 0 ? reference.max() : reference.min(), "the oracle's zero");
                assertSame(reference.max(), extremes.max(), "max with a zero tie");
                assertSame(reference.min(), extremes.min(), "min with a zero tie");
            }
        }
    }

    /** Windows whose sums-only read decoded fewer samples than the read of every moment (the cut first chunk). */
    private static int cutReads;
    /** Windows whose extrema-only read left the first chunk's samples out. */
    private static int prunedReads;

    private static double special(SplittableRandom rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> Double.NaN;
            case 1 -> Double.POSITIVE_INFINITY;
            default -> Double.NEGATIVE_INFINITY;
        };
    }

    /** Random windows of the block holding samples {@code first..}: the answers against the oracle. */
    private static int check(ExactSamplesFlyweight f, long[] ts, double[] vs, int first, SplittableRandom rnd) {
        ExactWindow w = new ExactWindow();
        ExactWindow plain = new ExactWindow();
        AggregateResult r = new AggregateResult();
        AggregateResult reference = new AggregateResult();
        AggregateResult quick = new AggregateResult().spreadWanted(false);
        // avg, sum and count: the window's first chunk is cut by subtraction (ExactSamplesFlyweight.cutFirstChunk)
        AggregateResult sums = new AggregateResult().spreadWanted(false).extremaWanted(false);
        ExactWindow cut = new ExactWindow();
        // min and max: the window's first chunk left out where its extremes lie inside the rest's (or tie a non-zero)
        AggregateResult extremes = new AggregateResult().spreadWanted(false);
        ExactWindow pruned = new ExactWindow();
        int chunked = 0;
        long lo = ts[first] - 5_000;
        long hi = ts[ts.length - 1] + 5_000;
        for (int q = 0; q < 40; q++) {
            long a = lo + (long) (rnd.nextDouble() * (hi - lo) * (q % 2 == 0 ? 0.2 : 1.0));
            // a quarter of the windows end at or after the newest sample (an instant query at now: the open chunk)
            long b = q % 4 == 3 ? hi - rnd.nextInt(5_000) : a + (long) (rnd.nextDouble() * (hi - a));
            f.read(a, b, w, true);
            chunked += w.chunks() > 0 ? 1 : 0;
            r.readExact(a, b, w);
            quick.readExact(a, b, w);
            f.read(a, b, cut, true, sums.firstChunk());
            sums.readExact(a, b, cut);
            f.read(a, b, plain);
            reference.readExact(a, b, plain);
            f.read(a, b, pruned, true, extremes.firstChunk());
            extremes.readExact(a, b, pruned);
            String window = "window (" + a + ", " + b + "] of " + ts.length + " samples (extrema only)";
            assertSame(reference.min(), extremes.min(), window + " min");
            assertSame(reference.max(), extremes.max(), window + " max");
            assertEquals(reference.count() > 0, extremes.count() > 0, window + " non-empty");
            prunedReads += pruned.size() < w.size() ? 1 : 0;
            String at = "window (" + a + ", " + b + "] of " + ts.length + " samples, " + w.chunks() + " chunks";
            int count = 0;
            boolean finite = true;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            BigDecimal sum = BigDecimal.ZERO;
            BigDecimal sum2 = BigDecimal.ZERO;
            double abs = 0;
            for (int i = first; i < ts.length; i++) {
                if (ts[i] > a && ts[i] <= b) {
                    count++;
                    double x = vs[i];
                    if (!Double.isFinite(x)) {
                        finite = false;
                        continue;
                    }
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                    BigDecimal bx = new BigDecimal(x);
                    sum = sum.add(bx);
                    sum2 = sum2.add(bx.multiply(bx));
                    abs += Math.abs(x);
                }
            }
            assertEquals(count, r.count(), at);
            assertTrue(r.exact(), at);
            assertEquals(count, sums.count(), at + " (sums only)");
            assertTrue(sums.exact(), at);
            if (!finite) {
                assertSame(reference.sum(), sums.sum(), at + " sum (sums only)");
                assertSame(reference.mean(), sums.mean(), at + " mean (sums only)");
                // Prometheus' rules for NaN and infinities: the same answers as the sample-by-sample read
                assertSame(reference.sum(), r.sum(), at + " sum");
                assertSame(reference.min(), r.min(), at + " min");
                assertSame(reference.max(), r.max(), at + " max");
                assertSame(reference.mean(), r.mean(), at + " mean");
                assertSame(reference.variance(), r.variance(), at + " variance");
                continue;
            }
            if (count == 0) {
                assertTrue(Double.isNaN(r.mean()), at);
                continue;
            }
            assertEquals(min, r.min(), 0.0, at + " min");
            assertEquals(max, r.max(), 0.0, at + " max");
            assertEquals(min, quick.min(), 0.0, at + " min (one pass)");
            assertEquals(max, quick.max(), 0.0, at + " max (one pass)");
            double exactSum = sum.doubleValue();
            assertEquals(exactSum, r.sum(), 1e-15 * abs + Math.ulp(exactSum), at + " sum");
            assertEquals(exactSum, quick.sum(), 1e-15 * abs + Math.ulp(exactSum), at + " sum (one pass)");
            assertEquals(exactSum, sums.sum(), 1e-15 * abs + Math.ulp(exactSum), at + " sum (sums only)");
            assertEquals(exactSum / count, sums.mean(), (1e-15 * abs + Math.ulp(exactSum)) / count + Math.ulp(sums.mean()),
                at + " mean (sums only)");
            cutReads += cut.size() < w.size() ? 1 : 0;
            assertEquals(exactSum / count, r.mean(), (1e-15 * abs + Math.ulp(exactSum)) / count + Math.ulp(r.mean()),
                at + " mean");
            BigDecimal n = BigDecimal.valueOf(count);
            double variance = sum2.subtract(sum.multiply(sum, MC).divide(n, MC)).divide(n, MC).doubleValue();
            double scale = Math.max(Math.abs(max), Math.abs(min));
            assertEquals(variance, r.variance(), 1e-9 * variance + 1e-13 * scale * scale, at + " variance");
        }
        return chunked;
    }

    private static void assertSame(double expected, double actual, String what) {
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
            what + ": expected " + expected + ", got " + actual);
    }
}
