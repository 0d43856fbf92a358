package io.weir.engine.series;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeriesFrontCacheTest {
    @Test
    void growsAndFindsEverything() {
        SeriesFrontCache cache = new SeriesFrontCache(1 << 20);
        SplittableRandom rnd = new SplittableRandom(3);
        long[] hi = new long[100_000];
        long[] lo = new long[100_000];
        for (int i = 0; i < hi.length; i++) {
            hi[i] = rnd.nextLong();
            lo[i] = i % 100 == 0 ? 7 : rnd.nextLong(); // 1% share the probe start: long probe chains
            assertEquals(-1, cache.get(hi[i], lo[i]));
            cache.put(hi[i], lo[i], i);
        }
        for (int i = 0; i < hi.length; i++) {
            assertEquals(i, cache.get(hi[i], lo[i]));
        }
        assertEquals(hi.length, cache.size());
        assertEquals(0, cache.clears());
    }

    @Test
    void putReplacesTheValueOfACachedHash() {
        SeriesFrontCache cache = new SeriesFrontCache(1000);
        cache.put(5, 7, 1);
        cache.put(6, 7, 2); // same probe start
        cache.put(5, 7, 9);
        assertEquals(9, cache.get(5, 7));
        assertEquals(2, cache.get(6, 7));
        assertEquals(2, cache.size());
    }

    @Test
    void clearsAtItsCap() {
        SeriesFrontCache cache = new SeriesFrontCache(1000);
        for (int i = 0; i < 2500; i++) {
            cache.put(i, i * 31L, i);
            assertTrue(cache.size() <= 1000);
            assertEquals(i, cache.get(i, i * 31L));
        }
        assertEquals(2, cache.clears());
        assertEquals(-1, cache.get(0, 0));
    }
}
