package io.weir.engine.query.eval;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The groups of an aggregation by the hash of each series' grouping labels ({@link Labels#hashOn}): a series finds
 * its group by comparing its labels with the group's in place ({@link Labels#sameOn}), so only a group's first series
 * builds the group's label set, where a map keyed by label sets built one for every series. Open addressing over
 * one {@code int[]}; one instance per aggregation, sized for its series.
 */
final class GroupIndex {
    /** Group + 1 per slot, 0 for an empty one. */
    private final int[] slots;
    private final int mask;
    /** The hash each group was added with, by group. */
    private int[] hashes;

    GroupIndex(int series) {
        int size = Integer.highestOneBit(Math.max(2, series) * 2 - 1) << 1; // at most half full
        slots = new int[size];
        mask = size - 1;
        hashes = new int[Math.min(series, 64)];
    }

    /** @return the group whose labels {@code labels} kept on {@code on} equals, or -1 */
    int find(int hash, Labels labels, Collection<String> on, boolean without, List<Labels> groups) {
        for (int at = spread(hash) & mask; slots[at] != 0; at = (at + 1) & mask) {
            int g = slots[at] - 1;
            if (hashes[g] == hash && labels.sameOn(on, without, groups.get(g))) {
                return g;
            }
        }
        return -1;
    }

    /** Adds group {@code g} (the next one: groups are numbered in order) under {@code hash}. */
    void add(int hash, int g) {
        if (g == hashes.length) {
            hashes = Arrays.copyOf(hashes, Math.max(4, g * 2));
        }
        hashes[g] = hash;
        int at = spread(hash) & mask;
        while (slots[at] != 0) {
            at = (at + 1) & mask;
        }
        slots[at] = g + 1;
    }

    /** Label hashes are polynomial: their low bits alone would crowd a power-of-two table. */
    private static int spread(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        return h ^ (h >>> 13);
    }
}
