package io.weir.engine.series;

import java.util.Arrays;

/**
 * Thread-confined map from a 128-bit label set hash ({@link LabelSetHash}) to an int: a series id for the
 * {@link SeriesResolver}, and the index of a cached outcome for the ingest relabeler. Open addressing with linear
 * probing over one {@code long[]}, so a hit touches one or two cache lines and nothing is boxed or allocated.
 * <pre>
 *   slot i = slots[3i .. 3i+2]
 *   +-----------+-----------+-----------------------+
 *   |  hash hi  |  hash lo  |  id + 1  (0 = empty)  |
 *   +-----------+-----------+-----------------------+
 * </pre>
 * Grows by doubling (rehash) past 4/5 full: a hit probes ~2.6 slots on average then (two or three neighbouring
 * slots, mostly one cache line), and the table is half the size it is at half full -- at 100,000 series 3 MB instead
 * of 6 MB a thread, which made a front-cache hit ~30 % cheaper (SeriesResolveBenchmark 266 -> 173-204 ns). At
 * {@code maxEntries} it is cleared rather than evicting
 * one entry: linear probing has no cheap single removal, and a clear costs only a burst of misses that the
 * series table answers. An id cached for an expired series is caught by the resolver's liveness check and
 * replaced by {@link #put} (series ids are never reused, so a cached id never names another series).
 */
public final class SeriesFrontCache {
    private static final int STRIDE = 3;
    private static final int MIN_CAPACITY = 1024;
    static final int MAX_ENTRIES = 1 << 26;

    private final int maxEntries;
    private long[] slots;
    private int mask;
    private int size;
    private long clears;

    public SeriesFrontCache(int maxEntries) {
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES) {
            throw new IllegalArgumentException("maxEntries must be in 1.." + MAX_ENTRIES + ": " + maxEntries);
        }
        this.maxEntries = maxEntries;
        allocate(Math.min(MIN_CAPACITY, capacityFor(maxEntries)));
    }

    /** @return the cached id, or -1 */
    public int get(long hi, long lo) {
        long[] s = slots;
        int m = mask;
        for (int i = (int) lo & m; ; i = (i + 1) & m) {
            int base = i * STRIDE;
            long idPlusOne = s[base + 2];
            if (idPlusOne == 0) {
                return -1;
            }
            if (s[base + 1] == lo && s[base] == hi) {
                return (int) (idPlusOne - 1);
            }
        }
    }

    /**
     * Reads the slot where a {@link #get} of this hash starts, both its ends (a slot can straddle two cache lines);
     * for {@link SeriesResolver#prefetch}, which only wants the lines in cache.
     */
    long readHomeSlot(long lo) {
        int base = ((int) lo & mask) * STRIDE;
        return slots[base] ^ slots[base + STRIDE - 1];
    }

    /** Caches a hash, or replaces the value it has. */
    public void put(long hi, long lo, int id) {
        for (int i = (int) lo & mask; ; i = (i + 1) & mask) {
            int base = i * STRIDE;
            if (slots[base + 2] == 0) {
                break;
            }
            if (slots[base + 1] == lo && slots[base] == hi) {
                slots[base + 2] = id + 1L;
                return;
            }
        }
        if (size >= maxEntries) {
            clear();
        } else if ((size + 1) * 5L > (mask + 1L) * 4) {
            long[] old = slots;
            allocate((mask + 1) * 2);
            for (int base = 0; base < old.length; base += STRIDE) {
                if (old[base + 2] != 0) {
                    insert(old[base], old[base + 1], old[base + 2]);
                }
            }
        }
        insert(hi, lo, id + 1L);
        size++;
    }

    public int size() { return size; }

    /** Empties the cache (its arrays are kept). */
    public void clear() {
        Arrays.fill(slots, 0L);
        size = 0;
        clears++;
    }

    /** Times the cache was cleared: past its cap, or by its owner ({@link #clear}). */
    public long clears() { return clears; }

    private void insert(long hi, long lo, long idPlusOne) {
        int i = (int) lo & mask;
        while (slots[i * STRIDE + 2] != 0) {
            i = (i + 1) & mask;
        }
        int base = i * STRIDE;
        slots[base] = hi;
        slots[base + 1] = lo;
        slots[base + 2] = idPlusOne;
    }

    private void allocate(int capacity) {
        slots = new long[capacity * STRIDE];
        mask = capacity - 1;
    }

    /** Smallest power of two that holds n entries at most 4/5 full. */
    private static int capacityFor(int n) {
        long c = Long.highestOneBit(Math.max(1L, ((long) n * 5 + 3) / 4 - 1)) << 1;
        return (int) Math.min(c, 1 << 30);
    }
}
