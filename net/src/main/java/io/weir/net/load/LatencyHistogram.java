package io.weir.net.load;

/**
 * Single-writer log-linear histogram of microsecond latencies: exact below 128 µs, then 64 sub-buckets per power of
 * two (under 1.6 % error), up to about 2^40 µs. One per sender thread; merged after the senders have stopped.
 */
public final class LatencyHistogram {
    private static final int LINEAR = 128;
    private static final int SUB_BUCKETS = 64;
    private final long[] counts = new long[LINEAR + 40 * SUB_BUCKETS];
    private long total;

    public void record(long micros) {
        counts[index(Math.max(0, micros))]++;
        total++;
    }

    public void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
    }

    public long count() { return total; }

    /** @return the upper edge of the bucket holding quantile {@code q}, in µs; 0 when empty */
    public long quantileMicros(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperEdge(i);
            }
        }
        return upperEdge(counts.length - 1);
    }

    private int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - 6;
        int i = LINEAR + (shift - 1) * SUB_BUCKETS + (int) (v >>> shift) - SUB_BUCKETS;
        return Math.min(i, counts.length - 1);
    }

    private static long upperEdge(int i) {
        if (i < LINEAR) {
            return i;
        }
        int shift = (i - LINEAR) / SUB_BUCKETS + 1;
        long top = (i - LINEAR) % SUB_BUCKETS + SUB_BUCKETS;
        return ((top + 1) << shift) - 1;
    }
}
