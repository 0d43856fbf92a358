package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.AggregateOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The aggregation operators over step columns. Groups are fixed per series (labels do not change across steps),
 * so grouping is computed once and each step only accumulates. Prometheus 2.42's arithmetic is kept exactly
 * (incremental mean for avg, Welford for stddev/stdvar, NaN handling of min/max and of topk/bottomk).
 */
final class Aggregation {
    private Aggregation() {}

    static Value evaluate(ExprEvaluator ev, AggregateExpr a) {
        AggregateOp op = a.op();
        Value.Scalar param = null;
        String label = null;
        if (op == AggregateOp.COUNT_VALUES) {
            label = ((Value.Text) ev.eval(a.param())).value();
            if (!GoMath.validLabelName(label)) {
                throw new QueryExecutionException("invalid label name \"" + label + "\"");
            }
        } else if (op.hasParam()) {
            param = ev.scalar(a.param());
        }
        Value.Vector in = ev.vector(a.expr());
        List<String> grouping = new ArrayList<>(new TreeSet<>(a.grouping()));
        List<String> dropped = new ArrayList<>(grouping);
        dropped.add(Labels.METRIC_NAME);
        if (op == AggregateOp.COUNT_VALUES) {
            return countValues(ev, a, in, label, grouping, dropped);
        }
        List<StepSeries> series = in.series();
        List<Labels> groupLabels = new ArrayList<>();
        int[] group = new int[series.size()];
        // a group's labels are built once, for its first series; the others are matched without building theirs
        Collection<String> on = a.without() ? dropped : grouping;
        GroupIndex index = new GroupIndex(group.length);
        for (int i = 0; i < group.length; i++) {
            Labels l = series.get(i).labels();
            int h = l.hashOn(on, a.without());
            int g = index.find(h, l, on, a.without(), groupLabels);
            if (g < 0) {
                g = groupLabels.size();
                groupLabels.add(a.without() ? l.without(on) : l.keep(on));
                index.add(h, g);
            }
            group[i] = g;
        }
        int groups = groupLabels.size();
        VectorBuilder out = new VectorBuilder(ev.steps);
        if (op == AggregateOp.TOPK || op == AggregateOp.BOTTOMK || op == AggregateOp.QUANTILE) {
            selectEach(ev, op, param, series, group, groups, groupLabels, out);
            return out.build();
        }
        double[] value = new double[groups];
        double[] mean = new double[groups];
        double[] count = new double[groups];
        double[] err = new double[groups];
        int[] seenStamp = new int[groups];
        int[] order = new int[groups];
        for (int step = 0; step < ev.steps; step++) {
            ev.limits.checkDeadline();
            int stamp = step + 1;
            int n = 0;
            for (int i = 0; i < group.length; i++) {
                StepSeries s = series.get(i);
                if (!s.present[step]) {
                    continue;
                }
                double v = s.values[step];
                double e = s.errors[step];
                int g = group[i];
                if (seenStamp[g] != stamp) {
                    seenStamp[g] = stamp;
                    order[n++] = g;
                    value[g] = v;
                    mean[g] = v;
                    count[g] = 1;
                    err[g] = e;
                    if (op == AggregateOp.STDDEV || op == AggregateOp.STDVAR) {
                        value[g] = 0;
                    }
                    continue;
                }
                count[g]++;
                switch (op) {
                    case SUM -> {
                        value[g] += v;
                        err[g] += e;
                    }
                    case AVG -> {
                        err[g] += e;
                        if (Double.isInfinite(mean[g])) {
                            if (Double.isInfinite(v) && (mean[g] > 0) == (v > 0)) {
                                break;
                            }
                            if (!Double.isInfinite(v) && !Double.isNaN(v)) {
                                break;
                            }
                        }
                        // both sides divided by the count to avoid overflow, as Prometheus 2.42 does
                        mean[g] += v / count[g] - mean[g] / count[g];
                    }
                    case MIN -> {
                        if (value[g] > v || Double.isNaN(value[g])) {
                            value[g] = v;
                        }
                        err[g] = maxError(err[g], e);
                    }
                    case MAX -> {
                        if (value[g] < v || Double.isNaN(value[g])) {
                            value[g] = v;
                        }
                        err[g] = maxError(err[g], e);
                    }
                    case STDDEV, STDVAR -> {
                        double delta = v - mean[g];
                        mean[g] += delta / count[g];
                        value[g] += delta * (v - mean[g]);
                        err[g] = e == 0 && err[g] == 0 ? 0 : Double.NaN;
                    }
                    case COUNT, GROUP -> { }
                    default -> throw new IllegalStateException(op.toString());
                }
            }
            for (int k = 0; k < n; k++) {
                int g = order[k];
                double r;
                double e = err[g];
                switch (op) {
                    case SUM, MIN, MAX -> r = value[g];
                    case AVG -> {
                        r = mean[g];
                        e = e / count[g];
                    }
                    case COUNT -> {
                        r = count[g];
                        e = 0;
                    }
                    case GROUP -> {
                        r = 1;
                        e = 0;
                    }
                    case STDVAR -> r = value[g] / count[g];
                    case STDDEV -> r = Math.sqrt(value[g] / count[g]);
                    default -> throw new IllegalStateException(op.toString());
                }
                out.put(groupLabels.get(g), step, r, e);
            }
        }
        return out.build();
    }

