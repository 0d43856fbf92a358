package io.weir.engine.query.promql;

import java.util.Objects;

/** Unary {@code -} or {@code +} on a scalar or instant vector that is not itself a number literal. */
public record UnaryExpr(char op, Expr expr) implements Expr {
    public UnaryExpr {
        if (op != '-' && op != '+') {
            throw new IllegalArgumentException("unary operator must be + or -: " + op);
        }
        Objects.requireNonNull(expr);
    }

    @Override
    public ValueType type() { return expr.type(); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
