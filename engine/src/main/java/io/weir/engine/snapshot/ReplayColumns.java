package io.weir.engine.snapshot;

import java.util.Arrays;

/**
 * A replay buffer: samples of one shard as columns (series id, timestamp, value), and their reordering by ranges
 * of local series ids. Owned by one thread at a time; {@link ShardReplay} hands it between the reading thread and
 * a shard's applier through queues, which order the writes of one owner before the reads of the next.
 */
final class ReplayColumns {
    final int[] ids;
    final long[] timestamps;
    final double[] values;
    int count;
    /** Largest series id in the buffer (ids are never negative). */
    private int maxId;

    ReplayColumns(int capacity) {
        ids = new int[capacity];
        timestamps = new long[capacity];
        values = new double[capacity];
    }

    boolean isFull() {
        return count == ids.length;
    }

    void clear() {
        count = 0;
        maxId = 0;
    }

    void add(int id, long timestampMs, double value) {
        int i = count++;
        ids[i] = id;
        timestamps[i] = timestampMs;
        values[i] = value;
        maxId = Math.max(maxId, id);
    }

    /**
     * Copies this buffer's samples into {@code out} grouped by range of local id ({@code id / shardCount >>>
     * rangeShift}), ranges ascending, each range keeping the samples' order (a stable counting sort: two sequential
     * passes, writes spread over as many streams as there are ranges). Empties this buffer.
     *
     * @param rangeCounts scratch of at least {@link #rangesNeeded} entries, overwritten
     */
    void groupByRangeInto(ReplayColumns out, int shardCount, int rangeShift, int[] rangeCounts) {
        int n = count;
        int ranges = rangesNeeded(shardCount, rangeShift);
        Arrays.fill(rangeCounts, 0, ranges, 0);
        for (int i = 0; i < n; i++) {
            rangeCounts[ids[i] / shardCount >>> rangeShift]++;
        }
        for (int r = 0, start = 0; r < ranges; r++) {
            int c = rangeCounts[r];
            rangeCounts[r] = start;
            start += c;
        }
        int[] outIds = out.ids;
        long[] outTs = out.timestamps;
        double[] outValues = out.values;
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            int at = rangeCounts[id / shardCount >>> rangeShift]++;
            outIds[at] = id;
            outTs[at] = timestamps[i];
            outValues[at] = values[i];
        }
        out.count = n;
        out.maxId = maxId;
        clear();
    }

    /** Ranges the ids now in the buffer fall in: one past the range of the largest local id. */
    int rangesNeeded(int shardCount, int rangeShift) {
        return (maxLocalId(shardCount) >>> rangeShift) + 1;
    }

    int maxLocalId(int shardCount) {
        return maxId / shardCount;
    }
}
