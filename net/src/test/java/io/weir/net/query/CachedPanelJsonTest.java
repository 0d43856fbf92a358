package io.weir.net.query;

import io.weir.engine.ingest.LateWrites;
import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.LeafSource;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.engine.query.eval.StepSeries;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.SketchFunction;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dashboard panel asked again answers from the range result cache with the values it wrote last time kept as
 * text: its JSON must be byte for byte that of the same panel evaluated afresh, for every refresh, whatever the
 * values (NaN, infinities, -0.0, integers, full-precision doubles), gaps, inexact steps and series that come and go.
 */
class CachedPanelJsonTest {
    private static final long HOUR = 3_600_000;
    private static final long STEP = 60_000;
    private static final long T0 = 1_700_000_040_000L;

    /** Values a function of (series, window end) only, so any request's step has the value any other gave it. */
    static final class PanelSource implements LeafSource {
        private final List<SeriesLabels> labels = new ArrayList<>();

        PanelSource(int series) {
            for (int i = 0; i < series; i++) {
                labels.add(SeriesLabels.of(CanonicalLabels.of("__name__", "m", "i", Integer.toString(i),
                        "job", "j" + (i % 3), "note", i % 7 == 0 ? "ünïcødé \"q\" \\ 指标" : "plain")));
            }
        }

        @Override
        public RoaringBitmap select(VectorSelector selector) {
            RoaringBitmap out = new RoaringBitmap();
            out.add(0L, labels.size());
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
                SplittableRandom r = new SplittableRandom(ends[s] * 31 + id);
                // a series absent for a stretch of steps (gone, then back), and single gaps
                present[s] = r.nextInt(10) != 0 && !(id % 5 == 1 && (ends[s] / STEP) % 40 < 12);
                values[s] = switch (r.nextInt(8)) {
                    case 0 -> Double.NaN;
                    case 1 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                    case 2 -> -0.0;
                    case 3 -> r.nextInt(1_000_000);
                    case 4 -> r.nextInt(10_000) / 100.0;
                    case 5 -> (r.nextDouble() - 0.5) * 1e-9;
                    case 6 -> (r.nextDouble() - 0.5) * 1e22;
                    default -> (r.nextDouble() - 0.5) * 1000;
                };
                errors[s] = id % 4 == 0 ? Math.abs(values[s]) * 1e-3 : 0;
                accuracy.point(errors[s] == 0, errors[s] == 0 ? 0 : 1e-3);
            }
            return null;
        }
    }

    @Test
    void aRefreshedPanelWritesWhatAFreshEvaluationWrites() {
        refreshes(64 << 20, true, "avg_over_time(m[5m])", "sum by (job) (max_over_time(m[5m])) * 2");
    }

    /** A day at 60 s steps: each series' kept text (~35 KB) leaves as parts of its own, not through the builder. */
    @Test
    void aDayLongPanelWritesWhatAFreshEvaluationWrites() {
        refreshes(64 << 20, true, 8, 24 * HOUR, 8, "avg_over_time(m[5m])");
    }

    /** 60 series x 61 steps take ~45 KB as values, ~120 KB with their text: a quarter of 320 KiB holds only the first. */
    @Test
    void aPanelTooLargeToKeepWithItsTextIsKeptWithoutIt() {
        RangeResultCache cache = refreshes(320 << 10, false, "avg_over_time(m[5m])");
        assertTrue(cache.bytes() < 80 << 10, "kept without text: " + cache.bytes() + " bytes");
    }

    /** A panel that ends before the sealed horizon (last week's, a fixed range) is answered whole from the cache. */
    @Test
    void aPanelWhollyInSealedTimeIsAnsweredWholeFromTheCache() {
        PanelSource src = new PanelSource(60);
        long[] now = {T0 + 30 * HOUR};
        RangeResultCache cache = new RangeResultCache(64 << 20, new LateWrites(5 * 60_000), () -> now[0], QueryResultJson::point);
        long end = T0 + 3 * HOUR;
        for (String q : new String[] {"avg_over_time(m[5m])", "sum by (job) (max_over_time(m[5m])) * 2"}) {
            QueryResult fresh = ExprEvaluator.evaluate(PromQLParser.parse(q), src, end - HOUR, end, STEP,
                    EvalLimits.none(), new String[1]);
            for (int ask = 0; ask < 3; ask++) {
                now[0] += 20_000;
                QueryResult cached = cache.evaluate(PromQLParser.parse(q), src, end - HOUR, end, STEP,
                        EvalLimits.none(), new String[1]);
                assertEquals(QueryResultJson.render(fresh), QueryResultJson.render(cached), q + ", ask " + ask);
            }
        }
        assertEquals(4, cache.hits());
        assertEquals(2, cache.misses());
    }

    private static RangeResultCache refreshes(long cacheBytes, boolean keptAsText, String... queries) {
        return refreshes(cacheBytes, keptAsText, 60, HOUR, 30, queries);
    }

    private static RangeResultCache refreshes(long cacheBytes, boolean keptAsText, int series, long range, int refreshes,
                                              String... queries) {
        PanelSource src = new PanelSource(series);
        long[] now = {T0 + 3 * HOUR};
        RangeResultCache cache = new RangeResultCache(cacheBytes, new LateWrites(5 * 60_000), () -> now[0], QueryResultJson::point);
        for (String q : queries) {
            long copiedSteps = 0;
            long points = 0;
            for (int refresh = 0; refresh < refreshes; refresh++) {
                now[0] += 20_000 + 7_000L * (refresh % 5); // refreshes at uneven intervals, some within one step
                long end = now[0] / STEP * STEP;
                long start = end - range;
                QueryResult fresh = ExprEvaluator.evaluate(PromQLParser.parse(q), src, start, end, STEP,
                        EvalLimits.none(), new String[1]);
                QueryResult cached = cache.evaluate(PromQLParser.parse(q), src, start, end, STEP, EvalLimits.none(),
                        new String[1]);
                assertEquals(QueryResultJson.render(fresh), QueryResultJson.render(cached), q + " at refresh " + refresh);
                // as the node sends it: in parts, the kept text cut where a part ends
                java.nio.ByteBuffer[] parts = QueryResultJson.renderParts(cached, null, 1);
                assertEquals(QueryResultJson.render(fresh), new String(QueryResultPartsTest.joined(parts), java.nio.charset.StandardCharsets.UTF_8), q + " in parts at refresh " + refresh);
                for (StepSeries s : cached.series()) {
                    for (int i = 0; i < s.steps(); i++) {
                        points += s.present(i) ? 1 : 0;
                        copiedSteps += s.present(i) && i < s.textSteps() ? 1 : 0;
                    }
                }
            }
            // all but the steps after the sealed horizon (5 of 61) come written out by the cache
            if (keptAsText) {
                assertTrue(copiedSteps > 0.8 * points, q + ": " + copiedSteps + " of " + points + " points written from kept text");
            } else {
                assertEquals(0, copiedSteps, q + ": points written from text the cache had no room for");
            }
        }
        assertTrue(cache.hits() >= (refreshes - 5) * queries.length, "hits " + cache.hits());
        return cache;
    }
}
