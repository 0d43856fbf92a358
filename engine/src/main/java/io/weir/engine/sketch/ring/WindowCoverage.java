package io.weir.engine.sketch.ring;

/**
 * The window {@code (start, end]} a read asked for and how much of it the series' state retains: the part every
 * family's result shares. Owned by the reader thread that fills the result.
 */
public abstract class WindowCoverage {
    private long startExclusiveMs;
    private long endInclusiveMs;
    private boolean covered;
    private long coverageStartMs;
    private long retainedStartMs;
    private long retainedEndMs;

    /** Starts a read of {@code (startExclusive, endInclusive]}: nothing retained until {@link #range} says so. */
    protected final void beginWindow(long startExclusive, long endInclusive) {
        startExclusiveMs = startExclusive;
        endInclusiveMs = endInclusive;
        covered = false;
        coverageStartMs = retainedStartMs = retainedEndMs = Long.MIN_VALUE;
    }

    /**
     * For the reader filling the result: what the state retains, as the start of its first sample's bucket, the start
     * of its oldest retained time and its end.
     */
    public final void range(long coverageStart, long retainedStart, long retainedEnd) {
        coverageStartMs = coverageStart;
        retainedStartMs = retainedStart;
        retainedEndMs = retainedEnd;
        covered = startExclusiveMs >= retainedStart;
    }

    /**
     * True when the sketch retains the whole window: it starts at or after {@link #retainedStartMs()}.
     * Windows reaching later than {@link #retainedEndMs()} are covered too (no samples arrived yet).
     */
    public final boolean covered() { return covered; }

    /**
     * True when nothing this sketch ever accepted has expired: it still holds every sample the node received for the
     * series, so a window reaching back before the first sample is complete as far as this node knows.
     */
    public final boolean holdsEverythingReceived() { return retainedStartMs == coverageStartMs; }

    /** Exclusive start of the bucket of the first sample the sketch accepted; Long.MIN_VALUE if none. */
    public final long coverageStartMs() { return coverageStartMs; }

    /** Exclusive start of the oldest time the sketch still holds (coverage start or ring expiry). */
    public final long retainedStartMs() { return retainedStartMs; }

    /** Inclusive end of the newest bucket. */
    public final long retainedEndMs() { return retainedEndMs; }

    public final long startExclusiveMs() { return startExclusiveMs; }

    public final long endInclusiveMs() { return endInclusiveMs; }
}
