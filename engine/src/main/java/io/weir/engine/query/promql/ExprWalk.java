package io.weir.engine.query.promql;

import java.util.function.Consumer;

/** Visits every node of an expression, parents before children, operands left to right. */
public final class ExprWalk {
    private ExprWalk() {}

    public static void preOrder(Expr e, Consumer<Expr> visit) {
        visit.accept(e);
        switch (e) {
            case ParenExpr p -> preOrder(p.expr(), visit);
            case UnaryExpr u -> preOrder(u.expr(), visit);
            case BinaryExpr b -> {
                preOrder(b.lhs(), visit);
                preOrder(b.rhs(), visit);
            }
            case AggregateExpr a -> {
                if (a.param() != null) {
                    preOrder(a.param(), visit);
                }
                preOrder(a.expr(), visit);
            }
            case Call c -> c.args().forEach(arg -> preOrder(arg, visit));
            case SubqueryExpr s -> preOrder(s.expr(), visit);
            case MatrixSelector m -> preOrder(m.selector(), visit);
            case VectorSelector v -> { }
            case NumberLiteral n -> { }
            case StringLiteral s -> { }
        }
    }
}
