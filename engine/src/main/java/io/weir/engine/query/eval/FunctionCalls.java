package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.weir.engine.series.InvalidRegexException;
import io.weir.engine.series.LabelRegex;

/** The instant-vector and scalar functions, with Prometheus 2.42's values, labels and errors. */
final class FunctionCalls {
    /** The functions this evaluator implements (besides the sketch-answered range functions). */
    static final Set<String> SUPPORTED = Set.of("abs", "ceil", "floor", "round", "sqrt", "exp", "ln", "log2", "log10",
            "sgn", "clamp", "clamp_min", "clamp_max", "scalar", "vector", "absent", "label_replace", "label_join",
            "sort", "sort_desc", "timestamp", "minute", "hour", "day_of_week", "day_of_month", "day_of_year",
            "days_in_month", "month", "year", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin",
            "sinh", "tan", "tanh", "deg", "rad", "pi", "time");

    private FunctionCalls() {}

    static Value evaluate(ExprEvaluator ev, Call c) {
        String name = c.function().name();
        List<Expr> args = c.args();
        return switch (name) {
            case "time" -> {
                double[] v = new double[ev.steps];
                for (int i = 0; i < ev.steps; i++) {
                    v[i] = ev.times[i] / 1000.0;
                }
                yield new Value.Scalar(v, new double[ev.steps]);
            }
            case "pi" -> ev.constant(Math.PI);
            case "vector" -> {
                Value.Scalar s = ev.scalar(args.getFirst());
                StepSeries out = new StepSeries(Labels.EMPTY, ev.steps);
                for (int i = 0; i < ev.steps; i++) {
                    out.set(i, s.values()[i], s.errors()[i]);
                }
                yield new Value.Vector(List.of(out));
            }
            case "scalar" -> scalar(ev, ev.vector(args.getFirst()));
            case "abs" -> map(ev, args, Math::abs, Lipschitz.ONE);
            case "ceil" -> map(ev, args, Math::ceil, Lipschitz.MONOTONE);
            case "floor" -> map(ev, args, Math::floor, Lipschitz.MONOTONE);
            case "sqrt" -> map(ev, args, Math::sqrt, Lipschitz.MONOTONE);
            case "exp" -> map(ev, args, Math::exp, Lipschitz.MONOTONE);
            case "ln" -> map(ev, args, Math::log, Lipschitz.MONOTONE);
            case "log2" -> map(ev, args, GoMath::log2, Lipschitz.MONOTONE);
            case "log10" -> map(ev, args, Math::log10, Lipschitz.MONOTONE);
            case "sgn" -> map(ev, args, v -> v < 0 ? -1 : v > 0 ? 1 : v, Lipschitz.MONOTONE);
            case "deg" -> map(ev, args, v -> v * 180 / Math.PI, Lipschitz.MONOTONE);
            case "rad" -> map(ev, args, v -> v * Math.PI / 180, Lipschitz.MONOTONE);
            case "sin" -> map(ev, args, Math::sin, Lipschitz.ONE);
            case "cos" -> map(ev, args, Math::cos, Lipschitz.ONE);
            case "tan" -> map(ev, args, Math::tan, Lipschitz.NONE);
            case "asin" -> map(ev, args, Math::asin, Lipschitz.MONOTONE);
            case "acos" -> map(ev, args, Math::acos, Lipschitz.MONOTONE);
            case "atan" -> map(ev, args, Math::atan, Lipschitz.MONOTONE);
            case "sinh" -> map(ev, args, Math::sinh, Lipschitz.MONOTONE);
            case "cosh" -> map(ev, args, Math::cosh, Lipschitz.NONE);
            case "tanh" -> map(ev, args, Math::tanh, Lipschitz.MONOTONE);
            case "asinh" -> map(ev, args, GoMath::asinh, Lipschitz.MONOTONE);
            case "acosh" -> map(ev, args, GoMath::acosh, Lipschitz.MONOTONE);
            case "atanh" -> map(ev, args, GoMath::atanh, Lipschitz.MONOTONE);
            case "round" -> round(ev, args);
            case "clamp", "clamp_min", "clamp_max" -> clamp(ev, name, args);
            case "timestamp" -> timestamp(ev, ev.vector(args.getFirst()));
            case "minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year" ->
                    date(ev, name, args);
            case "absent" -> absent(ev, ev.vector(args.getFirst()));
            case "sort", "sort_desc" -> sort(ev, name.equals("sort_desc"), ev.vector(args.getFirst()));
            case "label_replace" -> labelReplace(ev, args);
            case "label_join" -> labelJoin(ev, args);
            default -> throw new NotLocalException("function " + name + " is not evaluated by Weir");
        };
    }

    /** How an error bound passes through a function. */
    private enum Lipschitz {
        /** |f(x) - f(y)| <= |x - y| */
        ONE,
        /** monotone: the image of [v-e, v+e] lies between f(v-e) and f(v+e) */
        MONOTONE,
        /** no bound is derived */
        NONE
    }

