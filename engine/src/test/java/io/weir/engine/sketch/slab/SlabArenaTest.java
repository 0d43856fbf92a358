package io.weir.engine.sketch.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class SlabArenaTest {
    @Test
    void sizeClassesStepFourPerDoublingFrom64() {
        try (SlabArena arena = new SlabArena(1 << 20, 1 << 16, 4)) {
            assertEquals(0, arena.sizeClassOf(1));
            assertEquals(0, arena.sizeClassOf(64));
            assertEquals(1, arena.sizeClassOf(65));
            assertEquals(3, arena.sizeClassOf(256));
            assertEquals(4, arena.sizeClassOf(257));
            assertEquals(320, SlabArena.classBytes(4));
            assertEquals(19, arena.sizeClassOf(4096));
            assertEquals(4096, SlabArena.classBytes(19));
            assertEquals(5120, SlabArena.classBytes(arena.sizeClassOf(4097)));
            assertEquals(35, arena.sizeClassOf(1 << 16));
            // every class: a multiple of 64, the smallest that fits, wasting at most a fifth
            for (int bytes = 1; bytes <= 1 << 16; bytes += 7) {
                int c = arena.sizeClassOf(bytes);
                int size = SlabArena.classBytes(c);
                assertTrue(size >= bytes && size % 64 == 0 && (c == 0 || SlabArena.classBytes(c - 1) < bytes), "bytes " + bytes);
                assertTrue(size <= Math.max(64, bytes * 1.25 + 64), "bytes " + bytes + " -> " + size);
            }
            assertEquals(-1, arena.sizeClassOf((1 << 16) + 1));
            long block = arena.allocate(100);
            assertEquals(128, SlabArena.blockBytes(block));
            assertEquals(0, SlabArena.offset(block) % 64);
            assertThrows(IllegalArgumentException.class, () -> arena.allocate((1 << 16) + 1));
        }
    }

    @Test
    void retiredBlockIsReusedOnlyAfterReadersLeave() {
        try (SlabArena arena = new SlabArena(1 << 20, 1 << 16, 4)) {
            ReaderEpochs epochs = arena.readerEpochs();
            long a = arena.allocate(1000);
            arena.segment(a).set(ValueLayout.JAVA_LONG, SlabArena.offset(a), 42L);
            int reader = epochs.enter();         // a reader that may hold a's address
            arena.retire(a);
            assertEquals(0, arena.reclaim());
            assertEquals(1, arena.retiredCount());
            long b = arena.allocate(1000);
            assertNotEquals(a, b, "a retired block must not be reused while a reader is inside");
            assertEquals(42L, arena.segment(a).get(ValueLayout.JAVA_LONG, SlabArena.offset(a)));
            int later = epochs.enter();          // entered after the retirement: does not hold a back
            epochs.exit(reader);
            assertEquals(1, arena.reclaim());
            assertEquals(a, arena.allocate(1000));
            epochs.exit(later);
            assertEquals(2048, arena.bytesInUse());
            assertEquals(0, epochs.activeReaders());
        }
    }

    @Test
    void memoryLimitRefusesAndRetiredBytesCountUntilReclaimed() {
        try (SlabArena arena = new SlabArena(4096, 4096, 2)) {
            long[] blocks = new long[4];
            for (int i = 0; i < 4; i++) {
                blocks[i] = arena.allocate(1024);
                assertNotEquals(SlabArena.NULL_BLOCK, blocks[i]);
            }
            assertEquals(SlabArena.NULL_BLOCK, arena.allocate(64));
            assertEquals(4096, arena.bytesInUse());
            assertEquals(4096, arena.bytesReserved());
            arena.retire(blocks[1]);
            assertEquals(4096, arena.bytesInUse());
            // allocation reclaims by itself when nobody is reading
            assertEquals(blocks[1], arena.allocate(1024));
        }
        try (SlabArena arena = new SlabArena(10_000, 4096, 2)) {
            int n = 0;
            while (arena.allocate(1024) != SlabArena.NULL_BLOCK) {
                n++;
            }
            assertEquals(9, n); // 4096 + 4096 + 1792 reserved (the limit, rounded to 64), 1 KiB blocks
            assertTrue(arena.bytesReserved() <= 10_000, "reserved " + arena.bytesReserved());
        }
    }

    @Test
    void closeReleasesEverything() {
        SlabArena arena = new SlabArena(1 << 24, 1 << 16, 2);
        long block = 0;
        for (int i = 0; i < 1000; i++) {
            block = arena.allocate(64 << (i % 8));
        }
        assertTrue(arena.bytesInUse() > 0 && arena.bytesReserved() >= arena.bytesInUse());
        long last = block;
        arena.close();
        assertEquals(0, arena.bytesInUse());
        assertEquals(0, arena.bytesReserved());
        assertThrows(IllegalStateException.class,
            () -> arena.segment(last).get(ValueLayout.JAVA_LONG, SlabArena.offset(last)));
        assertEquals(SlabArena.NULL_BLOCK, arena.allocate(64));
    }

    @Test
    void carvedChunkTailsAreReused() {
        try (SlabArena arena = new SlabArena(1 << 20, 4096, 2)) {
            arena.allocate(4000);               // 4096-byte block fills chunk 1
            arena.allocate(1024);               // chunk 2: 1024 used
            arena.allocate(4096);               // chunk 3; chunk 2's 3 KiB tail goes to the free lists
            assertEquals(3 * 4096, arena.bytesReserved());
            arena.allocate(2048);
            arena.allocate(1024);
            assertEquals(3 * 4096, arena.bytesReserved(), "tail blocks are used before a new chunk");
        }
    }

    @Test
    void readerSlotsAreReleasedAndSpinOnlyWhenFull() throws Exception {
        ReaderEpochs epochs = new ReaderEpochs(3);
        assertEquals(4, epochs.slotCount());
        int[] held = new int[4];
        for (int i = 0; i < 4; i++) {
            held[i] = epochs.enter();
        }
        assertEquals(4, epochs.activeReaders());
        long e = epochs.epoch();
        epochs.advance();
        assertEquals(e, epochs.minActiveEpoch());
        Thread t = new Thread(() -> epochs.exit(epochs.enter()));
        t.start();
        Thread.sleep(50);
        assertTrue(t.isAlive(), "a fifth reader waits for a slot");
        epochs.exit(held[2]);
        t.join(5000);
        for (int i : new int[] {0, 1, 3}) {
            epochs.exit(held[i]);
        }
        assertEquals(0, epochs.activeReaders());
        assertEquals(epochs.epoch(), epochs.minActiveEpoch());
    }
}
