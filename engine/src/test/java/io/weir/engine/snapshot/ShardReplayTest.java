package io.weir.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weir.engine.sketch.SketchFunction.Family;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ShardReplayTest {
    private static final long WINDOW_MS = 600_000;
    /** Small exact blocks, so that busy series are promoted to their sketches during the replay. */
    private static final int EXACT_MAX_BYTES = 512;
    private static final SketchTargets MIXED = new SketchTargets() {
        final AggregateSketchSpec a = AggregateSketchSpec.forWindow(WINDOW_MS, 60);
        final QuantileSketchSpec q = QuantileSketchSpec.forWindow(WINDOW_MS);
        final FrequencySketchSpec f = FrequencySketchSpec.forWindow(WINDOW_MS);

        @Override
        public AggregateSketchSpec aggregate(int id) { return id % 7 == 6 ? null : a; }

        @Override
        public QuantileSketchSpec quantile(int id) { return id % 3 == 0 ? q : null; }

        @Override
        public FrequencySketchSpec frequency(int id) { return id % 5 == 0 ? f : null; }
    };

    private final List<SketchShard> opened = new ArrayList<>();

    @AfterEach
    void closeShards() {
        for (SketchShard s : opened) {
            s.close();
            assertEquals(0, s.bytesReserved(), "off-heap memory back to zero");
        }
    }

    private SketchShard[] shards(int n, SketchTargets targets) {
        SketchShard[] s = new SketchShard[n];
        for (int i = 0; i < n; i++) {
            s[i] = new SketchShard(n, new SlabArena(1L << 30, 1 << 20, 8), targets, EXACT_MAX_BYTES);
            opened.add(s[i]);
        }
        return s;
    }

    /** A WAL's worth of ring batches: series interleaved, with a few NaNs, late samples and too-old samples. */
    private record Batch(int[] ids, long[] timestamps, double[] values) {}

    private static List<Batch> batches(int series, int rounds, int batchSize) {
        SplittableRandom random = new SplittableRandom(5);
        List<Batch> out = new ArrayList<>();
        int total = series * rounds;
        for (int i = 0; i < total; ) {
            int n = Math.min(batchSize, total - i);
            Batch b = new Batch(new int[n], new long[n], new double[n]);
            for (int j = 0; j < n; j++, i++) {
                int id = i % series;
                int round = i / series;
                b.ids[j] = id;
                long ts = 1_700_000_000_000L + round * 15_000L + id % 1000;
                int r = random.nextInt(100);
                b.timestamps[j] = r == 0 ? ts - 20_000 : r == 1 ? ts - 2 * WINDOW_MS : ts; // late, too old
                b.values[j] = r == 2 ? Double.NaN : id % 2 == 0 ? round * 3 + id : Math.sin(round + id) * 100 + random.nextDouble();
            }
            out.add(b);
        }
        return out;
    }

    @Test
    void leavesEverySeriesAsInOrderApplicationDoes() {
        int shardCount = 2;
        // 20,000 series: each shard's 10,000 local ids span ten ranges; buffers of 5,000 samples are handed over
        // more than a hundred times, mid-batch
        int series = 20_000;
        List<Batch> wal = batches(series, 40, 2_000);
        SketchShard[] inOrder = shards(shardCount, MIXED);
        for (Batch b : wal) {
            for (int i = 0; i < b.ids.length; i++) {
                inOrder[b.ids[i] & (shardCount - 1)].update(b.ids[i], b.timestamps[i], b.values[i]);
            }
        }
        SketchShard[] replayed = shards(shardCount, MIXED);
        try (ShardReplay replay = new ShardReplay(replayed, 5_000)) {
            for (Batch b : wal) {
                replay.apply(b.ids.length, b.ids, b.timestamps, b.values);
            }
            replay.finish();
            assertEquals((long) series * 40, replay.samples());
        }
        long promoted = 0;
        for (int s = 0; s < shardCount; s++) {
            SketchShard a = inOrder[s];
            SketchShard b = replayed[s];
            assertEquals(a.samplesApplied(), b.samplesApplied(), "applied, shard " + s);
            assertEquals(a.skippedStale(), b.skippedStale(), "stale, shard " + s);
            assertEquals(a.skippedTooOld(), b.skippedTooOld(), "too old, shard " + s);
            assertEquals(a.sketchedSeries(), b.sketchedSeries(), "sketched, shard " + s);
            assertEquals(a.exactSeries(), b.exactSeries(), "exact, shard " + s);
            assertEquals(a.promotedSeries(), b.promotedSeries(), "promoted, shard " + s);
            assertEquals(a.publishedBytes(), b.publishedBytes(), "published bytes, shard " + s);
            promoted += a.promotedSeries();
            for (int local = 0; local < series / shardCount; local++) {
                int id = local * shardCount + s;
                assertArrayEquals(bytes(a, a.exactBlock(local)), bytes(b, b.exactBlock(local)), "exact block of series " + id);
                for (Family f : Family.values()) {
                    assertArrayEquals(bytes(a, a.block(local, f)), bytes(b, b.block(local, f)), f + " block of series " + id);
                }
            }
        }
        assertTrue(promoted > 0 && promoted < series, "some series promoted, some exact: " + promoted);
    }

    /** The block's bytes, or its index entry (no block, promoted, refused...) as one long. */
    private static byte[] bytes(SketchShard shard, long block) {
        if (block <= 0) {
            return MemorySegment.ofArray(new long[] {block}).toArray(ValueLayout.JAVA_BYTE);
        }
        return shard.arena().segment(block).asSlice(SlabArena.offset(block), SlabArena.blockBytes(block)).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void anApplierFailureReachesTheReadingThread() {
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(WINDOW_MS, 60);
        SketchTargets failing = id -> {
            if (id == 4_321) {
                throw new IllegalStateException("targets broke on series 4321");
            }
            return spec;
        };
        SketchShard[] shards = shards(1, failing);
        List<Batch> wal = batches(10_000, 20, 2_000);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            try (ShardReplay replay = new ShardReplay(shards, 4_096)) {
                for (Batch b : wal) {
                    replay.apply(b.ids.length, b.ids, b.timestamps, b.values);
                }
                replay.finish();
            }
        });
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("targets broke on series 4321", e.getCause().getMessage());
    }

    @Test
    void refusesANegativeSeriesId() {
        SketchShard[] shards = shards(2, MIXED);
        try (ShardReplay replay = new ShardReplay(shards, 4_096)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> replay.apply(2, new int[] {3, -8}, new long[] {1, 2}, new double[] {1, 2}));
            assertEquals("series id -8 in a SAMPLES record", e.getMessage());
        }
    }

    @Test
    void rangesHoldAThousandSeriesOrMoreAndAreAtMost128() {
        assertEquals(10, ShardReplay.rangeShift(0));
        assertEquals(10, ShardReplay.rangeShift(99_999), "100,000 series: 98 ranges of 1,024");
        assertEquals(13, ShardReplay.rangeShift(999_999), "1 M series: 123 ranges of 8,192");
        assertTrue((Integer.MAX_VALUE >>> ShardReplay.rangeShift(Integer.MAX_VALUE)) + 1 <= ShardReplay.MAX_RANGES);
    }

    @Test
    void buffersTakeAnEighthOfTheHeapAtMost() {
        assertEquals(1 << 20, ShardReplay.heapBound(2L << 30, 1), "capped");
        assertEquals((512L << 20) / 8 / 60 / 4, ShardReplay.heapBound(512L << 20, 4));
        assertEquals(1 << 12, ShardReplay.heapBound(4L << 20, 4), "floor");
        assertEquals(1 << 12, ShardReplay.bufferSamples(1_000, 1), "a short replay gets the smallest buffers");
    }
}
