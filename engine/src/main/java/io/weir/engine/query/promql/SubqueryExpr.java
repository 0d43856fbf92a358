package io.weir.engine.query.promql;

import java.util.Objects;

/** A subquery {@code expr[range:step]}; {@code stepMillis} is 0 when the step is left to the default. */
public record SubqueryExpr(Expr expr, long rangeMillis, long stepMillis, long offsetMillis, AtModifier at)
        implements Expr {
    public SubqueryExpr {
        Objects.requireNonNull(expr);
    }

    @Override
    public ValueType type() { return ValueType.MATRIX; }

    public SubqueryExpr withOffset(long millis) { return new SubqueryExpr(expr, rangeMillis, stepMillis, millis, at); }

    public SubqueryExpr withAt(AtModifier newAt) { return new SubqueryExpr(expr, rangeMillis, stepMillis, offsetMillis, newAt); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
