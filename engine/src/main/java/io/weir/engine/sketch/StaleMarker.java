package io.weir.engine.sketch;

/**
 * Prometheus' stale marker: the NaN with bit pattern {@code 0x7ff0000000000002} (Go's {@code value.StaleNaN}) that
 * says a series ended. It is no sample: sketches skip it (and count it), while every other NaN is a sample that
 * functions see as Prometheus does (avg and sum become NaN, count counts it, min and max ignore it).
 */
public final class StaleMarker {
    public static final long BITS = 0x7ff0000000000002L;
    /** The marker as a value, to write (scrapes and OTLP end a series with it). */
    public static final double VALUE = Double.longBitsToDouble(BITS);

    private StaleMarker() {}

    /** True for the stale marker only, not for other NaNs. */
    public static boolean is(double value) {
        return Double.doubleToRawLongBits(value) == BITS;
    }
}
