package io.weir.engine.query.eval;

import io.weir.engine.ingest.LateWrites;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.sketch.SketchFunction;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dashboard panel refreshed as the clock moves, answered through the cache, against the same request evaluated
 * from scratch over a brute-force leaf source: every answer the same to the bit, and the cache reading only the
 * steps after the sealed horizon.
 */
class RangeResultCacheTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000;
    private static final long STEP = 60_000;
    private static final long SEAL_AFTER = 300_000;

    /** Counts the steps the leaves read, to show what the cache saves. */
    private static final class CountingSource extends ExprEvaluatorTest.RawSource {
        long stepsRead;

        @Override
        public String read(int id, SketchFunction f, double phi, long range, long[] ends, double[] values,
                           double[] errors, boolean[] present, FunctionAccuracy accuracy) {
            stepsRead += ends.length;
            String r = super.read(id, f, phi, range, ends, values, errors, present, accuracy);
            if (id % 2 == 1) {
                // odd series answer with a bound, as a sketch would: the cache keeps errors beside values
                for (int s = 0; s < ends.length; s++) {
                    errors[s] = present[s] ? 1e-3 * Math.abs(values[s]) + 1e-9 : 0;
                }
            }
            return r;
        }
    }

    private final long[] now = {T0 + 2 * HOUR};
    private final LateWrites late = new LateWrites(SEAL_AFTER);

    /** 6 series over 3 hours at 15 s: two start late, one stops early, so series come and go across a panel. */
    private static CountingSource data(long seed) {
        Random rnd = new Random(seed);
        CountingSource src = new CountingSource();
        for (int s = 0; s < 6; s++) {
            long from = s == 4 ? T0 + 90 * 60_000 : s == 5 ? T0 + 150 * 60_000 : T0;
            long to = s == 3 ? T0 + 100 * 60_000 : T0 + 3 * HOUR;
            int n = (int) ((to - from) / 15_000);
            long[] t = new long[n];
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                t[i] = from + i * 15_000L + 1 + rnd.nextInt(5_000); // off the step grid, as scrapes are
                v[i] = rnd.nextInt(1000) / 8.0;
            }
            src.add("m", new String[] {"job", s % 2 == 0 ? "a" : "b", "instance", Integer.toString(s)}, t, v);
        }
        return src;
    }

    private QueryResult panel(RangeResultCache cache, ExprEvaluatorTest.RawSource src, String q, long span) {
        src.arrivedUntil = now[0] - 90_000; // samples arrive up to 90 s after their timestamps
        long end = Math.floorDiv(now[0], STEP) * STEP;
        String[] why = new String[1];
        QueryResult r = cache == null
                ? ExprEvaluator.evaluate(PromQLParser.parse(q), src, end - span, end, STEP, EvalLimits.none(), why)
                : cache.evaluate(PromQLParser.parse(q), src, end - span, end, STEP, EvalLimits.none(), why);
        assertTrue(r != null, () -> "not local: " + why[0]);
        return r;
    }

    /** A point's text for the cache (the HTTP layer's JSON form is checked against fresh answers in net's tests). */
    private static void point(StringBuilder out, long t, double v) {
        out.append('[').append(t).append(",\"").append(v).append("\"]");
    }

    private static String render(QueryResult r) {
        StringBuilder sb = new StringBuilder(r.resultType()).append(' ').append(r.times()[0]).append("..")
                .append(r.times()[r.times().length - 1]).append('\n');
        for (StepSeries s : r.series()) {
            sb.append(s.labels()).append(':');
            for (int i = 0; i < s.steps(); i++) {
                sb.append(' ').append(s.present(i) ? Long.toHexString(Double.doubleToRawLongBits(s.value(i))) + "/" + s.error(i) : "-");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void aRefreshedPanelMatchesAFreshEvaluationAndReadsOnlyTheNewSteps() {
        String[] queries = {
                "sum by (job) (avg_over_time(m[5m]))",
                "max_over_time(m[10m]) / 2 > 20",
                "count_over_time(m[2m])",
                "min_over_time(m[5m] offset 10m) - on (instance) sum_over_time(m[1m])",
                "time() - 3",
        };
        for (String q : queries) {
            CountingSource src = data(q.hashCode());
            RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
            now[0] = T0 + 2 * HOUR;
            long cachedReads = 0;
            long freshReads = 0;
            for (int refresh = 0; refresh < 40; refresh++) {
                now[0] += 30_000; // a dashboard refreshing every 30 s, its hour-long panel moving with the clock
                long before = src.stepsRead;
                String expected = render(panel(null, src, q, HOUR));
                long mid = src.stepsRead;
                String got = render(panel(cache, src, q, HOUR));
                freshReads += mid - before;
                cachedReads += src.stepsRead - mid;
                assertEquals(expected, got, q + " at refresh " + refresh);
            }
            assertEquals(39, cache.hits(), q);
            assertEquals(1, cache.misses(), q);
            if (!q.startsWith("time()")) {
                // 61 steps a panel, of which ~6 are after the sealed horizon
                assertTrue(cachedReads * 5 < freshReads, q + ": the cache read " + cachedReads + " steps, fresh " + freshReads);
            }
        }
    }

    @Test
    void aSampleAtASealedTimestampDropsTheCachedResults() {
        CountingSource src = data(7);
        RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
        String q = "sum by (job) (sum_over_time(m[5m]))";
        panel(cache, src, q, HOUR);
        now[0] += 60_000;
        assertEquals(render(panel(null, src, q, HOUR)), render(panel(cache, src, q, HOUR)));

        // a backfill: a sample 30 minutes back, well behind the sealed horizon
        long[] t = src.ts.get(0).clone();
        double[] v = src.vs.get(0).clone();
        int i = 0;
        while (t[i] < now[0] - 30 * 60_000) {
            i++;
        }
        v[i] += 1000;
        src.vs.set(0, v);
        now[0] += 60_000;
        String expected = render(panel(null, src, q, HOUR));
        assertNotEquals(expected, render(panel(cache, src, q, HOUR)), "without the writer's word the cache is stale");
        late.lateSeries(new int[] {0}, 1); // what the shard writer does after applying that sample
        assertEquals(expected, render(panel(cache, src, q, HOUR)));
    }

    /** Moves one sealed sample of series {@code id} (as a backfill would) and tells {@code late} as the writer does. */
    private void backfill(ExprEvaluatorTest.RawSource src, int id) {
        long[] t = src.ts.get(id);
        double[] v = src.vs.get(id).clone();
        int i = 0;
        while (t[i] < now[0] - 30 * 60_000) {
            i++;
        }
        v[i] += 1000;
        src.vs.set(id, v);
        late.lateSeries(new int[] {id}, 1);
    }

    @Test
    void aLateWriteDropsOnlyTheResultsThatSelectItsSeries() {
        CountingSource src = data(9);
        // series 6 and 7: another metric, and one of m's that a label matcher leaves out of the second panel
        long[] t = new long[720];
        double[] v = new double[720];
        for (int i = 0; i < t.length; i++) {
            t[i] = T0 + i * 15_000L + 7;
            v[i] = i % 13;
        }
        src.add("other", new String[] {"job", "a", "instance", "6"}, t, v.clone());
        src.add("m", new String[] {"job", "c", "instance", "7"}, t, v.clone());
        RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
        String all = "sum by (job) (sum_over_time(m[5m]))";
        String jobs = "max_over_time(m{job=~\"a|b\"}[5m])";
        panel(cache, src, all, HOUR);
        panel(cache, src, jobs, HOUR);

        now[0] += 60_000;
        backfill(src, 6); // a metric neither panel reads: both stay cached, and right
        assertEquals(render(panel(null, src, all, HOUR)), render(panel(cache, src, all, HOUR)));
        assertEquals(render(panel(null, src, jobs, HOUR)), render(panel(cache, src, jobs, HOUR)));
        assertEquals(2, cache.hits());

        now[0] += 60_000;
        backfill(src, 7); // m{job="c"}: the first panel reads it (a miss), the second does not (a hit)
        assertEquals(render(panel(null, src, all, HOUR)), render(panel(cache, src, all, HOUR)));
        assertEquals(render(panel(null, src, jobs, HOUR)), render(panel(cache, src, jobs, HOUR)));
        assertEquals(3, cache.hits());
        assertEquals(3, cache.misses());

        now[0] += 60_000;
        backfill(src, 1); // m{job="b"}: both panels read it
        assertEquals(render(panel(null, src, all, HOUR)), render(panel(cache, src, all, HOUR)));
        assertEquals(render(panel(null, src, jobs, HOUR)), render(panel(cache, src, jobs, HOUR)));
        assertEquals(3, cache.hits());
        assertEquals(5, cache.misses());
    }

    @Test
    void aBackfillOfManyOtherSeriesLeavesTheResultCached() {
        CountingSource src = data(13);
        RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
        String q = "avg_over_time(m[5m])";
        panel(cache, src, q, HOUR);
        int[] others = new int[100_000];
        for (int i = 0; i < others.length; i++) {
            src.add("other", new String[] {"instance", Integer.toString(i)}, new long[] {T0}, new double[] {i});
            others[i] = 6 + i;
        }
        for (int batch = 0; batch < 50; batch++) {
            now[0] += 1_000;
            late.lateSeries(others, others.length); // a sender catching up on 100,000 series of its own
            assertEquals(render(panel(null, src, q, HOUR)), render(panel(cache, src, q, HOUR)));
        }
        assertEquals(50, cache.hits());
        // a new series of m, created by a late sample: the panel selects it now, so the kept result goes
        now[0] += 1_000;
        src.add("m", new String[] {"job", "a", "instance", "new"}, new long[] {now[0] - 40 * 60_000}, new double[] {5});
        late.lateSeries(new int[] {6 + others.length}, 1);
        assertEquals(render(panel(null, src, q, HOUR)), render(panel(cache, src, q, HOUR)));
        assertEquals(50, cache.hits());
    }

    @Test
    void resultsWhoseWindowsDependOnTheQueryRangeAreNotCached() {
        CountingSource src = data(3);
        RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
        for (String q : new String[] {"avg_over_time(m[5m] @ end())", "avg_over_time(m[5m] offset -2m)",
                "avg_over_time(m[5m]) + avg_over_time(m[5m] @ 1700003600)"}) {
            for (int refresh = 0; refresh < 3; refresh++) {
                now[0] += 30_000;
                assertEquals(render(panel(null, src, q, HOUR)), render(panel(cache, src, q, HOUR)), q);
            }
        }
        assertEquals(0, cache.hits() + cache.misses());
        assertTrue(RangeResultCache.cacheable(PromQLParser.parse("topk(2, avg_over_time(m[5m] offset 1h)) * time()")));
    }

    @Test
    void theCacheStaysWithinItsSizeAndStillAnswersRight() {
        CountingSource src = data(11);
        RangeResultCache cache = new RangeResultCache(48 << 10, late, () -> now[0], RangeResultCacheTest::point);
        String[] queries = {"avg_over_time(m[5m])", "max_over_time(m[5m])", "min_over_time(m[5m])", "count_over_time(m[5m])"};
        for (int refresh = 0; refresh < 10; refresh++) {
            now[0] += 30_000;
            for (String q : queries) {
                assertEquals(render(panel(null, src, q, HOUR)), render(panel(cache, src, q, HOUR)), q);
                assertTrue(cache.bytes() <= 48 << 10, () -> "cache holds " + cache.bytes() + " bytes");
            }
        }
        assertTrue(cache.hits() > 0, "some results fit");
    }

    @Test
    void theJoinedResultKeepsThePointsLimit() {
        CountingSource src = data(5);
        RangeResultCache cache = new RangeResultCache(64 << 20, late, () -> now[0], RangeResultCacheTest::point);
        Expr e = PromQLParser.parse("avg_over_time(m[5m])");
        long end = Math.floorDiv(now[0], STEP) * STEP;
        cache.evaluate(e, src, end - HOUR, end, STEP, EvalLimits.none(), new String[1]);
        // the fresh part alone (a few steps) is within 100 points; the whole panel (~5 series x 61 steps) is not
        now[0] += 60_000;
        long end2 = Math.floorDiv(now[0], STEP) * STEP;
        assertThrows(QueryLimitException.class, () -> cache.evaluate(e, src, end2 - HOUR, end2, STEP,
                new EvalLimits(Long.MAX_VALUE, 100, Long.MAX_VALUE), new String[1]));
    }
}
