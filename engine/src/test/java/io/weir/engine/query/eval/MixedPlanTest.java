package io.weir.engine.query.eval;

import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.PromQLPrinter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which sub-expressions a mixed plan fetches from the backend, and when there is no plan. */
class MixedPlanTest {
    private static List<String> fetched(String q) {
        List<Expr> ext = MixedPlan.externals(PromQLParser.parse(q));
        return ext == null ? null : ext.stream().map(PromQLPrinter::print).toList();
    }

    @Test
    void theLargestRawSampleSubExpressionsAreFetched() {
        assertEquals(List.of("machine_cpu_cores"), fetched("avg_over_time(m[1h]) / on (instance) machine_cpu_cores"));
        assertEquals(List.of("sum by (job) (rate(x[5m]))"),
                fetched("sum by (job) (avg_over_time(m[5m])) / sum by (job) (rate(x[5m]))"));
        // what holds no sketch leaf is fetched whole, however much of it could be evaluated here
        assertEquals(List.of("scalar(sum(up))"), fetched("avg_over_time(m[5m]) * scalar(sum(up))"));
        assertEquals(List.of("deriv(m[5m])", "count(up)"),
                fetched("quantile_over_time(0.5, m[5m]) - deriv(m[5m]) > bool on () group_left count(up)"));
        // a sketch function over a subquery needs raw samples: the whole call is fetched
        assertEquals(List.of("max_over_time(rate(x[1m])[5m:1m])"),
                fetched("max_over_time(m[5m]) - max_over_time(rate(x[1m])[5m:1m])"));
        // operators around sketch leaves stay local, with the raw-sample operand fetched
        assertEquals(List.of("x"), fetched("sum by (job) (avg_over_time(m[5m]) * on (instance) group_left x)"));
        // limitk is not evaluated here: fetched whole, sketch leaf and all, beside a local one
        assertEquals(List.of("limitk(2, avg_over_time(m[5m]))"),
                fetched("avg_over_time(m[5m]) + on () group_left limitk(2, avg_over_time(m[5m]))"));
    }

    @Test
    void noPlanWithoutASketchLeafOrWhereOnlyTheBackendCanUseAPart() {
        assertNull(fetched("avg_over_time(m[5m])"), "local as a whole");
        assertNull(fetched("rate(x[5m])"), "no sketch leaf");
        assertNull(fetched("sum(rate(x[5m])) / count(up)"), "no sketch leaf");
        assertNull(fetched("max_over_time(rate(x[1m])[5m:1m])"), "the only sketch call needs raw samples");
        assertNull(fetched("x[5m]"), "a range vector");
        assertNull(fetched("avg_over_time(m[5m])[10m:1m]"), "a subquery of a sketch leaf is a range vector");
    }

    @Test
    void fetchedValuesStandInForTheirNodes() {
        ExprEvaluatorTest.RawSource src = new ExprEvaluatorTest.RawSource();
        src.add("m", new String[] {"instance", "a"}, new long[] {1_000, 2_000}, new double[] {4, 8});
        src.add("m", new String[] {"instance", "b"}, new long[] {1_000}, new double[] {10});
        Expr e = PromQLParser.parse("avg_over_time(m[5m]) / on (instance) cores");
        List<Expr> ext = MixedPlan.externals(e);
        long[] times = {60_000};
        Value cores = BackendValues.vector(times, List.of(
                new BackendValues.Points(Labels.of("__name__", "cores", "instance", "a"), new long[] {60_000}, new double[] {2}),
                new BackendValues.Points(Labels.of("__name__", "cores", "instance", "c"), new long[] {60_000}, new double[] {4})));
        Map<Expr, Value> given = new java.util.IdentityHashMap<>();
        given.put(ext.getFirst(), cores);
        QueryResult r = ExprEvaluator.evaluate(e, src, 60_000, 60_000, 0, EvalLimits.none(), new String[1], given);
        assertEquals(1, r.series().size());
        assertEquals(Labels.of("instance", "a"), r.series().getFirst().labels());
        assertEquals(3.0, r.series().getFirst().value(0));
    }
}
