package io.weir.engine.sketch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.weir.engine.sketch.aggregate.ExactAggregate.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AggregateSketchFlyweightTest {
    private static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);
    private static final double REL = 1e-12;

    @Test
    void randomStreamsMatchBruteForce() {
        for (long seed = 1; seed <= 6; seed++) {
            runStream(seed);
        }
    }

    /**
     * A NaN sample is a sample, as in Prometheus: it counts, makes the sums of its bucket (and so of any window
     * holding the bucket) NaN, and min and max ignore it unless every sample of the window is NaN.
     */
    @Test
    void nanSamplesMakeSumsNaN() {
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(300_000, 30); // W = 10s
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(7, spec);
        AggregateResult out = new AggregateResult();
        sketch.update(1_000, 4.0);
        sketch.update(2_000, Double.NaN);
        sketch.update(3_000, 2.0);
        sketch.update(11_000, Double.NaN);   // a bucket that starts with a NaN
        sketch.update(12_000, 7.0);
        sketch.update(21_000, Double.NaN);   // a bucket of NaNs only
        assertEquals(AggregateSketchFlyweight.SKIPPED_STALE, sketch.update(22_000, STALE_NAN));
        sketch.read(0, 10_000, out);
        assertEquals(3.0, out.count());
        assertTrue(Double.isNaN(out.sum()) && Double.isNaN(out.mean()) && Double.isNaN(out.variance()) && Double.isNaN(out.sum2()));
        assertEquals(2.0, out.min());
        assertEquals(4.0, out.max());
        sketch.read(10_000, 20_000, out);
        assertEquals(2.0, out.count());
        assertTrue(Double.isNaN(out.sum()));
        assertEquals(7.0, out.min());
        assertEquals(7.0, out.max());
        sketch.read(20_000, 30_000, out);
        assertEquals(1.0, out.count());
        assertTrue(Double.isNaN(out.sum()) && Double.isNaN(out.min()) && Double.isNaN(out.max()));
        sketch.read(0, 30_000, out);
        assertEquals(6.0, out.count());
        assertEquals(2.0, out.min());
        assertEquals(7.0, out.max());
        assertEquals(1, sketch.skippedStale());
        // with infinities: Inf + NaN is NaN in Prometheus, whichever comes first
        sketch.update(31_000, Double.POSITIVE_INFINITY);
        sketch.update(32_000, Double.NaN);
        sketch.update(41_000, Double.NaN);
        sketch.update(42_000, Double.NEGATIVE_INFINITY);
        sketch.read(30_000, 40_000, out);
        assertTrue(Double.isNaN(out.sum()));
        assertEquals(Double.POSITIVE_INFINITY, out.max());
        sketch.read(40_000, 50_000, out);
        assertTrue(Double.isNaN(out.sum()));
        assertEquals(Double.NEGATIVE_INFINITY, out.min());
    }

    private void runStream(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(300_000, 30); // W = 10s, 31 buckets
        long width = spec.bucketWidthMillis();
        int buckets = spec.bucketCount();
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(7, spec);
        AggregateResult out = new AggregateResult();
        List<Sample> samples = new ArrayList<>();
        double offset = rnd.nextBoolean() ? 0 : (rnd.nextDouble() - 0.5) * 2e6;
        double scale = Math.pow(10, rnd.nextInt(-3, 7));
        long ts = 1_700_000_000_000L + rnd.nextLong(0, 100_000);
        long newestBucket = Long.MIN_VALUE;
        long expectNaN = 0;
        long expectTooOld = 0;
        int queries = 0;
        int exactQueries = 0;
        for (int i = 0; i < 4000; i++) {
            ts += 15_000 + rnd.nextLong(-3000, 3001);             // 15s scrape with jitter
            if (rnd.nextInt(100) == 0) {
                ts += rnd.nextLong(60_000, 400_000);                // gap, sometimes longer than the ring
            }
            long sampleTs = ts;
            if (rnd.nextInt(10) == 0) {
                sampleTs = ts - rnd.nextLong(1, 400_000);           // out of order, sometimes too old
            }
            double value = offset + scale * rnd.nextGaussian();
            int kind = rnd.nextInt(50);
            if (kind <= 1) {
                value = STALE_NAN;                                  // NaN samples: see nanSamplesMakeSumsNaN
            } else if (kind == 2) {
                value = Math.rint(value);                           // repeated integral values
            }
            int status = sketch.update(sampleTs, value);
            long k = Math.floorDiv(sampleTs - 1, width);
            if (Double.isNaN(value)) {
                expectNaN++;
                assertEquals(AggregateSketchFlyweight.SKIPPED_STALE, status);
            } else if (newestBucket != Long.MIN_VALUE && k <= newestBucket - buckets) {
                expectTooOld++;
                assertEquals(AggregateSketchFlyweight.SKIPPED_TOO_OLD, status);
            } else {
                assertEquals(AggregateSketchFlyweight.APPLIED, status);
                newestBucket = Math.max(newestBucket, k);
                samples.add(new Sample(sampleTs, value));
            }
            if (i % 11 == 0) {
                long end = (newestBucket + 1) * width;
                // aligned windows: exact
                for (int back = 0; back < 3; back++) {
                    long t = end - back * width;
                    long w = width * rnd.nextInt(1, buckets - back);
                    sketch.read(t - w, t, out);
                    long ringStart = (newestBucket - buckets + 1) * width;
                    long coverageStart = sketch.coverageStartBucket() * width;
                    assertEquals(t - w >= Math.max(ringStart, coverageStart), out.covered(), out.toString());
                    assertTrue(out.exact(), "aligned window must be exact " + out);
                    if (t - w >= ringStart) {
                        assertExact(ExactAggregate.over(samples, t - w, t), out, "seed " + seed + " i " + i);
                        queries++;
                        exactQueries++;
                    }
                }
                // unaligned windows: within the reported bound
                for (int q = 0; q < 3; q++) {
                    long t = end - rnd.nextLong(0, 5 * width);
                    long w = rnd.nextLong(1, (buckets - 6) * width);
                    sketch.read(t - w, t, out);
                    if (t - w < (newestBucket - buckets + 1) * width) {
                        continue;
                    }
                    assertWithinBound(ExactAggregate.over(samples, t - w, t), out, "seed " + seed + " i " + i);
                    queries++;
                    if (out.exact()) {
                        exactQueries++;
                    }
                }
            }
        }
        assertEquals(expectNaN, sketch.skippedStale());
        assertEquals(expectTooOld, sketch.skippedTooOld());
        assertTrue(expectTooOld > 0 && expectNaN > 0);
        assertTrue(queries > 1500, "queries " + queries + ", exact " + exactQueries);
    }

    static void assertExact(ExactAggregate e, AggregateResult r, String what) {
        assertEquals((double) e.count, r.count(), what + " count " + r);
        if (e.count == 0) {
            assertTrue(Double.isNaN(r.mean()) && Double.isNaN(r.min()), what + r);
            return;
        }
        close(e.sum, r.sum(), REL * Math.abs(e.sum) + 1e-15 * e.sumAbs, what + " sum " + r);
        close(e.sum2, r.sum2(), REL * e.sum2, what + " sum2 " + r);
        close(e.mean, r.mean(), REL * Math.abs(e.mean) + 1e-15 * e.sumAbs / e.count, what + " mean " + r);
        // == rather than equals: -0.0 and 0.0 are the same minimum (Prometheus keeps the first seen)
        assertTrue(e.min == r.min() && e.max == r.max(), what + " min/max " + e.min + " " + e.max + " " + r);
        close(e.variance, r.variance(), REL * e.variance + 1e-15 * e.sum2Abs / e.count, what + " variance " + r);
    }

    static void assertWithinBound(ExactAggregate e, AggregateResult r, String what) {
        if (r.exact()) {
            assertExact(e, r, what);
            return;
        }
        assertTrue(Math.abs(e.count - r.count()) <= r.countErrorBound() + 1e-9, what + " count " + e.count + " " + r);
        assertTrue(r.countErrorBound() > 0);
        if (e.count > 0) {
            assertTrue(Math.abs(e.sum - r.sum()) <= r.sumErrorBound() * (1 + 1e-12) + 1e-12 * e.sumAbs, what + " sum " + e.sum + " " + r);
            assertTrue(Math.abs(e.sum2 - r.sum2()) <= r.sum2ErrorBound() * (1 + 1e-12) + 1e-12 * e.sum2Abs, what + " sum2 " + r);
            // partial buckets are included whole for min and max
            assertTrue(r.min() <= e.min && r.max() >= e.max, what + " min/max " + e.min + " " + e.max + " " + r);
        }
    }

    private static void close(double expected, double actual, double tolerance, String what) {
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + " got " + actual + " (diff " + Math.abs(expected - actual)
                + ", tolerance " + tolerance + ")");
        }
    }

    @Test
    void largeValuesWithSmallSpreadKeepTheirVariance() {
        for (double noise : new double[] {1.0, 1e-3}) {
            SplittableRandom rnd = new SplittableRandom(42);
            AggregateSketchSpec spec = AggregateSketchSpec.forWindow(3_600_000, 60);
            AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, spec);
            List<Sample> samples = new ArrayList<>();
            long t0 = 1_800_000_000_000L - 3_600_000;
            for (long ts = t0 + 1; ts <= t0 + 3_600_000; ts += rnd.nextLong(1, 2_000)) {
                double v = 1e9 + noise * rnd.nextGaussian();
                sketch.update(ts, v);
                samples.add(new Sample(ts, v));
            }
            AggregateResult out = new AggregateResult();
            sketch.read(t0, t0 + 3_600_000, out);
            ExactAggregate e = ExactAggregate.over(samples, t0, t0 + 3_600_000);
            assertTrue(out.exact());
            assertEquals((double) e.count, out.count());
            double relStd = Math.abs(out.stddev() - Math.sqrt(e.variance)) / Math.sqrt(e.variance);
            System.out.printf("1e9 + %s noise: n=%d stddev rel error %.3g, mean rel error %.3g%n", noise, e.count,
                relStd, Math.abs(out.mean() - e.mean) / e.mean);
            assertTrue(relStd < 1e-9, "stddev relative error " + relStd);
            assertExact(e, out, "noise " + noise);
        }
    }

    @Test
    void infinitiesFollowPrometheus() {
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(1000, 11));
        sketch.update(1000, 1.0);
        sketch.update(2000, Double.POSITIVE_INFINITY);
        sketch.update(2500, 3.0);
        AggregateResult out = new AggregateResult();
        sketch.read(0, 10_000, out);
        assertEquals(3.0, out.count());
        assertEquals(Double.POSITIVE_INFINITY, out.sum());
        assertEquals(Double.POSITIVE_INFINITY, out.mean());
        assertEquals(Double.POSITIVE_INFINITY, out.max());
        assertEquals(1.0, out.min());
        assertTrue(Double.isNaN(out.variance()));
        sketch.read(0, 1000, out);
        assertEquals(1.0, out.sum());
        assertEquals(0.0, out.variance());
        sketch.update(3000, Double.NEGATIVE_INFINITY);
        sketch.read(0, 10_000, out);
        assertTrue(Double.isNaN(out.sum()));
        assertEquals(Double.NEGATIVE_INFINITY, out.min());
    }

    @Test
    void bucketsAreLeftOpenRightClosed() {
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(1000, 5));
        sketch.update(1000, 1.0);   // bucket 0: (0, 1000]
        sketch.update(1001, 2.0);   // bucket 1
        sketch.update(2000, 4.0);   // bucket 1
        AggregateResult out = new AggregateResult();
        sketch.read(1000, 2000, out);
        assertTrue(out.exact());
        assertEquals(2.0, out.count());
        assertEquals(6.0, out.sum());
        sketch.read(0, 1000, out);
        assertEquals(1.0, out.sum());
        assertEquals(0, sketch.coverageStartBucket());
        assertEquals(0, out.coverageStartMs());
        assertTrue(out.covered());
        // expiry: bucket 10 pushes buckets <= 5 out of the 5-slot ring
        sketch.update(10_500, 8.0);
        assertEquals(AggregateSketchFlyweight.SKIPPED_TOO_OLD, sketch.update(5_000, 1.0));
        sketch.read(0, 11_000, out);
        assertFalse(out.covered());
        assertEquals(6_000, out.retainedStartMs());
        assertEquals(11_000, out.retainedEndMs());
        assertEquals(1.0, out.count());
        assertEquals(8.0, out.sum());
        // out of order within the ring lands in its bucket
        assertEquals(AggregateSketchFlyweight.APPLIED, sketch.update(7_000, 2.0));
        sketch.read(6_000, 7_000, out);
        assertEquals(2.0, out.sum());
        // an empty window
        sketch.read(8_000, 9_000, out);
        assertEquals(0.0, out.count());
        assertTrue(Double.isNaN(out.mean()));
    }

    @Test
    void unalignedWindowInterpolatesOnlyBucketsSplitByAnEdge() {
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(10_000, 4));
        for (long ts = 1_000; ts <= 10_000; ts += 1_000) {
            sketch.update(ts, 1.0);  // bucket 0: ten samples in [1000, 10000]
        }
        sketch.update(12_000, 5.0);  // bucket 1: a single sample
        AggregateResult out = new AggregateResult();
        sketch.read(5_500, 13_000, out); // true count 5 + 1
        assertFalse(out.exact());
        assertEquals(1 + 10 * (4500.0 / 9001.0), out.count(), 1e-12);
        assertTrue(Math.abs(out.count() - 6) <= out.countErrorBound());
        sketch.read(0, 13_000, out);   // both buckets' samples fully inside although the edge is unaligned
        assertTrue(out.exact());
        assertEquals(11.0, out.count());
    }

    @Test
    void largeCountersWithResetsStayExactOnAlignedWindows() {
        // sum and sum2 are derived from n, K and the shifted sums: a bucket whose first sample (K) is a large counter
        // value just before a reset is the hard case for that derivation
        for (double start : new double[] {0, 1e9, 1e12}) {
            SplittableRandom rnd = new SplittableRandom(7);
            AggregateSketchSpec spec = new AggregateSketchSpec(60_000, 31);
            AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, spec);
            List<Sample> samples = new ArrayList<>();
            long t0 = 1_800_000_000_000L;
            double counter = start;
            for (long ts = t0 + 1; ts <= t0 + 30 * 60_000; ts += 100) {
                counter = rnd.nextInt(3000) == 0 ? rnd.nextDouble() : counter + rnd.nextDouble() * 1000;
                sketch.update(ts, counter);
                samples.add(new Sample(ts, counter));
            }
            AggregateResult out = new AggregateResult();
            for (int from = 0; from < 30; from++) {
                for (int len : new int[] {1, 2, 7, 30 - from}) {
                    long s0 = t0 + from * 60_000L;
                    long s1 = Math.min(t0 + 30 * 60_000L, s0 + len * 60_000L);
                    sketch.read(s0, s1, out);
                    assertTrue(out.exact());
                    assertExact(ExactAggregate.over(samples, s0, s1), out, "start " + start + " (" + s0 + ", " + s1 + "]");
                }
            }
        }
    }

    @Test
    void negativeInfinityAloneAndInfinityFirstInABucket() {
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(1000, 11));
        sketch.update(1000, Double.NEGATIVE_INFINITY);
        sketch.update(1500, 2.0);
        sketch.update(2000, Double.POSITIVE_INFINITY);
        sketch.update(2500, 3.0);
        AggregateResult out = new AggregateResult();
        sketch.read(0, 1000, out);
        assertEquals(Double.NEGATIVE_INFINITY, out.sum());
        assertEquals(Double.POSITIVE_INFINITY, out.sum2());
        assertEquals(Double.NEGATIVE_INFINITY, out.mean());
        assertTrue(Double.isNaN(out.variance()));
        sketch.read(1000, 2000, out);
        assertEquals(2.0, out.count());
        assertEquals(Double.POSITIVE_INFINITY, out.sum());
        assertEquals(2.0, out.min());
        assertTrue(Double.isNaN(out.variance()));
        sketch.read(0, 3000, out);
        assertTrue(Double.isNaN(out.sum()));
    }

    @Test
    void tagsStayUnambiguousAfterAJumpOfTwoToTheThirtyTwoBuckets() {
        // W = 1 ms and 4 slots: bucket k and bucket k + 2^32 share a slot and a 32-bit tag
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(1, 4));
        for (long ts = 1; ts <= 4; ts++) {
            sketch.update(ts, 1.0);  // buckets 0..3
        }
        long far = 1L << 32;
        assertEquals(AggregateSketchFlyweight.APPLIED, sketch.update(far + 4, 5.0)); // bucket 2^32 + 3, slot 3
        AggregateResult out = new AggregateResult();
        sketch.read(far, far + 4, out);   // buckets 2^32 .. 2^32 + 3: slots 0-2 still hold buckets 0-2
        assertEquals(1.0, out.count(), out.toString());
        assertEquals(5.0, out.sum());
        assertEquals(AggregateSketchFlyweight.APPLIED, sketch.update(far + 1, 7.0)); // out of order into slot 0
        sketch.read(far, far + 4, out);
        assertEquals(2.0, out.count(), out.toString());
        assertEquals(12.0, out.sum());
        assertEquals(far, sketch.bucketIndex(0));
        assertEquals(AggregateSketchDescriptor.EMPTY, sketch.bucketIndex(1));
    }

    @Test
    void aFullBucketRefusesFurtherSamples() {
        AggregateSketchFlyweight sketch = AggregateSketchFlyweight.onHeap(1, new AggregateSketchSpec(1000, 4));
        sketch.update(500, 1.0);
        sketch.segment().set(java.lang.foreign.ValueLayout.JAVA_INT,
            AggregateSketchDescriptor.bucketOffset(0) + AggregateSketchDescriptor.BUCKET_SAMPLE_COUNT_OFFSET, Integer.MAX_VALUE);
        assertEquals(AggregateSketchFlyweight.SKIPPED_BUCKET_FULL, sketch.update(600, 1.0));
        assertEquals(1, sketch.skippedBucketFull());
        assertEquals(AggregateSketchFlyweight.APPLIED, sketch.update(1500, 1.0));
    }

    @Test
    void layoutIsSeventyTwoBytesPerBucket() {
        assertEquals(72, AggregateSketchDescriptor.BUCKET_LENGTH);
        assertEquals(AggregateSketchDescriptor.BUCKET_LENGTH, AggregateSketchDescriptor.BUCKET_MAX_OFFSET + 8);
        // the 1e5-sample window (1e5 s) at the default cap fits 16 KiB
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(100_000_000L, 225);
        assertEquals(450_000, spec.bucketWidthMillis());
        assertTrue(spec.blockLength() <= 16 * 1024, "block " + spec.blockLength());
    }
}
