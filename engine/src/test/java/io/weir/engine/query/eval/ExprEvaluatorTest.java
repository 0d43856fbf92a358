package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.SketchFunction;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluator against hand-computed Prometheus 2.42 results, over a leaf source that computes the range
 * functions exactly from raw samples (a brute-force reference, not a sketch).
 */
class ExprEvaluatorTest {
    /** Raw samples per series; the leaf functions are computed over (end - range, end]. */
    static class RawSource implements LeafSource {
        final List<SeriesLabels> labels = new ArrayList<>();
        final List<long[]> ts = new ArrayList<>();
        final List<double[]> vs = new ArrayList<>();
        /** Samples after this have not arrived yet. */
        long arrivedUntil = Long.MAX_VALUE;

        RawSource add(String name, String[] pairs, long[] t, double[] v) {
            String[] all = new String[pairs.length + 2];
            all[0] = "__name__";
            all[1] = name;
            System.arraycopy(pairs, 0, all, 2, pairs.length);
            labels.add(SeriesLabels.of(CanonicalLabels.of(all)));
            ts.add(t);
            vs.add(v);
            return this;
        }

        @Override
        public RoaringBitmap select(VectorSelector selector) {
            RoaringBitmap out = new RoaringBitmap();
            for (int i = 0; i < labels.size(); i++) {
                boolean ok = true;
                for (LabelMatcher m : selector.matchers()) {
                    ok &= m.matches(labels.get(i).get(m.name()));
                }
                if (ok) {
                    out.add(i);
                }
            }
            return out;
        }

        @Override
        public SeriesLabels labels(int seriesId) { return labels.get(seriesId); }

        @Override
        public LeafReader reader(SketchFunction f, double phi) {
            return (id, range, ends, values, errors, present, accuracy) -> read(id, f, phi, range, ends, values, errors, present, accuracy);
        }

        public String read(int id, SketchFunction f, double phi, long range, long[] ends, double[] values,
                           double[] errors, boolean[] present, FunctionAccuracy accuracy) {
            for (int s = 0; s < ends.length; s++) {
                double sum = 0;
                double min = Double.NaN;
                double max = Double.NaN;
                int n = 0;
                for (int i = 0; i < ts.get(id).length; i++) {
                    long t = ts.get(id)[i];
                    if (t > ends[s] - range && t <= ends[s] && t <= arrivedUntil) {
                        double v = vs.get(id)[i];
                        sum += v;
                        min = n == 0 || v < min ? v : min;
                        max = n == 0 || v > max ? v : max;
                        n++;
                    }
                }
                present[s] = n > 0;
                values[s] = switch (f) {
                    case COUNT_OVER_TIME -> n;
                    case SUM_OVER_TIME -> sum;
                    case AVG_OVER_TIME -> sum / n;
                    case MIN_OVER_TIME -> min;
                    case MAX_OVER_TIME -> max;
                    default -> throw new UnsupportedOperationException(f.toString());
                };
                errors[s] = 0;
                accuracy.point(true, 0);
            }
            return null;
        }
    }

    private static final long T = 1_000_000_000L;
    private final RawSource src = new RawSource()
            .add("m", new String[] {"job", "a", "instance", "1"}, new long[] {T - 30_000, T - 10_000}, new double[] {10, 20})
            .add("m", new String[] {"job", "a", "instance", "2"}, new long[] {T - 30_000, T - 10_000}, new double[] {1, 3})
            .add("m", new String[] {"job", "b", "instance", "1"}, new long[] {T - 10_000}, new double[] {7})
            .add("n", new String[] {"job", "a"}, new long[] {T - 10_000}, new double[] {100});

    private QueryResult instant(String q) {
        String[] why = new String[1];
        QueryResult r = ExprEvaluator.evaluate(PromQLParser.parse(q), src, T, T, 0, EvalLimits.none(), why);
        assertTrue(r != null, () -> "not local: " + why[0]);
        return r;
    }

