package io.weir.engine.sketch.span;

/** Searches in ascending timestamps: where a window {@code (start, end]} begins and ends in samples or buckets. */
public final class Ascending {
    private Ascending() {
    }

    /** Index of the first {@code ts[i] > t} in the ascending range {@code [from, to)}; {@code to} when none. */
    public static int firstAfter(long[] ts, int from, int to, long t) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ts[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
