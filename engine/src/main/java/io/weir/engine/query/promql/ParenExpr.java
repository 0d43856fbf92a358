package io.weir.engine.query.promql;

import java.util.Objects;

/** Parentheses as written; kept in the tree so printing reproduces the grouping exactly. */
public record ParenExpr(Expr expr) implements Expr {
    public ParenExpr {
        Objects.requireNonNull(expr);
    }

    @Override
    public ValueType type() { return expr.type(); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
