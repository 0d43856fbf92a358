package io.weir.engine.query.promqltest;

import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.SketchQueryEngine;
import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.InvalidQueryException;
import io.weir.engine.query.eval.Labels;
import io.weir.engine.query.eval.LocalPlanner;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.StepSeries;
import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.AtModifier;
import io.weir.engine.query.promql.BinaryExpr;
import io.weir.engine.query.promql.ExprWalk;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.SubqueryExpr;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.slab.SlabArena;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs a promqltest file against Weir: the loaded samples go into a sketch-only engine (one {@link SketchShard}
 * whose targets give every series every family, the exact tier as configured, no backend) and each selected
 * {@code eval} is answered by {@link ExprEvaluator} over {@link SketchQueryEngine}, then compared as Prometheus'
 * promqltest compares: labels exactly, values almost equal (relative 1e-6, NaN equals NaN), order only for
 * {@code eval_ordered} (a matrix must be sorted by labels); an instant eval is also run as a range query over
 * [t-1m, t+1m] at 1m steps and its middle step compared. Annotations (warnings, infos) and the messages of
 * expected failures are not compared: Weir emits no annotations, and its messages are its own.
 *
 * <p>As Prometheus' harness does, an instant eval is run again with every selector pinned by {@code @ t} to its
 * time t and evaluated at -10t, 0, t/5, t and 10t (or -1000, 0, 1000 when t = 0), unless it calls a function whose
 * value depends on the evaluation time.
 *
 * <p>A case is selected when its expression calls one of the 13 sketch functions; it then counts as not local
 * when it has a subquery, when {@link LocalPlanner} would send it to a backend, when Weir's parser refuses it, or
 * when it reads native histograms (which Weir forwards but does not sketch).
 */
final class PromqlTestRunner implements AutoCloseable {
    static final Pattern SKETCH_FUNCTION = Pattern.compile(
            "\\b(avg|sum|count|min|max|stddev|stdvar|quantile|sum2|distinct|l1|l2|entropy)_over_time\\s*\\(");
    private static final double EPSILON = 1e-6;
    private static final double MIN_NORMAL = Double.MIN_NORMAL;
    private static final long MINUTE = 60_000;

    enum Verdict { PASSED, FAILED, NOT_LOCAL }

    record Case(String file, int line, String expr, Verdict verdict, String detail) {
        @Override
        public String toString() {
            return file + ":" + line + " " + expr + " -> " + verdict + (detail == null ? "" : ": " + detail);
        }
    }

    private final String file;
    private final Path tmp;
    private final int exactMaxBytes;
    private final long windowMillis;
    private final List<Case> cases = new ArrayList<>();
    private final List<Labels> histogramSeries = new ArrayList<>();
    private SeriesTable series;
    private SketchShard shard;
    private SketchQueryEngine engine;
    private int generation;

    private PromqlTestRunner(String file, Path tmp, int exactMaxBytes, long windowMillis) {
        this.file = file;
        this.tmp = tmp;
        this.exactMaxBytes = exactMaxBytes;
        this.windowMillis = windowMillis;
    }

    /**
     * @param exactMaxBytes the exact tier's largest block (the node's default is 256 KiB), 0 for sketches only
     * @return every selected case with its verdict
     */
    static List<Case> run(String file, String text, Path tmp, int exactMaxBytes) {
        PromqlTestScript script = PromqlTestScript.parse(text);
        // one window for the whole file, long enough that nothing loaded leaves it: the files load first and then
        // query any time in the past, which a sliding window only answers while it still holds that past
        long last = 0;
        for (PromqlTestScript.Command c : script.commands) {
            if (c instanceof PromqlTestScript.Load l) {
                for (SeriesNotation.Series s : l.series()) {
                    last = Math.max(last, s.items().size() * l.stepMillis());
                }
            }
        }
        long window = Math.max(3_600_000, (last / 3_600_000 + 2) * 3_600_000);
        try (PromqlTestRunner r = new PromqlTestRunner(file, tmp, exactMaxBytes, window)) {
            r.reset();
            for (PromqlTestScript.Command c : script.commands) {
                switch (c) {
                    case PromqlTestScript.Clear x -> r.reset();
                    case PromqlTestScript.Load l -> r.load(l);
                    case PromqlTestScript.Eval e -> r.eval(e);
                }
            }
            return r.cases;
        }
    }

