package io.weir.engine.sketch.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Chunks whose blocks are all free go back to the bump allocator for blocks of any class: a population growing
 * through the size classes together reuses the memory its smaller blocks left, and no two live blocks ever share a
 * byte (checked against an interval map of what is handed out, and by the bytes each block holds).
 */
class SlabArenaRecyclingTest {
    @Test
    void aPopulationGrowingThroughTheClassesReusesItsOldChunks() {
        try (SlabArena arena = new SlabArena(1L << 30, 1 << 16, 4)) {
            int n = 2_000;
            long[] blocks = new long[n];
            for (int i = 0; i < n; i++) {
                blocks[i] = arena.allocate(1024);
            }
            // each block grows in turn: 1 KiB -> 2 -> 4 -> 8 KiB, the old one retired and reclaimed
            for (int size = 2048; size <= 8192; size *= 2) {
                for (int i = 0; i < n; i++) {
                    long next = arena.allocate(size);
                    arena.retire(blocks[i]);
                    blocks[i] = next;
                    if (i % 100 == 0) {
                        arena.reclaim();
                    }
                }
                arena.reclaim();
            }
            long inUse = arena.bytesInUse();
            assertEquals(n * 8192L, inUse);
            // without recycling every class passed through stays reserved: 1 + 2 + 4 + 8 = 15 KiB a block
            assertTrue(arena.bytesReserved() < inUse * 3 / 2, "reserved " + arena.bytesReserved() + " for " + inUse + " in use");
            assertTrue(arena.recycledChunks() > 0);
            // the population shrinks back to 1 KiB blocks: the chunks it leaves go back to the OS, but a few kept idle
            for (int i = 0; i < n; i++) {
                long next = arena.allocate(1024);
                arena.retire(blocks[i]);
                blocks[i] = next;
                if (i % 100 == 0) {
                    arena.reclaim();
                }
            }
            arena.reclaim();
            assertEquals(n * 1024L, arena.bytesInUse());
            // all but an eighth of what is reserved (and a few chunks) goes back
            assertTrue(arena.bytesReserved() <= (n * 1024L + (SlabArena.IDLE_CHUNKS_KEPT + 3) * (1L << 16)) * 8 / 7,
                "reserved " + arena.bytesReserved() + " for " + arena.bytesInUse() + " in use");
            // and the memory can be had again
            for (int i = 0; i < n; i++) {
                long next = arena.allocate(4096);
                arena.retire(blocks[i]);
                blocks[i] = next;
            }
            arena.reclaim();
            assertEquals(n * 4096L, arena.bytesInUse());
        }
    }

    @Test
    void shortLivedBlocksDoNotPinChunksOfLongLivedOnes() {
        try (SlabArena arena = new SlabArena(1L << 30, 1 << 16, 4)) {
            int n = 2_000;
            long[] shortLived = new long[n];
            // series by series: a long-lived block and a short-lived one, as a series' sketch and its raw samples
            for (int i = 0; i < n; i++) {
                arena.allocate(1024, SlabArena.LONG_LIVED);
                shortLived[i] = arena.allocate(4096, SlabArena.SHORT_LIVED);
            }
            long reserved = arena.bytesReserved();
            // the raw-sample blocks are rebuilt three times over: their chunks empty and are taken again
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < n; i++) {
                    long next = arena.allocate(4096 + 1024 * (round % 2), SlabArena.SHORT_LIVED);
                    arena.retire(shortLived[i]);
                    shortLived[i] = next;
                    if (i % 64 == 0) {
                        arena.reclaim();
                    }
                }
                arena.reclaim();
            }
            assertTrue(arena.recycledChunks() > 0);
            // one pool would have left every chunk pinned by its long-lived blocks: ~3 more generations reserved
            assertTrue(arena.bytesReserved() < reserved * 2, "reserved " + arena.bytesReserved() + " after " + reserved);
        }
    }

    @Test
    void randomAllocationsNeverOverlapAndKeepTheirBytes() {
        SplittableRandom rnd = new SplittableRandom(17);
        try (SlabArena arena = new SlabArena(64L << 20, 1 << 16, 4)) {
            TreeMap<Long, long[]> live = new TreeMap<>(); // (chunk << 32 | offset) -> {block, stamp}
            Map<Long, Long> stamps = new HashMap<>();
            List<Long> handedOut = new ArrayList<>();
            long stamp = 0;
            for (int step = 0; step < 200_000; step++) {
                int op = rnd.nextInt(10);
                if (op < 5 || handedOut.isEmpty()) {
                    int bytes = rnd.nextInt(10) == 0 ? rnd.nextInt(64, 1 << 16) : rnd.nextInt(64, 4096);
                    long b = arena.allocate(bytes, rnd.nextInt(SlabArena.POOLS));
                    if (b == SlabArena.NULL_BLOCK) {
                        continue;
                    }
                    long key = (b >>> 32 & 0xFF_FFFF) << 32 | SlabArena.offset(b);
                    int size = SlabArena.blockBytes(b);
                    assertTrue(size >= bytes);
                    var below = live.floorEntry(key);
                    if (below != null) {
                        long[] v = below.getValue();
                        assertTrue((below.getKey() >>> 32) != (key >>> 32) || below.getKey() + SlabArena.blockBytes(v[0]) <= key,
                            "block " + Long.toHexString(b) + " overlaps " + Long.toHexString(v[0]));
                    }
                    var above = live.ceilingEntry(key);
                    if (above != null) {
                        assertTrue((above.getKey() >>> 32) != (key >>> 32) || key + size <= above.getKey(),
                            "block " + Long.toHexString(b) + " overlaps " + Long.toHexString(above.getValue()[0]));
                    }
                    stamp++;
                    // every word of the block holds its stamp: a later overlap or reuse while live would change it
                    for (long o = 0; o < size; o += 8) {
                        arena.segment(b).set(ValueLayout.JAVA_LONG, SlabArena.offset(b) + o, stamp);
                    }
                    live.put(key, new long[] {b, stamp});
                    stamps.put(b, stamp);
                    handedOut.add(b);
                } else if (op < 9) {
                    int i = rnd.nextInt(handedOut.size());
                    long b = handedOut.get(i);
                    handedOut.set(i, handedOut.get(handedOut.size() - 1));
                    handedOut.remove(handedOut.size() - 1);
                    long want = stamps.remove(b);
                    int size = SlabArena.blockBytes(b);
                    for (long o = 0; o < size; o += 8) {
                        assertEquals(want, arena.segment(b).get(ValueLayout.JAVA_LONG, SlabArena.offset(b) + o), "block bytes changed while live");
                    }
                    live.remove((b >>> 32 & 0xFF_FFFF) << 32 | SlabArena.offset(b));
                    arena.retire(b);
                } else {
                    arena.reclaim();
                }
            }
            long expected = 0;
            for (long b : handedOut) {
                expected += SlabArena.blockBytes(b);
            }
            arena.reclaim();
            assertEquals(expected, arena.bytesInUse());
            assertNotEquals(0, arena.recycledChunks(), "the run recycles chunks");
        }
    }
}
