package io.weir.engine.query.promql;

import java.util.List;
import java.util.Objects;

/**
 * An aggregation such as {@code topk by (job) (5, x)}. {@code param} is null for operators without one;
 * {@code groupingGiven} tells {@code sum by () (x)} from {@code sum(x)} (same result, different text).
 */
public record AggregateExpr(AggregateOp op, Expr param, Expr expr, List<String> grouping, boolean without,
                            boolean groupingGiven) implements Expr {
    public AggregateExpr {
        Objects.requireNonNull(op);
        Objects.requireNonNull(expr);
        grouping = List.copyOf(grouping);
    }

    @Override
    public ValueType type() { return ValueType.VECTOR; }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
