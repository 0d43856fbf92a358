package io.weir.perf.accuracy;

import java.util.SplittableRandom;

/**
 * One series of raw samples in time order: timestamps at a regular interval with a small jitter, so a window
 * of N samples spans N intervals of time, and the values of one {@link ValueDistribution}.
 */
public record SampleSeries(ValueDistribution distribution, long[] timestamps, double[] values, long intervalMillis) {
    /** A realistic epoch start, deliberately not aligned to any bucket width. */
    public static final long START_MILLIS = 1_700_000_000_123L;

    /**
     * @param jitterMillis each timestamp moves by a uniform amount in [-jitter, +jitter]; below interval/2 keeps order
     */
    public static SampleSeries generate(ValueDistribution distribution, int length, int windowSamples,
                                        long intervalMillis, long jitterMillis, long seed) {
        if (2 * jitterMillis >= intervalMillis) {
            throw new IllegalArgumentException("jitter " + jitterMillis + " ms must stay below half the interval " + intervalMillis);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] ts = new long[length];
        for (int i = 0; i < length; i++) {
            long jitter = jitterMillis == 0 ? 0 : rnd.nextLong(-jitterMillis, jitterMillis + 1);
            ts[i] = START_MILLIS + i * intervalMillis + jitter;
        }
        return new SampleSeries(distribution, ts, distribution.values(length, windowSamples, seed), intervalMillis);
    }

    public int size() { return timestamps.length; }

    /** Index of the first sample with timestamp > {@code t}. */
    public int firstAfter(long t) {
        int lo = 0;
        int hi = timestamps.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timestamps[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