    /** The instant vector as "labels=value" lines in output order. */
    private String vector(String q) {
        QueryResult r = instant(q);
        assertEquals("vector", r.resultType(), q);
        StringBuilder sb = new StringBuilder();
        for (StepSeries s : r.series()) {
            sb.append(s.labels()).append('=').append(s.value(0)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void leavesDropTheNameAndComeInStorageOrder() {
        assertEquals("""
                {instance="1", job="a"}=15.0
                {instance="1", job="b"}=7.0
                {instance="2", job="a"}=2.0
                """, vector("avg_over_time(m[1m])"));
    }

    @Test
    void aggregationsGroupInFirstSeenOrder() {
        assertEquals("{job=\"a\"}=17.0\n{job=\"b\"}=7.0\n", vector("sum by (job) (avg_over_time(m[1m]))"));
        assertEquals("{instance=\"1\"}=11.0\n{instance=\"2\"}=2.0\n", vector("avg without (job) (avg_over_time(m[1m]))"));
        assertEquals("{}=3.0\n", vector("count(avg_over_time(m[1m]))"));
        assertEquals("{}=2.0\n", vector("min(avg_over_time(m[1m]))"));
        assertEquals("{}=1.0\n", vector("group(avg_over_time(m[1m]))"));
        // population variance of 15, 2, 7
        double mean = 8;
        double var = ((15 - mean) * (15 - mean) + (2 - mean) * (2 - mean) + (7 - mean) * (7 - mean)) / 3;
        assertEquals(var, instant("stdvar(avg_over_time(m[1m]))").series().getFirst().value(0), 1e-12);
        assertEquals("{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n", vector("topk(2, avg_over_time(m[1m]))"));
        assertEquals("{instance=\"2\", job=\"a\"}=2.0\n", vector("bottomk(1, avg_over_time(m[1m]))"));
        assertEquals("", vector("topk(0, avg_over_time(m[1m]))"));
        // quantile 0.5 of 2, 7, 15 is 7; 0.25: rank 0.5 between 2 and 7
        assertEquals("{}=4.5\n", vector("quantile(0.25, avg_over_time(m[1m]))"));
        assertEquals("{avg=\"15\"}=1.0\n{avg=\"7\"}=1.0\n{avg=\"2\"}=1.0\n", vector("count_values(\"avg\", avg_over_time(m[1m]))"));
    }

    @Test
    void binaryOperatorsMatchAndDropTheName() {
        assertEquals("{instance=\"1\", job=\"a\"}=30.0\n{instance=\"1\", job=\"b\"}=14.0\n{instance=\"2\", job=\"a\"}=4.0\n",
                vector("avg_over_time(m[1m]) * 2"));
        assertEquals("{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n", vector("avg_over_time(m[1m]) > 5"));
        assertEquals("{instance=\"1\", job=\"a\"}=1.0\n{instance=\"1\", job=\"b\"}=1.0\n{instance=\"2\", job=\"a\"}=0.0\n",
                vector("avg_over_time(m[1m]) > bool 5"));
        // scalar on the left of a comparison: the vector's value is kept
        assertEquals("{instance=\"2\", job=\"a\"}=2.0\n", vector("5 > avg_over_time(m[1m])"));
        assertEquals("{instance=\"1\", job=\"a\"}=0.5\n{instance=\"2\", job=\"a\"}=0.075\n",
                vector("max_over_time(m[1m]) / on(job) group_left sum_over_time(n[1m]) * 2.5"));
        assertEquals("{instance=\"1\", job=\"a\"}=15.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("avg_over_time(m[1m]) and on(job) avg_over_time(n[1m])"));
        assertEquals("{instance=\"1\", job=\"b\"}=7.0\n", vector("avg_over_time(m[1m]) unless on(job) avg_over_time(n[1m])"));
        assertEquals("{job=\"a\"}=100.0\n{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("avg_over_time(n[1m]) or avg_over_time(m[1m])"));
        assertEquals("{}=512.0\n", vector("vector(2) ^ 3 ^ 2"));
        assertEquals("{}=-4.0\n", vector("vector(-2 ^ 2)"));
        assertEquals("{}=1.0\n", vector("vector(1 ^ NaN)"));
    }

    @Test
    void prometheusErrorsForAmbiguousMatches() {
        QueryExecutionException e = assertThrows(QueryExecutionException.class,
                () -> instant("avg_over_time(n[1m]) + on(job) avg_over_time(m[1m])"));
        assertTrue(e.getMessage().startsWith("found duplicate series for the match group {job=\"a\"} on the right hand-side"), e.getMessage());
        e = assertThrows(QueryExecutionException.class, () -> instant("avg_over_time(m[1m]) + on(job) avg_over_time(n[1m])"));
        assertEquals("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)", e.getMessage());
        e = assertThrows(QueryExecutionException.class, () -> instant("label_replace(avg_over_time(m[1m]), \"instance\", \"x\", \"\", \"\")"));
        assertEquals("vector cannot contain metrics with the same labelset", e.getMessage());
    }

    @Test
    void aLeafWhoseSeriesDifferOnlyByNameIsRefused() {
        RawSource two = new RawSource()
                .add("n", new String[] {"job", "a"}, new long[] {T - 10_000}, new double[] {1})
                .add("m", new String[] {"job", "b"}, new long[] {T - 10_000}, new double[] {2})
                .add("o", new String[] {"job", "a"}, new long[] {T - 10_000}, new double[] {3});
        String[] why = new String[1];
        QueryExecutionException e = assertThrows(QueryExecutionException.class, () -> ExprEvaluator.evaluate(
                PromQLParser.parse("avg_over_time({__name__=~\"n|m|o\"}[1m])"), two, T, T, 0, EvalLimits.none(), why));
        assertEquals("vector cannot contain metrics with the same labelset", e.getMessage());
        // the names differ only where the sets already differ: allowed, in storage order (by the full set)
        QueryResult r = ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time({__name__=~\"n|m\"}[1m])"), two, T, T, 0,
                EvalLimits.none(), why);
        assertEquals("[{job=\"b\"}, {job=\"a\"}]", r.series().stream().map(StepSeries::labels).toList().toString());
        // one name, and a label set that reaches the leaf twice: still refused
        RawSource same = new RawSource()
                .add("m", new String[] {"job", "a"}, new long[] {T - 10_000}, new double[] {1})
                .add("m", new String[] {"job", "b"}, new long[] {T - 10_000}, new double[] {2})
                .add("m", new String[] {"job", "a"}, new long[] {T - 10_000}, new double[] {3});
        e = assertThrows(QueryExecutionException.class, () -> ExprEvaluator.evaluate(
                PromQLParser.parse("avg_over_time(m[1m])"), same, T, T, 0, EvalLimits.none(), why));
        assertEquals("vector cannot contain metrics with the same labelset", e.getMessage());
    }

    @Test
    void functions() {
        QueryExecutionException e2;
        assertEquals("{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("abs(-avg_over_time(m[1m]))"));
        assertEquals("{instance=\"1\", job=\"a\"}=10.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("clamp_max(avg_over_time(m[1m]), 10)"));
        assertEquals("", vector("clamp(avg_over_time(m[1m]), 10, 5)"));
        assertEquals("{instance=\"2\", job=\"a\"}=2.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"1\", job=\"a\"}=15.0\n",
                vector("sort(avg_over_time(m[1m]))"));
        assertEquals("{instance=\"1\", job=\"a\", x=\"a-1\"}=15.0\n{instance=\"1\", job=\"b\", x=\"b-1\"}=7.0\n{instance=\"2\", job=\"a\", x=\"a-2\"}=2.0\n",
                vector("label_join(avg_over_time(m[1m]), \"x\", \"-\", \"job\", \"instance\")"));
        assertEquals("{instance=\"1\", job=\"a\", z=\"1\"}=15.0\n{instance=\"2\", job=\"a\", z=\"2\"}=2.0\n"
                        // an empty replacement removes the label: those series differ from the lhs' by z, so all stay
                        + "{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("label_replace(avg_over_time(m[1m]), \"z\", \"${1}$2\", \"instance\", \"(.)|(x)\") and on(job) avg_over_time(n[1m]) "
                        + "or label_replace(avg_over_time(m[1m]), \"z\", \"\", \"instance\", \".*\")"));
        // label_replace regexes are RE2 like every user regex: a backreference is refused, a backtracking bomb is linear
        e2 = assertThrows(QueryExecutionException.class,
                () -> instant("label_replace(avg_over_time(m[1m]), \"z\", \"$1\", \"job\", \"(a)\\\\1\")"));
        assertTrue(e2.getMessage().startsWith("invalid regular expression in label_replace()"), e2.getMessage());
        assertEquals("{instance=\"1\", job=\"a\"}=15.0\n{instance=\"1\", job=\"b\"}=7.0\n{instance=\"2\", job=\"a\"}=2.0\n",
                vector("label_replace(avg_over_time(m[1m]), \"z\", \"$1\", \"job\", \"(.*a){25}b\")"));
        assertEquals("{}=1.0\n", vector("absent(avg_over_time(nothing[1m]))"));
        assertEquals("", vector("absent(avg_over_time(m[1m]))"));
        assertEquals("{}=3.0\n", vector("log2(vector(8))"));
        assertEquals(T / 1000.0, instant("time()").scalarValue());
        assertEquals(Double.NaN, instant("scalar(avg_over_time(m[1m]))").scalarValue());
        assertEquals(100.0, instant("scalar(avg_over_time(n[1m]))").scalarValue());
        // 1970-01-12T13:46:40Z
        assertEquals("{}=13.0\n", vector("hour()"));
        assertEquals("{}=31.0\n", vector("days_in_month(vector(0))"));
        assertEquals("{}=4.0\n", vector("day_of_week(vector(0))"));
        assertEquals("{instance=\"1\", job=\"a\"}=" + T / 1000.0 + "\n", vector("timestamp(avg_over_time(m{instance=\"1\",job=\"a\"}[1m]))"));
    }

    @Test
    void rangeQueriesEvaluateEveryStepAndSortTheMatrix() {
        String[] why = new String[1];
        QueryResult r = ExprEvaluator.evaluate(PromQLParser.parse("sum by (job) (count_over_time(m[15s]))"), src,
                T - 40_000, T, 10_000, EvalLimits.none(), why);
        assertEquals("matrix", r.resultType());
        assertEquals(2, r.series().size());
        StepSeries a = r.series().get(0);
        assertEquals("{job=\"a\"}", a.labels().toString());
        // steps T-40s..T: windows (t-15s, t] hold the T-30s samples at T-30s and T-20s, the T-10s ones at T-10s and T
        boolean[] expectPresent = {false, true, true, true, true};
        for (int i = 0; i < 5; i++) {
            assertEquals(expectPresent[i], a.present(i), "step " + i);
            if (expectPresent[i]) {
                assertEquals(2.0, a.value(i));
            }
        }
        assertEquals("{job=\"b\"}", r.series().get(1).labels().toString());
        r = ExprEvaluator.evaluate(PromQLParser.parse("time() * 2"), src, T - 20_000, T, 10_000, EvalLimits.none(), why);
        assertEquals("matrix", r.resultType());
        assertEquals((T - 20_000) / 500.0, r.series().getFirst().value(0));
        assertThrows(InvalidQueryException.class,
                () -> ExprEvaluator.evaluate(PromQLParser.parse("\"x\""), src, T - 20_000, T, 10_000, EvalLimits.none(), why));
    }

    @Test
    void limitsAndDeadline() {
        String[] why = new String[1];
        assertThrows(QueryLimitException.class, () -> ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1m])"), src,
                T, T, 0, new EvalLimits(2, Long.MAX_VALUE, Long.MAX_VALUE), why));
        assertThrows(QueryLimitException.class, () -> ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1m])"), src,
                T - 100_000, T, 1000, new EvalLimits(100, 200, Long.MAX_VALUE), why));
        assertThrows(QueryTimeoutException.class, () -> ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1m])"), src,
                T, T, 0, new EvalLimits(100, 200, System.nanoTime() - 1), why));
    }

    @Test
    void planner() {
        assertNull(LocalPlanner.reasonNotLocal(PromQLParser.parse("topk(3, sum by (job) (avg_over_time(m[5m] offset 1m)) / 2)")));
        assertTrue(LocalPlanner.reasonNotLocal(PromQLParser.parse("sum(m)")) != null);
        assertTrue(LocalPlanner.reasonNotLocal(PromQLParser.parse("rate(m[5m]) > 1")) != null);
        assertTrue(LocalPlanner.reasonNotLocal(PromQLParser.parse("quantile_over_time(scalar(m), m[5m])")) != null);
    }

    @Test
    void errorBoundsPropagateAndNameUncertainSeries() {
        assertEquals(0.0, ExprEvaluator.arithmeticError(io.weir.engine.query.promql.BinaryOp.ADD, 1, 0, 2, 0));
        assertEquals(3.0, ExprEvaluator.arithmeticError(io.weir.engine.query.promql.BinaryOp.SUB, 1, 1, 2, 2));
        // (10 +- 1) * (5 +- 0.5): 10*0.5 + 5*1 + 0.5
        assertEquals(10.5, ExprEvaluator.arithmeticError(io.weir.engine.query.promql.BinaryOp.MUL, 10, 1, 5, 0.5));
        assertTrue(ExprEvaluator.decidedWithin(10, 1, 10.5, 0));
        assertTrue(!ExprEvaluator.decidedWithin(10, 1, 12, 0));
    }

    /** The same raw series read in parts on a pool; remembers the threads that read and can fail one series. */
    static final class ParallelRawSource extends RawSource {
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        final java.util.Set<String> readers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Counted down by the first read on a pool thread; the query thread waits for it once (no race on who reads). */
        final java.util.concurrent.CountDownLatch poolRead = new java.util.concurrent.CountDownLatch(1);
        final Thread queryThread = Thread.currentThread();
        volatile int failing = -1;

        @Override
        public String read(int id, SketchFunction f, double phi, long range, long[] ends, double[] values,
                           double[] errors, boolean[] present, FunctionAccuracy accuracy) {
            readers.add(Thread.currentThread().getName());
            if (Thread.currentThread() != queryThread) {
                poolRead.countDown();
            } else if (poolRead.getCount() > 0) {
                try {
                    // without this the query thread could take every part before a pool thread starts
                    if (!poolRead.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                        throw new AssertionError("no pool thread read a part within 30 s");
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return id == failing ? "series " + id + " has no sketch" : super.read(id, f, phi, range, ends, values, errors, present, accuracy);
        }

        @Override
        public java.util.concurrent.Executor readExecutor() { return pool; }

        @Override
        public int readParallelism() { return 4; }
    }

    private static String render(QueryResult r) {
        StringBuilder sb = new StringBuilder(r.resultType()).append('\n');
        for (StepSeries s : r.series()) {
            sb.append(s.labels());
            for (int i = 0; i < s.values.length; i++) {
                sb.append(' ').append(s.present[i] ? Double.toString(s.values[i]) : "-");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void leavesReadInPartsOnAPoolAnswerAsTheQueryThreadAlone() {
        RawSource serial = new RawSource();
        ParallelRawSource parallel = new ParallelRawSource();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 1_500; i++) {
            int samples = 1 + random.nextInt(6);
            long[] t = new long[samples];
            double[] v = new double[samples];
            for (int k = 0; k < samples; k++) {
                t[k] = T - 300_000 + random.nextInt(300_000);
                v[k] = random.nextInt(1000) / 8.0;
            }
            java.util.Arrays.sort(t);
            String[] pairs = {"job", "j" + (i % 7), "instance", Integer.toString(i)};
            serial.add("m", pairs, t, v);
            parallel.add("m", pairs, t, v);
        }
        try {
            for (String q : List.of("avg_over_time(m[1m])", "sum by (job) (max_over_time(m[5m]))",
                    "topk(5, count_over_time(m[2m]))", "sum_over_time(m[1m]) / on(instance) min_over_time(m[3m])")) {
                for (long step : new long[] {0, 15_000}) {
                    long start = step == 0 ? T : T - 120_000;
                    String[] why = new String[1];
                    QueryResult a = ExprEvaluator.evaluate(PromQLParser.parse(q), serial, start, T, step, EvalLimits.none(), why);
                    QueryResult b = ExprEvaluator.evaluate(PromQLParser.parse(q), parallel, start, T, step, EvalLimits.none(), why);
                    assertEquals(render(a), render(b), q + " step " + step);
                }
            }
            assertTrue(parallel.readers.size() > 1, "read on one thread only: " + parallel.readers);

            // a part that cannot be answered sends the query to the backend, whichever thread read it
            parallel.failing = 1_234;
            String[] why = new String[1];
            assertNull(ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1m])"), parallel, T, T, 0, EvalLimits.none(), why));
            assertEquals("series 1234 has no sketch", why[0]);
            parallel.failing = -1;
            assertThrows(QueryTimeoutException.class, () -> ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[1m])"),
                    parallel, T, T, 0, new EvalLimits(10_000, Long.MAX_VALUE, System.nanoTime() - 1), why));
        } finally {
            parallel.pool.shutdownNow();
        }
    }
}
