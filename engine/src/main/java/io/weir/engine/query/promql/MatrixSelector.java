package io.weir.engine.query.promql;

import java.util.Objects;

/** A range vector selector {@code sel[range]}; its offset and {@code @} live on the inner selector. */
public record MatrixSelector(VectorSelector selector, long rangeMillis) implements Expr {
    public MatrixSelector {
        Objects.requireNonNull(selector);
    }

    @Override
    public ValueType type() { return ValueType.MATRIX; }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
