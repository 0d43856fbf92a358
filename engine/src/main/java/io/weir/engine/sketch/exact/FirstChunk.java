package io.weir.engine.sketch.exact;

/**
 * What a reader of chunk moments ({@link ExactSamplesFlyweight#read(long, long, ExactWindow, boolean, FirstChunk)})
 * needs of the chunk holding its window's start, which the window holds only in part: the reader's answer decides
 * how much of that chunk is decoded.
 */
public enum FirstChunk {
    /** Its samples in the window (every reader of the spread: stddev, stdvar, sum2). */
    SAMPLES,
    /**
     * Its count and sum in the window (avg, sum and count over time): the chunk's moments less the samples before the
     * window, which are all that is decoded of it. Min and max are then bounds of the window's samples.
     */
    SUMS,
    /**
     * Its extremes (min and max over time): at a window holding the open chunk, left out when the chunk's min and max
     * lie strictly inside the rest's. Count and sum then lack its samples.
     */
    EXTREMA
}