    private void reset() {
        close();
        histogramSeries.clear();
        series = SeriesTable.open(tmp.resolve(file + "-" + generation++), 100_000);
        SketchTargets every = SketchTargets.everyFunction(windowMillis);
        shard = new SketchShard(1, new SlabArena(256L << 20, 1 << 20, 4), every, exactMaxBytes);
        engine = new SketchQueryEngine(series, new SketchShard[] {shard}, true);
    }

    private void load(PromqlTestScript.Load load) {
        for (SeriesNotation.Series s : load.series()) {
            String[] pairs = sortedPairs(s.labels());
            if (s.hasHistogram()) {
                histogramSeries.add(Labels.of(pairs));
                continue;
            }
            int id = series.getOrCreate(CanonicalLabels.of(pairs));
            List<SeriesNotation.Item> items = s.items();
            for (int i = 0; i < items.size(); i++) {
                if (!items.get(i).omitted()) {
                    shard.update(id, i * load.stepMillis(), items.get(i).value());
                }
            }
        }
    }

    private static String[] sortedPairs(List<String> labels) {
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < labels.size(); i += 2) {
            pairs.add(new String[] {labels.get(i), labels.get(i + 1)});
        }
        pairs.sort((x, y) -> x[0].compareTo(y[0]));
        String[] out = new String[pairs.size() * 2];
        for (int i = 0; i < pairs.size(); i++) {
            out[2 * i] = pairs.get(i)[0];
            out[2 * i + 1] = pairs.get(i)[1];
        }
        return out;
    }

    private void eval(PromqlTestScript.Eval e) {
        if (!SKETCH_FUNCTION.matcher(e.expr()).find()) {
            return;
        }
        Expr expr;
        try {
            expr = PromQLParser.parse(e.expr());
        } catch (RuntimeException parse) {
            record(e, Verdict.NOT_LOCAL, "Weir's parser: " + parse.getMessage());
            return;
        }
        String why = notLocal(expr, e);
        if (why != null) {
            record(e, Verdict.NOT_LOCAL, why);
            return;
        }
        String failure = e.instant() ? instant(e, expr) : range(e, expr);
        record(e, failure == null ? Verdict.PASSED : Verdict.FAILED, failure);
    }

    private void record(PromqlTestScript.Eval e, Verdict v, String detail) {
        cases.add(new Case(file, e.line(), e.expr(), v, detail));
    }

    private String notLocal(Expr expr, PromqlTestScript.Eval e) {
        String[] why = new String[1];
        ExprWalk.preOrder(expr, node -> {
            if (node instanceof SubqueryExpr) {
                why[0] = "subquery";
            } else if (node instanceof VectorSelector v) {
                for (Labels h : histogramSeries) {
                    if (matches(v, h) && why[0] == null) {
                        why[0] = "reads native histograms (forwarded, not sketched)";
                    }
                }
            }
        });
        if (why[0] != null) {
            return why[0];
        }
        if (e.expected().stream().anyMatch(SeriesNotation.Series::hasHistogram)) {
            return "expects native histograms (forwarded, not sketched)";
        }
        return LocalPlanner.reasonNotLocal(expr);
    }

    private static boolean matches(VectorSelector v, Labels labels) {
        for (LabelMatcher m : v.matchers()) {
            String value = labels.get(m.name());
            if (!m.matches(value == null ? "" : value)) {
                return false;
            }
        }
        return true;
    }

    /** @return null when it matches, else what differs */
    private String instant(PromqlTestScript.Eval e, Expr expr) {
        String failure = instantAt(e, expr, e.start());
        if (failure != null) {
            return failure;
        }
        String[] unsafe = new String[1];
        ExprWalk.preOrder(expr, n -> {
            if (n instanceof Call c && AT_UNSAFE.contains(c.function().name())) {
                unsafe[0] = c.function().name();
            }
        });
        if (unsafe[0] != null) {
            return null;
        }
        long t = e.start();
        Expr pinned = pin(expr, AtModifier.at(t));
        for (long at : t == 0 ? new long[] {-1000, 0, 1000} : new long[] {-10 * t, 0, t / 5, t, 10 * t}) {
            failure = instantAt(e, pinned, at);
            if (failure != null) {
                return "pinned with @ " + t + " and evaluated at " + at + ": " + failure;
            }
        }
        return null;
    }

    /** Functions whose value depends on the evaluation time itself, as Prometheus' AtModifierUnsafeFunctions. */
    private static final Set<String> AT_UNSAFE = Set.of("days_in_month", "day_of_month", "day_of_week", "day_of_year",
            "hour", "minute", "month", "year", "predict_linear", "time", "timestamp");

    private String instantAt(PromqlTestScript.Eval e, Expr expr, long t) {
        String failure = evaluate(e, expr, t, t, 0, 0);
        if (failure != null || e.fail() || e.ordered()) {
            return failure;
        }
        failure = evaluate(e, expr, t - MINUTE, t + MINUTE, MINUTE, 1);
        return failure == null ? null : "range mode: " + failure;
    }

    /** The expression with every selector that has no {@code @} pinned to {@code at}. */
    private static Expr pin(Expr e, AtModifier at) {
        return switch (e) {
            case VectorSelector v -> v.at() == null ? v.withAt(at) : v;
            case MatrixSelector m -> new MatrixSelector((VectorSelector) pin(m.selector(), at), m.rangeMillis());
            case ParenExpr p -> new ParenExpr(pin(p.expr(), at));
            case UnaryExpr u -> new UnaryExpr(u.op(), pin(u.expr(), at));
            case BinaryExpr b -> new BinaryExpr(b.op(), pin(b.lhs(), at), pin(b.rhs(), at), b.returnBool(), b.matching());
            case AggregateExpr a -> new AggregateExpr(a.op(), a.param() == null ? null : pin(a.param(), at),
                    pin(a.expr(), at), a.grouping(), a.without(), a.groupingGiven());
            case Call c -> new Call(c.function(), c.args().stream().map(x -> pin(x, at)).toList());
            default -> e;
        };
    }

    private String range(PromqlTestScript.Eval e, Expr expr) {
        return evaluate(e, expr, e.start(), e.end(), e.step(), -1);
    }

    /** @param pick for an instant eval, the step whose values are compared; -1 for a range eval */
    private String evaluate(PromqlTestScript.Eval e, Expr expr, long start, long end, long step, int pick) {
        String[] why = new String[1];
        QueryResult r;
        try {
            r = ExprEvaluator.evaluate(expr, engine, start, end, step, EvalLimits.none(), why);
        } catch (QueryExecutionException | InvalidQueryException err) {
            return e.fail() ? null : "error: " + err.getMessage();
        }
        if (r == null) {
            return "not answered by the sketches: " + why[0];
        }
        if (e.fail()) {
            return "expected an error, got " + describe(r, Math.max(pick, 0));
        }
        return pick < 0 ? compareMatrix(e, r) : compareInstant(e, r, pick);
    }

    private static String compareInstant(PromqlTestScript.Eval e, QueryResult r, int pick) {
        if (e.scalar() != null) {
            double got;
            if (r.resultType().equals("scalar")) {
                got = r.scalarValue();
            } else if (r.resultType().equals("matrix") && pick > 0 && r.series().size() == 1 && r.series().getFirst().labels().size() == 0) {
                got = r.series().getFirst().value(pick);
            } else {
                return "expected scalar " + e.scalar() + ", got " + describe(r, pick);
            }
            return almostEqual(e.scalar(), got) ? null : "expected scalar " + e.scalar() + ", got " + got;
        }
        if (r.resultType().equals("scalar") || r.resultType().equals("string")) {
            return "expected a vector, got " + describe(r, pick);
        }
        Map<Labels, Double> expected = new HashMap<>();
        Map<Labels, Integer> position = new HashMap<>();
        for (SeriesNotation.Series s : e.expected()) {
            Labels l = Labels.of(s.labels().toArray(new String[0]));
            expected.put(l, s.items().getFirst().value());
            position.put(l, position.size());
        }
        int pos = 0;
        int seen = 0;
        for (StepSeries s : r.series()) {
            if (!s.present(pick)) {
                continue;
            }
            Double want = expected.get(s.labels());
            if (want == null) {
                return "unexpected " + s.labels() + " " + s.value(pick) + " in " + describe(r, pick);
            }
            if (e.ordered() && position.get(s.labels()) != pos) {
                return s.labels() + " at position " + pos + ", expected at " + position.get(s.labels());
            }
            if (!almostEqual(want, s.value(pick))) {
                return "expected " + want + " for " + s.labels() + ", got " + s.value(pick);
            }
            pos++;
            seen++;
        }
        return seen == expected.size() ? null : "expected " + expected + ", got " + describe(r, pick);
    }

    private static String compareMatrix(PromqlTestScript.Eval e, QueryResult r) {
        if (!r.resultType().equals("matrix")) {
            return "expected a matrix, got " + r.resultType();
        }
        Map<Labels, SeriesNotation.Series> expected = new HashMap<>();
        for (SeriesNotation.Series s : e.expected()) {
            expected.put(Labels.of(s.labels().toArray(new String[0])), s);
        }
        long[] times = r.times();
        int matched = 0;
        for (int i = 1; i < r.series().size(); i++) {
            if (r.series().get(i - 1).labels().compareTo(r.series().get(i).labels()) >= 0) {
                return "matrix not sorted by labels: " + r.series().get(i - 1).labels() + " before " + r.series().get(i).labels();
            }
        }
        for (StepSeries s : r.series()) {
            SeriesNotation.Series want = expected.get(s.labels());
            if (want == null) {
                return "unexpected series " + s.labels() + " " + points(s, times);
            }
            matched++;
            for (int i = 0; i < times.length; i++) {
                SeriesNotation.Item item = i < want.items().size() ? want.items().get(i) : SeriesNotation.Item.OMITTED;
                if (item.omitted() != !s.present(i)) {
                    return s.labels() + " at " + times[i] + ": expected " + (item.omitted() ? "no point" : item.value())
                            + ", got " + points(s, times);
                }
                if (s.present(i) && !almostEqual(item.value(), s.value(i))) {
                    return s.labels() + " at " + times[i] + ": expected " + item.value() + ", got " + points(s, times);
                }
            }
        }
        return matched == expected.size() ? null : "expected " + expected.keySet() + ", got " + r.series().stream().map(StepSeries::labels).toList();
    }

    private static String points(StepSeries s, long[] times) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < times.length; i++) {
            sb.append(i == 0 ? "" : " ").append(s.present(i) ? String.valueOf(s.value(i)) : "_");
        }
        return sb.append(']').toString();
    }

    private static String describe(QueryResult r, int step) {
        if (r.resultType().equals("scalar")) {
            return "scalar " + r.scalarValue();
        }
        if (r.resultType().equals("string")) {
            return "string " + r.text();
        }
        StringBuilder sb = new StringBuilder(r.resultType()).append(" {");
        for (StepSeries s : r.series()) {
            if (s.present(step)) {
                sb.append(s.labels()).append('=').append(s.value(step)).append(' ');
            }
        }
        return sb.append('}').toString();
    }

    /** Prometheus' util/almost.Equal. */
    static boolean almostEqual(double a, double b) {
        if (Double.isNaN(a) && Double.isNaN(b)) {
            return true;
        }
        if (a == b) {
            return true;
        }
        double absSum = Math.abs(a) + Math.abs(b);
        double diff = Math.abs(a - b);
        if (a == 0 || b == 0 || absSum < MIN_NORMAL) {
            return diff < EPSILON * MIN_NORMAL;
        }
        return diff / Math.min(absSum, Double.MAX_VALUE) < EPSILON;
    }

    @Override
    public void close() {
        if (shard != null) {
            shard.close();
            shard = null;
        }
        if (series != null) {
            series.close();
            series = null;
        }
    }
}
