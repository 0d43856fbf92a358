package io.weir.engine.sketch;

/** The shape of one family's sketch for a series, fixed when its block is laid out. */
public interface SketchSpec {
    /** Bytes of the block this spec needs at most: a block grows up to this as its data asks. */
    int blockLength();

    /**
     * Bytes of the block a series starts with: its buckets' tables at their smallest, grown as the data needs more
     * (a family whose block never grows starts at {@link #blockLength()}).
     */
    default int initialBlockLength() {
        return blockLength();
    }

    /** W, the width of one time bucket of the sketch's ring. */
    long bucketWidthMillis();

    /** B, the buckets the ring keeps: enough for the window plus one partial bucket. */
    int bucketCount();

    /** The longest window (T-w, T] the sketch retains in full when T is the newest sample's time. */
    default long retainedWindowMillis() {
        return (bucketCount() - 1) * bucketWidthMillis();
    }
}
