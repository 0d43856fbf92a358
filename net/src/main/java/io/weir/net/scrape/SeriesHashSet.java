package io.weir.net.scrape;

import java.util.Arrays;

/** Open-addressing set of 64-bit label-set hashes (0 is the empty slot; callers map a 0 hash to 1). One thread. */
final class SeriesHashSet {
    private long[] slots = new long[256];
    private int size;

    void clear() {
        if (size > 0) {
            Arrays.fill(slots, 0L);
            size = 0;
        }
    }

    int size() { return size; }

    boolean contains(long h) {
        int mask = slots.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            long v = slots[i];
            if (v == h) {
                return true;
            }
            if (v == 0) {
                return false;
            }
        }
    }

    /** @return false when it was already there */
    boolean add(long h) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            long v = slots[i];
            if (v == h) {
                return false;
            }
            if (v == 0) {
                slots[i] = h;
                size++;
                return true;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (long v : old) {
            if (v != 0) {
                add(v);
            }
        }
    }

    private static int mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }
}