    static double maxError(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    /** topk, bottomk and quantile: they need every member of a group at a step, not a running value. */
    private static void selectEach(ExprEvaluator ev, AggregateOp op, Value.Scalar param, List<StepSeries> series,
                                   int[] group, int groups, List<Labels> groupLabels, VectorBuilder out) {
        int[][] members = new int[groups][];
        int[] sizes = new int[groups];
        for (int g : group) {
            sizes[g]++;
        }
        for (int g = 0; g < groups; g++) {
            members[g] = new int[sizes[g]];
        }
        int[] count = new int[groups];
        int[] order = new int[groups];
        int[] seen = new int[groups];
        for (int step = 0; step < ev.steps; step++) {
            ev.limits.checkDeadline();
            int stamp = step + 1;
            double p = param.values()[step];
            long k = 0;
            if (op != AggregateOp.QUANTILE) {
                if (Double.isNaN(p) || p >= 0x1p63 || p < -0x1p63) {
                    throw new QueryExecutionException("Scalar value " + GoMath.formatPlain(p) + " overflows int64");
                }
                k = (long) p;
                if (k < 1) {
                    continue;
                }
            }
            int n = 0;
            for (int i = 0; i < group.length; i++) {
                if (!series.get(i).present[step]) {
                    continue;
                }
                int g = group[i];
                if (seen[g] != stamp) {
                    seen[g] = stamp;
                    count[g] = 0;
                    order[n++] = g;
                }
                members[g][count[g]++] = i;
            }
            final int st = step;
            for (int x = 0; x < n; x++) {
                int g = order[x];
                Integer[] m = new Integer[count[g]];
                for (int y = 0; y < m.length; y++) {
                    m[y] = members[g][y];
                }
                if (op == AggregateOp.QUANTILE) {
                    // ascending, NaN first, as Prometheus' vectorByValueHeap sorts
                    Arrays.sort(m, (a, b) -> nanFirst(series.get(a).values[st], series.get(b).values[st]));
                    out.put(groupLabels.get(g), step, quantile(p, m, series, st), quantileError(m, series, st));
                    continue;
                }
                boolean top = op == AggregateOp.TOPK;
                // topk: descending, bottomk: ascending; NaN last in both
                Arrays.sort(m, (a, b) -> {
                    double va = series.get(a).values[st];
                    double vb = series.get(b).values[st];
                    if (Double.isNaN(va) || Double.isNaN(vb)) {
                        return Boolean.compare(Double.isNaN(va), Double.isNaN(vb));
                    }
                    return top ? Double.compare(vb, va) : Double.compare(va, vb);
                });
                int take = (int) Math.min(k, m.length);
                for (int y = 0; y < take; y++) {
                    StepSeries s = series.get(m[y]);
                    out.put(s.labels(), step, s.values[st], s.errors[st]);
                }
                if (take < m.length) {
                    nameUncertainSelection(ev, series, m, take, top, st);
                }
            }
        }
    }

    /**
     * Names the series whose membership in the selection could change within the error bounds: a selected one
     * whose interval reaches the best unselected one's, and the other way round.
     */
    private static void nameUncertainSelection(ExprEvaluator ev, List<StepSeries> series, Integer[] sorted, int take,
                                               boolean top, int step) {
        double sign = top ? 1 : -1;
        boolean anyError = false;
        boolean unbounded = false;
        // in "larger is better" terms, selected ones must stay above every unselected one
        double worstSelected = Double.POSITIVE_INFINITY;
        double bestUnselected = Double.NEGATIVE_INFINITY;
        for (int y = 0; y < sorted.length; y++) {
            StepSeries s = series.get(sorted[y]);
            double e = s.errors[step];
            anyError |= e != 0;
            unbounded |= Double.isNaN(e);
            double v = sign * s.values[step];
            if (y < take) {
                worstSelected = Math.min(worstSelected, v - e);
            } else {
                bestUnselected = Math.max(bestUnselected, v + e);
            }
        }
        if (!anyError) {
            return;
        }
        for (int y = 0; y < sorted.length; y++) {
            StepSeries s = series.get(sorted[y]);
            double v = sign * s.values[step];
            double e = s.errors[step];
            boolean maybe = unbounded || (y < take ? v - e <= bestUnselected : v + e >= worstSelected);
            if (maybe) {
                ev.uncertain.add(s.labels().toString());
            }
        }
    }

    private static int nanFirst(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Boolean.compare(!Double.isNaN(a), !Double.isNaN(b));
        }
        return Double.compare(a, b) == 0 ? 0 : (a < b ? -1 : 1);
    }

