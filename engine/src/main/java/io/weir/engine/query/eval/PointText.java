package io.weir.engine.query.eval;

/**
 * How a response writes one point of a matrix, {@code [time,"value"]} in the HTTP layer's JSON. The range result
 * cache keeps each sealed point it holds in this form beside its value, so that a dashboard panel asked again writes
 * the steps it already sent by copying one range of text per series: formatting each value's shortest digits was
 * most of a cached panel's time.
 */
@FunctionalInterface
public interface PointText {
    void append(StringBuilder out, long timeMs, double value);
}
