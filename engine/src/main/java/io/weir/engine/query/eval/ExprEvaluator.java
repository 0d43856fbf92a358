package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.SharedTasks;
import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.BinaryExpr;
import io.weir.engine.query.promql.BinaryOp;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.NumberLiteral;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.StringLiteral;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.query.promql.ValueType;
import io.weir.engine.query.promql.VectorMatching;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.sketch.SketchFunction;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Evaluates a PromQL expression whose leaves are sketch-answered {@code f(selector[range])} over all steps of a
 * query at once: each leaf is read once per series for every step, and every operator works over the step columns
 * of its operands (no re-planning per step). Semantics are Prometheus 2.42's; values carry an absolute error bound
 * that is propagated through the operators by interval arithmetic. One instance per query, used by one thread (a
 * leaf's series may be read in parts on the source's read executor, see {@link #readLeaf}).
 */
public final class ExprEvaluator {
    private final LeafSource source;
    private final long start;
    private final long end;
    final long[] times;
    final int steps;
    final EvalLimits limits;
    private final Map<String, FunctionAccuracy> accuracy = new LinkedHashMap<>();
    final Set<String> uncertain = new LinkedHashSet<>();
    private long seriesRead;
    private long pointsRead;
    /** Sub-expressions already evaluated elsewhere (a {@link MixedPlan}'s, by the backend), by node identity. */
    private final Map<Expr, Value> external;

    private ExprEvaluator(LeafSource source, long start, long end, long step, EvalLimits limits, Map<Expr, Value> external) {
        this.source = source;
        this.external = external;
        this.start = start;
        this.end = end;
        this.steps = step == 0 ? 1 : (int) ((end - start) / step) + 1;
        this.times = new long[steps];
        for (int i = 0; i < steps; i++) {
            times[i] = start + i * step;
        }
        this.limits = limits;
    }

    /**
     * @param step 0 for an instant query at {@code start == end}
     * @return the result, or null when a leaf turned out not to be covered by sketches ({@code fallbackReason[0]}
     *         then says why)
     * @throws QueryExecutionException for what Prometheus answers 422 (including limits)
     * @throws QueryTimeoutException   past the deadline
     */
    public static QueryResult evaluate(Expr expr, LeafSource source, long start, long end, long step, EvalLimits limits,
                                       String[] fallbackReason) {
        return evaluate(expr, source, start, end, step, limits, fallbackReason, Map.of());
    }

    /**
     * As {@link #evaluate(Expr, LeafSource, long, long, long, EvalLimits, String[])}, with the values of some of the
     * expression's own nodes given ({@link MixedPlan}: fetched from the backend at the same steps): those nodes are
     * not evaluated here. {@code external} is keyed by node identity.
     */
    public static QueryResult evaluate(Expr expr, LeafSource source, long start, long end, long step, EvalLimits limits,
                                       String[] fallbackReason, Map<Expr, Value> external) {
        boolean range = step != 0;
        if (range && expr.type() != ValueType.VECTOR && expr.type() != ValueType.SCALAR) {
            throw new InvalidQueryException("invalid expression type \"" + typeName(expr.type())
                    + "\" for range query, must be Scalar or instant Vector");
        }
        ExprEvaluator ev = new ExprEvaluator(source, start, end, step, limits, external);
        Value v;
        try {
            v = ev.eval(expr);
        } catch (NotLocalException e) {
            fallbackReason[0] = e.getMessage();
            return null;
        }
        return QueryResult.of(range, ev.times, v, ev.accuracy, new ArrayList<>(ev.uncertain));
    }

    static String typeName(ValueType t) {
        return switch (t) {
            case SCALAR -> "scalar";
            case VECTOR -> "vector";
            case MATRIX -> "matrix";
            case STRING -> "string";
        };
    }

    Value eval(Expr e) {
        limits.checkDeadline();
        if (!external.isEmpty()) {
            Value given = external.get(e);
            if (given != null) {
                return given;
            }
        }
        return switch (e) {
            case NumberLiteral n -> constant(n.value());
            case StringLiteral s -> new Value.Text(s.value());
            case ParenExpr p -> eval(p.expr());
            case UnaryExpr u -> unary(u);
            case BinaryExpr b -> binary(b);
            case AggregateExpr a -> Aggregation.evaluate(this, a);
            case Call c -> {
                SketchFunction f = c.function().sketchFunction();
                yield f != null ? leaf(c, f) : FunctionCalls.evaluate(this, c);
            }
            default -> throw new NotLocalException(e + " needs raw samples");
        };
    }

    Value.Scalar constant(double v) {
        double[] vs = new double[steps];
        Arrays.fill(vs, v);
        return new Value.Scalar(vs, new double[steps]);
    }

    Value.Vector vector(Expr e) {
        return (Value.Vector) eval(e);
    }

    Value.Scalar scalar(Expr e) {
        return (Value.Scalar) eval(e);
    }

    // ---- leaves ----

    private Value.Vector leaf(Call c, SketchFunction f) {
        double phi = Double.NaN;
        Expr arg = c.args().getFirst();
        if (f == SketchFunction.QUANTILE_OVER_TIME) {
            phi = LocalPlanner.literal(arg);
            arg = c.args().get(1);
        }
        if (!(LocalPlanner.rangeArgument(arg) instanceof MatrixSelector m)) {
            throw new NotLocalException("argument of " + f.promqlName() + " is not a plain range selector");
        }
        VectorSelector sel = m.selector();
        long[] windowEnds = new long[steps];
        for (int i = 0; i < steps; i++) {
            long at = sel.at() != null ? sel.at().resolve(start, end) : times[i];
            windowEnds[i] = at - sel.offsetMillis();
        }
        RoaringBitmap ids = source.select(sel);
        int n = ids.getCardinality();
        seriesRead += n;
        if (seriesRead > limits.maxSeries()) {
            throw new QueryLimitException("query touches " + seriesRead + " series, more than query.max_series ("
                    + limits.maxSeries() + ")");
        }
        pointsRead += (long) n * steps;
        if (pointsRead > limits.maxPoints()) {
            throw new QueryLimitException("query processing would load too many samples into memory in query execution");
        }
        FunctionAccuracy acc = accuracy.computeIfAbsent(f.promqlName(), k -> new FunctionAccuracy());
        LeafChunk[] chunks = readLeaf(ids.toArray(), f, phi, m.rangeMillis(), windowEnds);
        int total = 0;
        for (LeafChunk part : chunks) {
            total += part.series.size();
            acc.merge(part.accuracy);
        }
        // storage order: by the full label set, metric name included
        ReadSeries[] order = new ReadSeries[total];
        int at = 0;
        boolean oneName = true;
        String name = null;
        for (LeafChunk part : chunks) {
            for (ReadSeries r : part.series) {
                order[at++] = r;
                String own = r.full.metricName();
                oneName &= name == null || name.equals(own);
                name = own;
            }
        }
        Arrays.sort(order, (a, b) -> a.full.compareTo(b.full));
        List<StepSeries> out = new ArrayList<>(order.length);
        // the function dropped the metric name: two series may now have the same labels. With one name (a selector of
        // one metric, the usual leaf) only two equal full sets can, and those are neighbours once sorted
        Set<Labels> seen = oneName ? null : new HashSet<>();
        for (int i = 0; i < order.length; i++) {
            StepSeries s = order[i].read;
            if (oneName ? i > 0 && order[i - 1].full.equals(order[i].full) : !seen.add(s.labels())) {
                throw new QueryExecutionException("vector cannot contain metrics with the same labelset");
            }
            out.add(s);
        }
        return new Value.Vector(out);
    }

    private record ReadSeries(Labels full, StepSeries read) {}

    /** What one part of a leaf's series read: their labels and step columns, the accuracy of their points. */
    private static final class LeafChunk {
        final List<ReadSeries> series;
        final FunctionAccuracy accuracy = new FunctionAccuracy();

        LeafChunk(int capacity) {
            series = new ArrayList<>(capacity);
        }
    }

    /**
     * Least work a task of a parallel leaf read gets, in series x steps x 5-minute spans of window: below it a
     * hand-off costs more than the reads. 64 series of an instant 5 m window; a single series of a dashboard's range
     * query (hundreds of steps) or of a 5 h window (its decode and select cost ~100 us at 1 s samples).
     */
    static final int MIN_WORK_PER_TASK = 64;
    private static final long WORK_SPAN_MILLIS = 300_000;
    /** Tasks per reading thread, so that threads that finish early take more. */
    private static final int TASKS_PER_THREAD = 4;

    /**
     * Reads a leaf's series in parts: the query thread and up to {@link LeafSource#readParallelism()} - 1 threads of
     * the source's read executor each take parts until none is left, so a leaf over a thousand series uses the
     * cores an idle node has, and a busy pool costs the query nothing (its thread reads whatever no helper took).
     */
    private LeafChunk[] readLeaf(int[] ids, SketchFunction f, double phi, long rangeMillis, long[] windowEnds) {
        int threads = source.readExecutor() == null ? 1 : Math.max(1, source.readParallelism());
        long workPerSeries = (long) Math.max(1, windowEnds.length) * Math.max(1, rangeMillis / WORK_SPAN_MILLIS);
        int minSeries = (int) Math.max(1, MIN_WORK_PER_TASK / workPerSeries);
        int tasks = Math.min(threads * TASKS_PER_THREAD, ids.length / minSeries);
        if (threads == 1 || tasks <= 1) {
            return new LeafChunk[] {readChunk(ids, 0, ids.length, f, phi, rangeMillis, windowEnds, null)};
        }
        LeafChunk[] chunks = new LeafChunk[tasks];
        // each part checks the deadline and stops at another part's failure
        SharedTasks.run(tasks, source.readExecutor(), threads - 1, (c, stop) -> {
            int from = (int) ((long) ids.length * c / tasks);
            int to = (int) ((long) ids.length * (c + 1) / tasks);
            chunks[c] = readChunk(ids, from, to, f, phi, rangeMillis, windowEnds, stop);
        }, () -> new QueryTimeoutException("query interrupted while reading its series"));
        return chunks;
    }

    /** Reads {@code ids[from, to)}; stops early once {@code stop} holds another part's failure. */
    private LeafChunk readChunk(int[] ids, int from, int to, SketchFunction f, double phi, long rangeMillis,
                                long[] windowEnds, AtomicReference<Throwable> stop) {
        LeafChunk chunk = new LeafChunk(to - from);
        double[] vs = new double[steps];
        double[] es = new double[steps];
        boolean[] ps = new boolean[steps];
        LeafSource.LeafReader reader = source.reader(f, phi);
        for (int i = from; i < to; i++) {
            limits.checkDeadline();
            if (stop != null && stop.get() != null) {
                return chunk;
            }
            int id = ids[i];
            Arrays.fill(ps, false);
            String why = reader.read(id, rangeMillis, windowEnds, vs, es, ps, chunk.accuracy);
            if (why != null) {
                throw new NotLocalException(why);
            }
            boolean any = false;
            for (boolean p : ps) {
                any |= p;
            }
            if (!any) {
                continue;
            }
            Labels.OfSeries labels = Labels.ofSeries(source.labels(id));
            StepSeries s = new StepSeries(labels.withoutMetricName(), steps);
            System.arraycopy(vs, 0, s.values, 0, steps);
            System.arraycopy(es, 0, s.errors, 0, steps);
            System.arraycopy(ps, 0, s.present, 0, steps);
            chunk.series.add(new ReadSeries(labels.full(), s));
        }
        return chunk;
    }

    // ---- unary and binary operators ----

    private Value unary(UnaryExpr u) {
        Value v = eval(u.expr());
        if (u.op() == '+') {
            return v;
        }
        if (v instanceof Value.Scalar s) {
            double[] out = new double[steps];
            for (int i = 0; i < steps; i++) {
                out[i] = -s.values()[i];
            }
            return new Value.Scalar(out, s.errors().clone());
        }
        VectorBuilder b = new VectorBuilder(steps);
        for (StepSeries s : ((Value.Vector) v).series()) {
            StepSeries o = b.series(s.labels().withoutMetricName());
            for (int i = 0; i < steps; i++) {
                if (s.present[i]) {
                    b.put(o, i, -s.values[i], s.errors[i]);
                }
            }
        }
        return b.build();
    }

    private Value binary(BinaryExpr b) {
        Value l = eval(b.lhs());
        Value r = eval(b.rhs());
        BinaryOp op = b.op();
        if (l instanceof Value.Scalar ls && r instanceof Value.Scalar rs) {
            double[] out = new double[steps];
            double[] err = new double[steps];
            for (int i = 0; i < steps; i++) {
                double a = ls.values()[i];
                double c = rs.values()[i];
                if (op.isComparison()) {
                    out[i] = compare(op, a, c) ? 1 : 0;
                    err[i] = 0;
                    if (decidedWithin(a, ls.errors()[i], c, rs.errors()[i])) {
                        uncertain.add("scalar comparison " + b);
                    }
                } else {
                    out[i] = arithmetic(op, a, c);
                    err[i] = arithmeticError(op, a, ls.errors()[i], c, rs.errors()[i]);
                }
            }
            return new Value.Scalar(out, err);
        }
        if (l instanceof Value.Vector lv && r instanceof Value.Scalar rs) {
            return vectorScalar(op, lv, rs, false, b.returnBool());
        }
        if (l instanceof Value.Scalar ls && r instanceof Value.Vector rv) {
            return vectorScalar(op, rv, ls, true, b.returnBool());
        }
        VectorMatching m = b.matching() != null ? b.matching() : VectorMatching.defaultFor(op);
        Value.Vector lv = (Value.Vector) l;
        Value.Vector rv = (Value.Vector) r;
        if (op.isSetOperator()) {
            return setOperation(op, m, lv, rv);
        }
        return vectorVector(op, m, lv, rv, b.returnBool());
    }

    /** Prometheus drops the metric name for arithmetic (2.42: not for atan2). */
    static boolean dropsMetricName(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW, MOD -> true;
            default -> false;
        };
    }

    static double arithmetic(BinaryOp op, double l, double r) {
        return switch (op) {
            case ADD -> l + r;
            case SUB -> l - r;
            case MUL -> l * r;
            case DIV -> l / r;
            case POW -> GoMath.pow(l, r);
            case MOD -> l % r;
            case ATAN2 -> Math.atan2(l, r);
            default -> throw new IllegalArgumentException(op + " is not arithmetic");
        };
    }

    static boolean compare(BinaryOp op, double l, double r) {
        return switch (op) {
            case EQL -> l == r;
            case NEQ -> l != r;
            case GTR -> l > r;
            case LSS -> l < r;
            case GTE -> l >= r;
            case LTE -> l <= r;
            default -> throw new IllegalArgumentException(op + " is not a comparison");
        };
    }

    /** Interval arithmetic on absolute bounds; NaN when the result cannot be bounded. */
    static double arithmeticError(BinaryOp op, double a, double ea, double b, double eb) {
        if (ea == 0 && eb == 0) {
            return 0;
        }
        double aa = Math.abs(a);
        double ab = Math.abs(b);
        double e = switch (op) {
            case ADD, SUB -> ea + eb;
            case MUL -> aa * eb + ab * ea + ea * eb;
            case DIV -> ab > eb ? (aa * eb + ab * ea) / (ab * (ab - eb)) : Double.NaN;
            case ATAN2 -> Double.NaN;
            default -> Double.NaN;
        };
        return Double.isInfinite(e) ? Double.NaN : e;
    }

    /** True when a comparison of a and b could go the other way within their bounds. */
    static boolean decidedWithin(double a, double ea, double b, double eb) {
        if (ea == 0 && eb == 0) {
            return false;
        }
        return Double.isNaN(ea) || Double.isNaN(eb) || Math.abs(a - b) <= ea + eb;
    }

    private Value.Vector vectorScalar(BinaryOp op, Value.Vector v, Value.Scalar s, boolean swap, boolean returnBool) {
        VectorBuilder b = new VectorBuilder(steps);
        boolean drop = dropsMetricName(op) || returnBool;
        for (StepSeries in : v.series()) {
            limits.checkDeadline();
            StepSeries out = null;
            for (int i = 0; i < steps; i++) {
                if (!in.present[i]) {
                    continue;
                }
                double lv = in.values[i];
                double le = in.errors[i];
                double rv = s.values()[i];
                double re = s.errors()[i];
                if (swap) {
                    double t = lv;
                    lv = rv;
                    rv = t;
                    t = le;
                    le = re;
                    re = t;
                }
                double value;
                double err;
                boolean keep = true;
                if (op.isComparison()) {
                    keep = compare(op, lv, rv);
                    value = swap ? rv : lv;
                    err = swap ? re : le;
                    if (decidedWithin(lv, le, rv, re)) {
                        uncertain.add(in.labels().toString());
                    }
                } else {
                    value = arithmetic(op, lv, rv);
                    err = arithmeticError(op, lv, le, rv, re);
                }
                if (returnBool) {
                    value = keep ? 1 : 0;
                    err = 0;
                    keep = true;
                }
                if (keep) {
                    if (out == null) {
                        out = b.series(drop ? in.labels().withoutMetricName() : in.labels());
                    }
                    b.put(out, i, value, err);
                }
            }
        }
        return b.build();
    }

    private static Labels signature(Labels l, VectorMatching m) {
        if (m.on()) {
            return l.keep(m.matchingLabels());
        }
        List<String> drop = new ArrayList<>(m.matchingLabels());
        drop.add(Labels.METRIC_NAME);
        return l.without(drop);
    }

    private Value.Vector setOperation(BinaryOp op, VectorMatching m, Value.Vector lv, Value.Vector rv) {
        Map<Labels, Integer> sigIds = new HashMap<>();
        int[] lg = new int[lv.series().size()];
        int[] rg = new int[rv.series().size()];
        for (int i = 0; i < lg.length; i++) {
            lg[i] = sigIds.computeIfAbsent(signature(lv.series().get(i).labels(), m), k -> sigIds.size());
        }
        for (int i = 0; i < rg.length; i++) {
            rg[i] = sigIds.computeIfAbsent(signature(rv.series().get(i).labels(), m), k -> sigIds.size());
        }
        int[] rhsStamp = new int[sigIds.size()];
        int[] lhsStamp = new int[sigIds.size()];
        VectorBuilder b = new VectorBuilder(steps);
        for (int step = 0; step < steps; step++) {
            limits.checkDeadline();
            int stamp = step + 1;
            for (int j = 0; j < rg.length; j++) {
                if (rv.series().get(j).present[step]) {
                    rhsStamp[rg[j]] = stamp;
                }
            }
            for (int i = 0; i < lg.length; i++) {
                StepSeries s = lv.series().get(i);
                if (!s.present[step]) {
                    continue;
                }
                boolean inRhs = rhsStamp[lg[i]] == stamp;
                if (op == BinaryOp.OR || (op == BinaryOp.AND) == inRhs) {
                    b.put(s.labels(), step, s.values[step], s.errors[step]);
                }
                lhsStamp[lg[i]] = stamp;
            }
            if (op == BinaryOp.OR) {
                for (int j = 0; j < rg.length; j++) {
                    StepSeries s = rv.series().get(j);
                    if (s.present[step] && lhsStamp[rg[j]] != stamp) {
                        b.put(s.labels(), step, s.values[step], s.errors[step]);
                    }
                }
            }
        }
        return b.build();
    }

    private Value.Vector vectorVector(BinaryOp op, VectorMatching m, Value.Vector lv, Value.Vector rv, boolean returnBool) {
        boolean oneToMany = m.card() == VectorMatching.Cardinality.ONE_TO_MANY;
        List<StepSeries> many = oneToMany ? rv.series() : lv.series();
        List<StepSeries> one = oneToMany ? lv.series() : rv.series();
        Map<Labels, Integer> sigIds = new HashMap<>();
        int[] oneGroup = new int[one.size()];
        for (int j = 0; j < oneGroup.length; j++) {
            oneGroup[j] = sigIds.computeIfAbsent(signature(one.get(j).labels(), m), k -> sigIds.size());
        }
        int[] manyGroup = new int[many.size()];
        for (int i = 0; i < manyGroup.length; i++) {
            Integer g = sigIds.get(signature(many.get(i).labels(), m));
            manyGroup[i] = g == null ? -1 : g;
        }
        int groups = sigIds.size();
        int[] oneAt = new int[groups];
        int[] oneStamp = new int[groups];
        int[] matchedStamp = new int[groups];
        Map<Long, StepSeries> outputs = new HashMap<>();
        VectorBuilder b = new VectorBuilder(steps);
        for (int step = 0; step < steps; step++) {
            limits.checkDeadline();
            int stamp = step + 1;
            for (int j = 0; j < oneGroup.length; j++) {
                StepSeries rs = one.get(j);
                if (!rs.present[step]) {
                    continue;
                }
                int g = oneGroup[j];
                if (oneStamp[g] == stamp) {
                    StepSeries dupl = one.get(oneAt[g]);
                    Labels matched = m.on() ? rs.labels().keep(m.matchingLabels())
                            : rs.labels().without(withName(m.matchingLabels()));
                    throw new QueryExecutionException("found duplicate series for the match group " + matched
                            + " on the " + (oneToMany ? "left" : "right") + " hand-side of the operation: ["
                            + rs.labels() + ", " + dupl.labels() + "];many-to-many matching not allowed: matching labels must be unique on one side");
                }
                oneStamp[g] = stamp;
                oneAt[g] = j;
            }
            for (int i = 0; i < manyGroup.length; i++) {
                StepSeries ls = many.get(i);
                int g = manyGroup[i];
                if (!ls.present[step] || g < 0 || oneStamp[g] != stamp) {
                    continue;
                }
                int j = oneAt[g];
                StepSeries rs = one.get(j);
                double vl = ls.values[step];
                double el = ls.errors[step];
                double vr = rs.values[step];
                double er = rs.errors[step];
                if (oneToMany) {
                    double t = vl;
                    vl = vr;
                    vr = t;
                    t = el;
                    el = er;
                    er = t;
                }
                double value;
                double err;
                boolean keep = true;
                if (op.isComparison()) {
                    keep = compare(op, vl, vr);
                    value = vl;
                    err = el;
                    if (decidedWithin(vl, el, vr, er)) {
                        uncertain.add(ls.labels().toString());
                    }
                } else {
                    value = arithmetic(op, vl, vr);
                    err = arithmeticError(op, vl, el, vr, er);
                }
                if (returnBool) {
                    value = keep ? 1 : 0;
                    err = 0;
                } else if (!keep) {
                    continue;
                }
                long pair = (long) i * one.size() + j;
                StepSeries out = outputs.get(pair);
                if (out == null) {
                    Labels labels = resultLabels(ls.labels(), rs.labels(), op, m);
                    if (returnBool) {
                        labels = labels.withoutMetricName();
                    }
                    out = b.series(labels);
                    outputs.put(pair, out);
                }
                if (m.card() == VectorMatching.Cardinality.ONE_TO_ONE) {
                    if (matchedStamp[g] == stamp) {
                        throw new QueryExecutionException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                    }
                    matchedStamp[g] = stamp;
                } else if (out.present[step]) {
                    throw new QueryExecutionException("multiple matches for labels: grouping labels must ensure unique matches");
                }
                b.put(out, step, value, err);
            }
        }
        return b.build();
    }

    private static List<String> withName(List<String> names) {
        List<String> l = new ArrayList<>(names);
        l.add(Labels.METRIC_NAME);
        return l;
    }

    private static Labels resultLabels(Labels many, Labels one, BinaryOp op, VectorMatching m) {
        Labels l = dropsMetricName(op) ? many.withoutMetricName() : many;
        if (m.card() == VectorMatching.Cardinality.ONE_TO_ONE) {
            l = m.on() ? l.keep(m.matchingLabels()) : l.without(m.matchingLabels());
        } else {
            for (String name : m.include()) {
                l = l.with(name, one.get(name));
            }
        }
        return l;
    }
}
