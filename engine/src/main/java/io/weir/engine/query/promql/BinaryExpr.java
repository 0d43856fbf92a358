package io.weir.engine.query.promql;

import java.util.Objects;

/** A binary operation; {@code matching} is non-null exactly when both sides are instant vectors. */
public record BinaryExpr(BinaryOp op, Expr lhs, Expr rhs, boolean returnBool, VectorMatching matching)
        implements Expr {
    public BinaryExpr {
        Objects.requireNonNull(op);
        Objects.requireNonNull(lhs);
        Objects.requireNonNull(rhs);
    }

    @Override
    public ValueType type() {
        return lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR ? ValueType.SCALAR : ValueType.VECTOR;
    }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
