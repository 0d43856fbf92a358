package io.weir.engine.query.eval;

import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.AggregateOp;
import io.weir.engine.query.promql.BinaryExpr;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.NumberLiteral;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.StringLiteral;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.sketch.SketchFunction;

/**
 * Decides whether an expression is answered by Weir: every leaf must be a sketch-served {@code f(selector[range])}
 * (or a literal, or {@code time()}), and every operator and function one the evaluator implements. Anything else
 * goes to the backend unchanged. Whether the sketches cover the windows is only known when they are read.
 */
public final class LocalPlanner {
    private LocalPlanner() {}

    /** @return null when the expression can be evaluated locally, otherwise why not (one line) */
    public static String reasonNotLocal(Expr e) {
        return switch (e) {
            case NumberLiteral n -> null;
            case StringLiteral s -> null;
            case ParenExpr p -> reasonNotLocal(p.expr());
            case UnaryExpr u -> reasonNotLocal(u.expr());
            case BinaryExpr b -> {
                String r = reasonNotLocal(b.lhs());
                yield r != null ? r : reasonNotLocal(b.rhs());
            }
            case AggregateExpr a -> {
                if (a.op() == AggregateOp.LIMITK || a.op() == AggregateOp.LIMIT_RATIO) {
                    yield "aggregation " + a.op().promqlName() + " is not evaluated by Weir";
                }
                String r = a.param() == null ? null : reasonNotLocal(a.param());
                yield r != null ? r : reasonNotLocal(a.expr());
            }
            case Call c -> call(c);
            default -> e.type().documentedName() + " " + e + " needs raw samples";
        };
    }

    private static String call(Call c) {
        String name = c.function().name();
        SketchFunction f = SketchFunction.byPromqlName(name);
        if (f == null) {
            if (!FunctionCalls.SUPPORTED.contains(name)) {
                return "function " + name + " is not answered from sketches";
            }
            for (Expr arg : c.args()) {
                String r = reasonNotLocal(arg);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        Expr arg = c.args().getFirst();
        if (f == SketchFunction.QUANTILE_OVER_TIME) {
            if (c.args().size() != 2 || Double.isNaN(literal(arg))) {
                return "quantile_over_time needs a literal phi to be answered from sketches";
            }
            arg = c.args().get(1);
        }
        if (!(rangeArgument(arg) instanceof MatrixSelector)) {
            return "argument of " + name + " is not a plain range selector";
        }
        return null;
    }

    /** A range function's argument without the parentheses around it: {@code f((m[5m]))} is {@code f(m[5m])}. */
    static Expr rangeArgument(Expr arg) {
        Expr e = arg;
        while (e instanceof ParenExpr p) {
            e = p.expr();
        }
        return e;
    }

    /** The value of a number literal, possibly negated or parenthesised; NaN for anything else. */
    static double literal(Expr e) {
        if (e instanceof ParenExpr p) {
            return literal(p.expr());
        }
        if (e instanceof UnaryExpr u) {
            double v = literal(u.expr());
            return u.op() == '-' ? -v : v;
        }
        return e instanceof NumberLiteral n && !Double.isNaN(n.value()) ? n.value() : Double.NaN;
    }
}
