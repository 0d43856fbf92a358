package io.weir.engine.sketch;

/** The shape of one family's sketch for a series, fixed when its block is laid out. */
public interface SketchSpec {
    /** Bytes of the block this spec needs. */
    int blockLength();

    /** The longest window (T-w, T] the sketch retains in full when T is the newest sample's time. */
    long retainedWindowMillis();
}