    private static double quantile(double q, Integer[] sorted, List<StepSeries> series, int step) {
        if (sorted.length == 0 || Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        double n = sorted.length;
        double rank = q * (n - 1);
        double lower = Math.max(0, Math.floor(rank));
        double upper = Math.min(n - 1, lower + 1);
        double weight = rank - Math.floor(rank);
        return series.get(sorted[(int) lower]).values[step] * (1 - weight) + series.get(sorted[(int) upper]).values[step] * weight;
    }

    /** An order statistic moves by at most the largest error of the inputs; so does an interpolation of two. */
    private static double quantileError(Integer[] members, List<StepSeries> series, int step) {
        double e = 0;
        for (Integer i : members) {
            e = maxError(e, series.get(i).errors[step]);
        }
        return e;
    }

    private static Value countValues(ExprEvaluator ev, AggregateExpr a, Value.Vector in, String label,
                                     List<String> grouping, List<String> dropped) {
        List<String> byLabels = new ArrayList<>(grouping);
        if (!a.without()) {
            byLabels.add(label);
        }
        VectorBuilder out = new VectorBuilder(ev.steps);
        for (int step = 0; step < ev.steps; step++) {
            ev.limits.checkDeadline();
            Map<Labels, double[]> counts = new java.util.LinkedHashMap<>();
            for (StepSeries s : in.series()) {
                if (!s.present[step]) {
                    continue;
                }
                Labels l = s.labels().with(label, GoMath.formatPlain(s.values[step]));
                Labels key = a.without() ? l.without(dropped) : l.keep(byLabels);
                double[] c = counts.computeIfAbsent(key, k -> new double[2]);
                c[0]++;
                // an inexact value may belong under another label: the count has no bound then
                c[1] = s.errors[step] == 0 ? c[1] : Double.NaN;
            }
            for (Map.Entry<Labels, double[]> e : counts.entrySet()) {
                out.put(e.getKey(), step, e.getValue()[0], e.getValue()[1]);
            }
        }
        return out.build();
    }
}