    private static double mappedError(DoubleUnaryOperator f, Lipschitz kind, double v, double e, double y) {
        if (e == 0) {
            return 0;
        }
        if (Double.isNaN(e)) {
            return Double.NaN;
        }
        return switch (kind) {
            case ONE -> e;
            case MONOTONE -> {
                double r = Math.max(Math.abs(f.applyAsDouble(v + e) - y), Math.abs(f.applyAsDouble(v - e) - y));
                yield Double.isFinite(r) ? r : Double.NaN;
            }
            case NONE -> Double.NaN;
        };
    }

    private static Value.Vector map(ExprEvaluator ev, List<Expr> args, DoubleUnaryOperator f, Lipschitz kind) {
        Value.Vector in = ev.vector(args.getFirst());
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            ev.limits.checkDeadline();
            StepSeries o = null;
            for (int i = 0; i < ev.steps; i++) {
                if (!s.present[i]) {
                    continue;
                }
                if (o == null) {
                    o = b.series(s.labels().withoutMetricName());
                }
                double y = f.applyAsDouble(s.values[i]);
                b.put(o, i, y, mappedError(f, kind, s.values[i], s.errors[i], y));
            }
        }
        return b.build();
    }

    private static Value.Scalar scalar(ExprEvaluator ev, Value.Vector in) {
        double[] v = new double[ev.steps];
        double[] e = new double[ev.steps];
        for (int i = 0; i < ev.steps; i++) {
            int n = 0;
            for (StepSeries s : in.series()) {
                if (s.present[i]) {
                    n++;
                    v[i] = s.values[i];
                    e[i] = s.errors[i];
                }
            }
            if (n != 1) {
                v[i] = Double.NaN;
                e[i] = 0;
            }
        }
        return new Value.Scalar(v, e);
    }

    private static Value.Vector round(ExprEvaluator ev, List<Expr> args) {
        Value.Vector in = ev.vector(args.getFirst());
        Value.Scalar to = args.size() > 1 ? ev.scalar(args.get(1)) : ev.constant(1);
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            for (int i = 0; i < ev.steps; i++) {
                if (!s.present[i]) {
                    continue;
                }
                double inverse = 1.0 / to.values()[i];
                DoubleUnaryOperator f = v -> Math.floor(v * inverse + 0.5) / inverse;
                double y = f.applyAsDouble(s.values[i]);
                b.put(s.labels().withoutMetricName(), i, y, mappedError(f, Lipschitz.MONOTONE, s.values[i], s.errors[i], y));
            }
        }
        return b.build();
    }

    private static Value.Vector clamp(ExprEvaluator ev, String name, List<Expr> args) {
        Value.Vector in = ev.vector(args.getFirst());
        Value.Scalar lo;
        Value.Scalar hi;
        switch (name) {
            case "clamp" -> {
                lo = ev.scalar(args.get(1));
                hi = ev.scalar(args.get(2));
            }
            case "clamp_min" -> {
                lo = ev.scalar(args.get(1));
                hi = ev.constant(Double.POSITIVE_INFINITY);
            }
            default -> {
                lo = ev.constant(Double.NEGATIVE_INFINITY);
                hi = ev.scalar(args.get(1));
            }
        }
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (int i = 0; i < ev.steps; i++) {
            double min = lo.values()[i];
            double max = hi.values()[i];
            if (name.equals("clamp") && max < min) {
                continue;
            }
            DoubleUnaryOperator f = switch (name) {
                case "clamp" -> v -> Math.max(min, Math.min(max, v));
                case "clamp_min" -> v -> Math.max(v, min);
                default -> v -> Math.min(v, max);
            };
            for (StepSeries s : in.series()) {
                if (s.present[i]) {
                    double y = f.applyAsDouble(s.values[i]);
                    b.put(s.labels().withoutMetricName(), i, y, mappedError(f, Lipschitz.ONE, s.values[i], s.errors[i], y));
                }
            }
        }
        return b.build();
    }

    private static Value.Vector timestamp(ExprEvaluator ev, Value.Vector in) {
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            for (int i = 0; i < ev.steps; i++) {
                if (s.present[i]) {
                    b.put(s.labels().withoutMetricName(), i, ev.times[i] / 1000.0, 0);
                }
            }
        }
        return b.build();
    }

    private static Value.Vector date(ExprEvaluator ev, String name, List<Expr> args) {
        Value.Vector in;
        if (args.isEmpty()) {
            StepSeries now = new StepSeries(Labels.EMPTY, ev.steps);
            for (int i = 0; i < ev.steps; i++) {
                now.set(i, ev.times[i] / 1000.0, 0);
            }
            in = new Value.Vector(List.of(now));
        } else {
            in = ev.vector(args.getFirst());
        }
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            for (int i = 0; i < ev.steps; i++) {
                if (!s.present[i]) {
                    continue;
                }
                double v = s.values[i];
                LocalDateTime t = LocalDateTime.ofEpochSecond((long) v, 0, ZoneOffset.UTC);
                double r = switch (name) {
                    case "minute" -> t.getMinute();
                    case "hour" -> t.getHour();
                    case "day_of_week" -> t.getDayOfWeek().getValue() % 7;
                    case "day_of_month" -> t.getDayOfMonth();
                    case "day_of_year" -> t.getDayOfYear();
                    case "days_in_month" -> t.toLocalDate().lengthOfMonth();
                    case "month" -> t.getMonthValue();
                    default -> t.getYear();
                };
                double e = s.errors[i] == 0 ? 0 : Double.NaN;
                b.put(s.labels().withoutMetricName(), i, r, e);
            }
        }
        return b.build();
    }

    private static Value.Vector absent(ExprEvaluator ev, Value.Vector in) {
        StepSeries out = new StepSeries(Labels.EMPTY, ev.steps);
        for (int i = 0; i < ev.steps; i++) {
            boolean any = false;
            for (StepSeries s : in.series()) {
                any |= s.present[i];
            }
            if (!any) {
                out.set(i, 1, 0);
            }
        }
        return new Value.Vector(out.empty() ? List.of() : List.of(out));
    }

    /** Reorders an instant query's vector; a range query's matrix is sorted by labels anyway, as in Prometheus. */
    private static Value.Vector sort(ExprEvaluator ev, boolean descending, Value.Vector in) {
        if (ev.steps != 1) {
            return in;
        }
        List<StepSeries> sorted = new ArrayList<>(in.series());
        Comparator<StepSeries> byValue = (a, b) -> {
            double va = a.values[0];
            double vb = b.values[0];
            if (Double.isNaN(va) || Double.isNaN(vb)) {
                return Boolean.compare(Double.isNaN(va), Double.isNaN(vb));
            }
            return descending ? Double.compare(vb, va) : Double.compare(va, vb);
        };
        sorted.sort(byValue);
        return new Value.Vector(sorted);
    }

    private static String text(ExprEvaluator ev, Expr e) {
        return ((Value.Text) ev.eval(e)).value();
    }

    private static Value.Vector labelReplace(ExprEvaluator ev, List<Expr> args) {
        Value.Vector in = ev.vector(args.getFirst());
        String dst = text(ev, args.get(1));
        String replacement = text(ev, args.get(2));
        String src = text(ev, args.get(3));
        String regex = text(ev, args.get(4));
        Pattern p;
        try {
            // RE2 (linear time, Prometheus' dialect) like every user regex; LabelRegex first applies the size and
            // nesting limits RE2/J lacks. Anchored as Prometheus 2.42 anchors it ('.' does not match '\n' here).
            LabelRegex.compile(regex);
            p = Pattern.compile("^(?:" + regex + ")$");
        } catch (InvalidRegexException | PatternSyntaxException e) {
            throw new QueryExecutionException("invalid regular expression in label_replace(): " + regex);
        }
        if (!GoMath.validLabelName(dst)) {
            throw new QueryExecutionException("invalid destination label name in label_replace(): " + dst);
        }
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            Labels l = s.labels();
            Matcher m = p.matcher(l.get(src));
            if (m.matches()) {
                l = l.with(dst, GoMath.expand(replacement, m));
            }
            copyInto(b, l, s);
        }
        return b.build();
    }

    private static Value.Vector labelJoin(ExprEvaluator ev, List<Expr> args) {
        Value.Vector in = ev.vector(args.getFirst());
        String dst = text(ev, args.get(1));
        String sep = text(ev, args.get(2));
        List<String> srcs = new ArrayList<>();
        for (int i = 3; i < args.size(); i++) {
            String s = text(ev, args.get(i));
            if (!GoMath.validLabelName(s)) {
                throw new QueryExecutionException("invalid source label name in label_join(): " + s);
            }
            srcs.add(s);
        }
        if (!GoMath.validLabelName(dst)) {
            throw new QueryExecutionException("invalid destination label name in label_join(): " + dst);
        }
        VectorBuilder b = new VectorBuilder(ev.steps);
        for (StepSeries s : in.series()) {
            StringBuilder joined = new StringBuilder();
            for (int i = 0; i < srcs.size(); i++) {
                if (i > 0) {
                    joined.append(sep);
                }
                joined.append(s.labels().get(srcs.get(i)));
            }
            copyInto(b, s.labels().with(dst, joined.toString()), s);
        }
        return b.build();
    }

    private static void copyInto(VectorBuilder b, Labels labels, StepSeries s) {
        StepSeries o = null;
        for (int i = 0; i < s.steps(); i++) {
            if (s.present[i]) {
                if (o == null) {
                    o = b.series(labels);
                }
                b.put(o, i, s.values[i], s.errors[i]);
            }
        }
    }
}
