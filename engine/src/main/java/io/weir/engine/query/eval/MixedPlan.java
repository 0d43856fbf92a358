package io.weir.engine.query.eval;

import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.AggregateOp;
import io.weir.engine.query.promql.BinaryExpr;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.query.promql.ValueType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A plan for an expression that is not local as a whole: the largest sub-expressions that need raw samples are
 * fetched from the backend as instant vectors or scalars at the query's own time (the backend evaluates them
 * exactly as it would inside the whole expression: PromQL evaluates every step on its own), and the rest -- the
 * sketch leaves and the operators around them -- is evaluated here. {@code avg_over_time(m[1h]) / on (instance)
 * machine_cpu_cores} reads the hour of {@code m} from sketches and only the latest {@code machine_cpu_cores} from
 * the backend.
 *
 * <p>Planned only where it pays: at least one sketch leaf must stay local. Not planned where a sub-expression that
 * needs raw samples is a range vector or a string (only the backend can use those). The query endpoint uses it for
 * instant queries only: measured, a range query's plan lost to the backend answering it whole.
 */
public final class MixedPlan {
    private MixedPlan() {}

    /**
     * @return the sub-expressions to fetch from the backend (the tree's own nodes, in evaluation order) so that the
     *         rest is local, or null when there is no such plan or it would leave no sketch leaf local
     */
    public static List<Expr> externals(Expr e) {
        if (LocalPlanner.reasonNotLocal(e) == null) {
            return null; // local as it is
        }
        List<Expr> out = new ArrayList<>();
        if (!split(e, out)) {
            return null;
        }
        Set<Expr> fetched = Collections.newSetFromMap(new IdentityHashMap<>());
        fetched.addAll(out);
        return out.isEmpty() || !hasSketchLeaf(e, fetched) ? null : List.copyOf(out);
    }

    /**
     * Adds to {@code out} what {@code e} needs fetched; false when part of it can be neither evaluated nor fetched. A
     * sub-expression without sketch leaves is fetched whole ({@code sum by (job) (rate(x[5m]))}, not {@code rate(..)}
     * to be summed here): the backend sends the fewest series that way.
     */
    private static boolean split(Expr e, List<Expr> out) {
        if (LocalPlanner.reasonNotLocal(e) == null) {
            return true;
        }
        if (!hasSketchLeaf(e, Set.of())) {
            return fetch(e, out);
        }
        return switch (e) {
            case ParenExpr p -> split(p.expr(), out);
            case UnaryExpr u -> split(u.expr(), out);
            case BinaryExpr b -> split(b.lhs(), out) && split(b.rhs(), out);
            case AggregateExpr a when a.op() != AggregateOp.LIMITK && a.op() != AggregateOp.LIMIT_RATIO ->
                    (a.param() == null || split(a.param(), out)) && split(a.expr(), out);
            case Call c when c.function().sketchFunction() == null && FunctionCalls.SUPPORTED.contains(c.function().name()) -> {
                for (Expr arg : c.args()) {
                    if (!split(arg, out)) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> fetch(e, out);
        };
    }

    private static boolean fetch(Expr e, List<Expr> out) {
        if (e.type() != ValueType.VECTOR && e.type() != ValueType.SCALAR) {
            return false;
        }
        out.add(e);
        return true;
    }

    /** Whether {@code e}, without the nodes in {@code fetched}, has a sketch function answered here. */
    private static boolean hasSketchLeaf(Expr e, Set<Expr> fetched) {
        if (fetched.contains(e)) {
            return false;
        }
        return switch (e) {
            case ParenExpr p -> hasSketchLeaf(p.expr(), fetched);
            case UnaryExpr u -> hasSketchLeaf(u.expr(), fetched);
            case BinaryExpr b -> hasSketchLeaf(b.lhs(), fetched) || hasSketchLeaf(b.rhs(), fetched);
            case AggregateExpr a -> (a.param() != null && hasSketchLeaf(a.param(), fetched)) || hasSketchLeaf(a.expr(), fetched);
            // a sketch function counts where it is answered here (over a plain range selector), not over a subquery
            case Call c -> c.function().sketchFunction() != null ? LocalPlanner.reasonNotLocal(c) == null
                    : c.args().stream().anyMatch(arg -> hasSketchLeaf(arg, fetched));
            default -> false;
        };
    }
}
