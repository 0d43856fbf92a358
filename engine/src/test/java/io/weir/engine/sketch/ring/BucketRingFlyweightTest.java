package io.weir.engine.sketch.ring;

import static io.weir.engine.sketch.ring.BucketRingDescriptor.BUCKET_HEADER_LENGTH;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.BUCKET_SAMPLE_COUNT_OFFSET;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.EMPTY;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.StaleMarker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BucketRingFlyweightTest {
    /** The ring alone: buckets with no payload beyond the slot header, so a bucket is its sample count. */
    private static final class CountingRing extends BucketRingFlyweight {
        static CountingRing onHeap(long width, int buckets) {
            long bytes = BucketRingDescriptor.blockLength(HEADER_LENGTH, BUCKET_HEADER_LENGTH, buckets);
            CountingRing ring = new CountingRing();
            ring.wrapRing(MemorySegment.ofArray(new long[(int) (bytes / 8)]), 0, HEADER_LENGTH, BUCKET_HEADER_LENGTH);
            ring.initRing(1, SketchFunction.Family.AGGREGATE, width, buckets);
            return ring;
        }

        int add(long timestampMs, double value) {
            if (StaleMarker.is(value)) {
                return countStale();
            }
            int located = locate(timestampMs);
            if (located == APPLIED) {
                beginWrite();
                place();
                endWrite();
            }
            return located;
        }

        /** The window walk as (bucket, count) pairs. */
        List<List<Long>> walk(long startExclusive, long endInclusive) {
            List<List<Long>> seen = new ArrayList<>();
            openWindow(startExclusive, endInclusive, newestBucket());
            while (nextBucket()) {
                seen.add(List.of(windowBucket(), (long) segment().get(ValueLayout.JAVA_INT, windowSlot() + BUCKET_SAMPLE_COUNT_OFFSET)));
            }
            return seen;
        }
    }

    /** Random streams (forward, out of order, too old; across tag epochs) against a map of accepted samples per bucket. */
    @Test
    void randomStreamsMatchBruteForce() {
        SplittableRandom random = new SplittableRandom(11);
        long[] widths = {1, 7, 1000};
        for (int round = 0; round < 300; round++) {
            long width = widths[random.nextInt(widths.length)];
            int buckets = 2 + random.nextInt(9);
            long[] bases = {0, (1L << 30) * width, (1L << 31) * width, -(1L << 30) * width};
            CountingRing ring = CountingRing.onHeap(width, buckets);
            Map<Long, Long> counts = new HashMap<>();
            long coverage = EMPTY;
            long newest = EMPTY;
            long tooOld = 0;
            long t = bases[random.nextInt(bases.length)] + random.nextLong(-50 * width, 50 * width);
            for (int i = 0; i < 300; i++) {
                t += random.nextLong(-3 * width, 4 * width);
                long k = Math.floorDiv(t - 1, width);
                int expected = BucketRingFlyweight.APPLIED;
                if (coverage != EMPTY && k <= newest - buckets) {
                    expected = BucketRingFlyweight.SKIPPED_TOO_OLD;
                    tooOld++;
                } else {
                    if (coverage == EMPTY) {
                        coverage = k;
                        newest = k;
                    }
                    newest = Math.max(newest, k);
                    counts.merge(k, 1L, Long::sum);
                }
                assertEquals(expected, ring.add(t, 1.0), "sample " + i + " at " + t);
            }
            assertEquals(BucketRingFlyweight.SKIPPED_STALE, ring.add(t, StaleMarker.VALUE));
            assertEquals(1, ring.skippedStale());
            assertEquals(tooOld, ring.skippedTooOld());
            assertEquals(coverage, ring.coverageStartBucket());
            assertEquals(newest, ring.newestBucket());
            assertEquals(Math.max(coverage, newest - buckets + 1), ring.oldestBucket(coverage, newest));
            for (int slot = 0; slot < buckets; slot++) {
                long held = ring.bucketIndex(slot);
                long expected = EMPTY;
                for (long k = newest - buckets + 1; k <= newest; k++) {
                    if (Math.floorMod(k, buckets) == slot && counts.containsKey(k)) {
                        expected = k;
                    }
                }
                if (expected != EMPTY) {
                    assertEquals(expected, held, "slot " + slot);
                } else {
                    // empty, or an expired bucket the slot keeps until it is reused (lazy expiry)
                    assertTrue(held == EMPTY || held <= newest - buckets, "slot " + slot + " holds " + held);
                }
            }
            for (int q = 0; q < 40; q++) {
                long start = random.nextLong((newest - buckets - 2) * width, (newest + 2) * width);
                long end = start + 1 + random.nextLong((buckets + 3) * width);
                List<List<Long>> expected = new ArrayList<>();
                long lo = Math.max(Math.floorDiv(start, width), newest - buckets + 1);
                long hi = Math.min(Math.floorDiv(end - 1, width), newest);
                for (long k = lo; k <= hi; k++) {
                    if (counts.containsKey(k)) {
                        expected.add(List.of(k, counts.get(k)));
                    }
                }
                assertEquals(expected, ring.walk(start, end), "window (" + start + ", " + end + "]");
            }
        }
    }

    @Test
    void aJumpOfTwoToTheThirtyTwoBucketsLeavesNoStaleTagBehind() {
        // W = 1 ms and 4 slots: bucket k and bucket k + 2^32 share a slot and a 32-bit tag
        CountingRing ring = CountingRing.onHeap(1, 4);
        for (long ts = 1; ts <= 4; ts++) {
            ring.add(ts, 1.0); // buckets 0..3
        }
        long far = 1L << 32;
        assertEquals(BucketRingFlyweight.APPLIED, ring.add(far + 4, 1.0)); // bucket 2^32 + 3, slot 3
        assertEquals(EMPTY, ring.bucketIndex(0));
        assertEquals(List.of(List.of(far + 3, 1L)), ring.walk(far, far + 4));
        assertEquals(BucketRingFlyweight.APPLIED, ring.add(far + 1, 1.0)); // bucket 2^32 starts afresh in slot 0
        assertEquals(List.of(List.of(far, 1L), List.of(far + 3, 1L)), ring.walk(far, far + 4));
        assertEquals(BucketRingFlyweight.SKIPPED_TOO_OLD, ring.add(4, 1.0));
    }

    @Test
    void aFullBucketRefusesMoreAndCountsThem() {
        CountingRing ring = CountingRing.onHeap(1000, 4);
        ring.add(500, 1.0);
        ring.segment().set(ValueLayout.JAVA_INT, ring.slotAddress(0) + BUCKET_SAMPLE_COUNT_OFFSET, Integer.MAX_VALUE);
        assertEquals(BucketRingFlyweight.SKIPPED_BUCKET_FULL, ring.add(600, 1.0));
        assertEquals(1, ring.skippedBucketFull());
        assertEquals(BucketRingFlyweight.APPLIED, ring.add(1500, 1.0));
    }

    @Test
    void shareOfAnEdgeBucketIsTheCoveredPartOfItsSampleSpan() {
        assertEquals(1.0, BucketRingFlyweight.share(10, 19, 9, 19));   // the span lies inside
        assertEquals(0.0, BucketRingFlyweight.share(10, 19, 19, 30));  // after it
        assertEquals(0.0, BucketRingFlyweight.share(10, 19, 0, 9));    // before it
        assertEquals(0.5, BucketRingFlyweight.share(10, 19, 14, 30));  // 15..19 of 10..19
        assertEquals(1.0, BucketRingFlyweight.share(10, 10, 9, 10));   // one sample
    }
}
