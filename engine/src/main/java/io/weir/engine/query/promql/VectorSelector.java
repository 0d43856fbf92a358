package io.weir.engine.query.promql;

import io.weir.engine.series.LabelMatcher;

import java.util.List;

/**
 * An instant vector selector. {@code metricName} is the value of the selector's {@code __name__="..."} matcher
 * however it was written ({@code foo}, {@code {"foo"}} or {@code {__name__="foo"}}), null when there is none;
 * that matcher is always first in {@code matchers}, so equal selectors compare equal whichever way they were
 * written.
 */
public record VectorSelector(String metricName, List<LabelMatcher> matchers, long offsetMillis, AtModifier at)
        implements Expr {
    public VectorSelector {
        matchers = List.copyOf(matchers);
    }

    @Override
    public ValueType type() { return ValueType.VECTOR; }

    /** True when the selector carries neither {@code offset} nor {@code @}. */
    public boolean isPlain() { return offsetMillis == 0 && at == null; }

    public VectorSelector withOffset(long millis) { return new VectorSelector(metricName, matchers, millis, at); }

    public VectorSelector withAt(AtModifier newAt) { return new VectorSelector(metricName, matchers, offsetMillis, newAt); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
