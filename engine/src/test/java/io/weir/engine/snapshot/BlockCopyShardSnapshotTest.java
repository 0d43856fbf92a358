package io.weir.engine.snapshot;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockCopyShardSnapshotTest {
    private static final SketchTargets ALL = new SketchTargets() {
        final AggregateSketchSpec a = AggregateSketchSpec.forWindow(600_000, 60);
        final QuantileSketchSpec q = QuantileSketchSpec.forWindow(600_000);
        final FrequencySketchSpec f = FrequencySketchSpec.forWindow(600_000);

        @Override
        public AggregateSketchSpec aggregate(int id) { return id % 5 == 4 ? null : a; }

        @Override
        public QuantileSketchSpec quantile(int id) { return id % 3 == 0 ? q : null; }

        @Override
        public FrequencySketchSpec frequency(int id) { return id % 2 == 0 ? f : null; }
    };

    private static SketchShard[] shards(int n) {
        SketchShard[] s = new SketchShard[n];
        for (int i = 0; i < n; i++) {
            s[i] = new SketchShard(n, new SlabArena(256L << 20, 1 << 20, 8), ALL);
        }
        return s;
    }

    private static String answers(SketchShard[] shards, int series) {
        StringBuilder sb = new StringBuilder();
        AggregateResult a = new AggregateResult();
        QuantileResult q = new QuantileResult();
        FrequencyResult f = new FrequencyResult();
        for (int id = 0; id < series; id++) {
            SketchShard s = shards[id & (shards.length - 1)];
            if (s.readAggregate(id, 0, 1_000_000, a)) {
                sb.append(id).append(" a ").append(a.count()).append(' ').append(a.sum()).append(' ').append(a.min()).append(' ').append(a.max()).append('\n');
            }
            if (s.readQuantile(id, 0, 1_000_000, q)) {
                sb.append(id).append(" q ").append(q.quantile(0.5)).append(' ').append(q.quantile(0.9)).append('\n');
            }
            if (s.readFrequency(id, 0, 1_000_000, f)) {
                sb.append(id).append(" f ").append(f.distinct()).append(' ').append(f.l2()).append('\n');
            }
            // a short recent window too: a promoted series answers it from its exact tail
            if (s.readAggregate(id, 290_000, 1_000_000, a)) {
                sb.append(id).append(" recent ").append(a.count()).append(' ').append(a.sum()).append(' ').append(a.exact()).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void restoresEveryFamilyIdenticallyIntoAnotherShardCount() throws IOException {
        int series = 200;
        SketchShard[] from = shards(2);
        SketchShard[] into = shards(4);
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        try {
            for (int t = 0; t < 300; t++) {
                for (int id = 0; id < series; id++) {
                    from[id & 1].update(id, 1000L * t + id, (t * 7 + id) % 23);
                }
            }
            String before = answers(from, series);
            assertTrue(before.contains(" q ") && before.contains(" f ") && before.contains(" a "), before);
            long restored = 0;
            for (SketchShard s : from) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (CapturedShardState state = format.capture(s, format.reserve(s))) {
                    state.writeTo(out);
                }
                restored += format.restore(into, new ByteArrayInputStream(out.toByteArray()));
            }
            assertEquals(before, answers(into, series));
            long sketched = 0;
            for (SketchShard s : into) {
                sketched += s.sketchedSeries();
            }
            assertEquals(from[0].sketchedSeries() + from[1].sketchedSeries(), sketched);
            assertTrue(restored > series, "three families");
            // the restored sketches keep taking samples
            into[5 & 3].update(5, 300_000, 1000);
            AggregateResult a = new AggregateResult();
            assertTrue(into[5 & 3].readAggregate(5, 0, 1_000_000, a));
            assertEquals(1000, a.max());
            // and a shard can be emptied again (a restore that failed half-way)
            BlockCopyShardSnapshot.clear(into[1]);
            assertEquals(0, into[1].sketchedSeries());
            assertFalse(into[1].readAggregate(1, 0, 1_000_000, a));
        } finally {
            for (SketchShard s : from) {
                s.close();
            }
            for (SketchShard s : into) {
                s.close();
            }
        }
    }

    /**
     * Quantile and frequency blocks start small and resize with their data (docs/sketches.md): a restored block keeps
     * the size it was captured at and the most it may grow to, so after the restore it grows on exactly as the
     * captured shard's block does, and both answer alike.
     */
    @Test
    void restoredBlocksGrowOnAsTheCapturedOnes() throws IOException {
        int series = 60;
        SketchShard[] from = shards(1);
        SketchShard[] into = shards(1);
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        try {
            // a few values first: small tables
            for (int t = 0; t < 200; t++) {
                for (int id = 0; id < series; id++) {
                    from[0].update(id, 1000L * t + id, (t + id) % 5);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CapturedShardState state = format.capture(from[0], format.reserve(from[0]))) {
                state.writeTo(out);
            }
            format.restore(into, new ByteArrayInputStream(out.toByteArray()));
            assertEquals(answers(from, series), answers(into, series));
            long resizedBefore = into[0].resizedBlocks();
            // then values over six decades, out of order in value: both shards' tables grow
            for (int t = 200; t < 500; t++) {
                for (int id = 0; id < series; id++) {
                    double v = Math.pow(10, ((t * 7919L + id * 104729L) % 6000) / 1000.0);
                    from[0].update(id, 1000L * t + id, v);
                    into[0].update(id, 1000L * t + id, v);
                }
            }
            assertTrue(into[0].resizedBlocks() > resizedBefore, "the restored blocks grew");
            assertEquals(answers(from, series), answers(into, series));
        } finally {
            from[0].close();
            into[0].close();
        }
    }

    /**
     * With the exact tier on, series in both states travel: those still held as raw samples (exact blocks) and
     * those promoted to sketches; after the restore both answer as before and keep taking samples.
     */
    @Test
    void restoresExactTierAndPromotedSeries() throws IOException {
        int series = 64;
        SketchShard[] from = new SketchShard[2];
        SketchShard[] into = new SketchShard[2];
        for (int i = 0; i < 2; i++) {
            from[i] = new SketchShard(2, new SlabArena(256L << 20, 1 << 20, 8), ALL, 2048);
            into[i] = new SketchShard(2, new SlabArena(256L << 20, 1 << 20, 8), ALL, 2048);
        }
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        java.util.Random random = new java.util.Random(7);
        try {
            for (int t = 0; t < 300; t++) {
                for (int id = 0; id < series; id++) {
                    // every fourth series has incompressible values and outgrows its exact block
                    double v = id % 4 == 0 ? random.nextDouble() * 1e6 : (t * 7 + id) % 23;
                    from[id & 1].update(id, 1000L * t + id, v);
                }
            }
            long exact = from[0].exactSeries() + from[1].exactSeries();
            long promoted = from[0].promotedSeries() + from[1].promotedSeries();
            assertTrue(exact > 0 && promoted > 0, "exact " + exact + ", promoted " + promoted);
            String before = answers(from, series);
            for (SketchShard s : from) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (CapturedShardState state = format.capture(s, format.reserve(s))) {
                    state.writeTo(out);
                }
                format.restore(into, new ByteArrayInputStream(out.toByteArray()));
            }
            assertEquals(before, answers(into, series));
            assertEquals(exact, into[0].exactSeries() + into[1].exactSeries());
            assertEquals(from[0].sketchedSeries() + from[1].sketchedSeries(), into[0].sketchedSeries() + into[1].sketchedSeries());
            // both kinds keep taking samples, in the state they were restored in
            for (int id : new int[] {0, 1}) {
                from[id & 1].update(id, 300_500, 5000);
                into[id & 1].update(id, 300_500, 5000);
            }
            assertEquals(answers(from, series), answers(into, series));
        } finally {
            for (SketchShard s : from) {
                s.close();
            }
            for (SketchShard s : into) {
                s.close();
            }
        }
    }

    @Test
    void refusesAMalformedStreamWithAClearError() throws IOException {
        SketchShard[] from = shards(1);
        SketchShard[] into = shards(1);
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        try {
            from[0].update(1, 1000, 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CapturedShardState state = format.capture(from[0], null)) {
                state.writeTo(out);
            }
            byte[] good = out.toByteArray();
            byte[] truncated = java.util.Arrays.copyOf(good, good.length - 100);
            assertTrue(assertThrows(IOException.class, () -> format.restore(into, new ByteArrayInputStream(truncated))).getMessage().contains("ends early"));
            byte[] badMagic = good.clone();
            badMagic[0] ^= 1;
            assertThrows(IOException.class, () -> format.restore(into, new ByteArrayInputStream(badMagic)));
            byte[] wrongSeries = good.clone();
            wrongSeries[20 + 3] ^= 2; // first entry's series id no longer matches its block header
            assertTrue(assertThrows(IOException.class, () -> format.restore(into, new ByteArrayInputStream(wrongSeries))).getMessage().contains("series"));
        } finally {
            from[0].close();
            into[0].close();
        }
    }

    @Test
    void fuzzedStreamsGiveAClearErrorOrRestoreSomething() throws IOException {
        SketchShard[] from = shards(1);
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        try {
            for (int id = 0; id < 20; id++) {
                from[0].update(id, 1000, id);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CapturedShardState state = format.capture(from[0], null)) {
                state.writeTo(out);
            }
            byte[] good = out.toByteArray();
            java.util.Random random = new java.util.Random(3);
            for (int round = 0; round < 2_000; round++) {
                byte[] b = good.clone();
                for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
                    // mostly headers and entry framing, where a flip changes how the rest is read
                    int at = random.nextInt(4) == 0 ? random.nextInt(b.length) : random.nextInt(Math.min(b.length, 64));
                    b[at] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) {
                    b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
                }
                SketchShard[] into = shards(1);
                try {
                    format.restore(into, new ByteArrayInputStream(b));
                } catch (IOException expected) {
                    // a clear error, nothing else
                } finally {
                    into[0].close();
                }
            }
        } finally {
            from[0].close();
        }
    }

    @Test
    void asksForTheTargetsOnlyBeforeTheFirstFamilyBlock() throws IOException {
        int series = 50;
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        for (boolean exactTier : new boolean[] {true, false}) {
            SketchShard[] from = new SketchShard[1];
            SketchShard[] into = new SketchShard[1];
            from[0] = new SketchShard(1, new SlabArena(256L << 20, 1 << 20, 8), ALL, exactTier ? 1 << 20 : 0);
            into[0] = new SketchShard(1, new SlabArena(256L << 20, 1 << 20, 8), ALL, exactTier ? 1 << 20 : 0);
            try {
                for (int t = 0; t < 20; t++) {
                    for (int id = 0; id < series; id++) {
                        from[0].update(id, 1000L * t + id, (t * 7 + id) % 23);
                    }
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (CapturedShardState state = format.capture(from[0], format.reserve(from[0]))) {
                    state.writeTo(out);
                }
                int[] asked = {0};
                long[] sketchedWhenAsked = {-1};
                format.restore(into, new ByteArrayInputStream(out.toByteArray()), () -> {
                    asked[0]++;
                    sketchedWhenAsked[0] = into[0].sketchedSeries();
                });
                assertEquals(answers(from, series), answers(into, series));
                if (exactTier) {
                    // 20 samples a series stay in the exact tier: its blocks carry their window, no targets needed
                    assertEquals(0, asked[0]);
                } else {
                    assertEquals(1, asked[0]);
                    assertEquals(0, sketchedWhenAsked[0], "asked before the first family block was restored");
                }
            } finally {
                from[0].close();
                into[0].close();
            }
        }
    }

    @Test
    void roundTripsAStateLargerThanOneCopyPiece() throws IOException {
        int series = 6_000;
        SketchShard[] from = shards(1);
        SketchShard[] into = shards(1);
        BlockCopyShardSnapshot format = new BlockCopyShardSnapshot();
        try {
            for (int t = 0; t < 3; t++) {
                for (int id = 0; id < series; id++) {
                    from[0].update(id, 1000L * t + id, (t * 7 + id) % 23);
                }
            }
            assertTrue(from[0].bytesInUse() > ShardCopyBuffer.PIECE, "blocks must fill more than one piece: " + from[0].bytesInUse());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long[] reserved = {0};
            try (CapturedShardState state = format.capture(from[0], format.reserve(from[0], piece -> reserved[0] += piece))) {
                state.writeTo(out);
            }
            assertTrue(reserved[0] > ShardCopyBuffer.PIECE, "reserved in pieces: " + reserved[0]);
            format.restore(into, new ByteArrayInputStream(out.toByteArray()));
            assertEquals(answers(from, series), answers(into, series));
        } finally {
            from[0].close();
            into[0].close();
        }
    }
}
