package io.weir.net.query;

import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.LeafSource;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.promql.VectorSelector;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.sketch.SketchFunction;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large result written in parts by several threads ({@link QueryResultJson#renderParts}) is byte for byte the
 * result written by one ({@link QueryResultJson#render}), whatever the pool does: helps, is busy, is shut down, or is
 * absent. Values include NaN, infinities, negative zero, integers and full-precision doubles; labels unicode and
 * quotes; steps without a value.
 */
class QueryResultPartsTest {
    /** Series with values drawn from a seed: {@code m{i="k", note=...}}, a step absent where the draw says so. */
    private static final class DrawnSource implements LeafSource {
        private final List<SeriesLabels> labels = new ArrayList<>();

        DrawnSource(int series) {
            for (int i = 0; i < series; i++) {
                labels.add(SeriesLabels.of(CanonicalLabels.of("__name__", "m", "i", Integer.toString(i),
                        "note", i % 7 == 0 ? "ünïcødé \"q\" \\ 指标" : "plain")));
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
            Random r = new Random(id);
            for (int s = 0; s < ends.length; s++) {
                present[s] = r.nextInt(10) != 0;
                values[s] = switch (r.nextInt(8)) {
                    case 0 -> Double.NaN;
                    case 1 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                    case 2 -> -0.0;
                    case 3 -> r.nextInt(1_000_000);
                    case 4 -> r.nextInt(10_000) / 100.0;
                    case 5 -> r.nextGaussian() * 1e-9;
                    case 6 -> r.nextGaussian() * 1e22;
                    default -> r.nextGaussian() * 1000;
                };
                errors[s] = 0;
            }
            return null;
        }
    }

    private static QueryResult rangeResult(int series, int steps) {
        long end = 1_700_000_000_000L;
        long step = 60_000;
        QueryResult r = ExprEvaluator.evaluate(PromQLParser.parse("avg_over_time(m[5m])"), new DrawnSource(series),
                end - (steps - 1) * step, end, step, EvalLimits.none(), new String[1]);
        assertEquals("matrix", r.resultType());
        assertEquals(series, r.series().size());
        return r;
    }

    /** The parts one after the other, as the socket sends them. */
    static byte[] joined(ByteBuffer[] parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer p : parts) {
            out.write(p.array(), p.arrayOffset() + p.position(), p.remaining());
        }
        return out.toByteArray();
    }

    @Test
    void partsWrittenByAnyNumberOfThreadsAreTheOneThreadResult() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int[] shape : new int[][] {{2, 10_001}, {3, 7_000}, {101, 241}, {1_000, 61}, {17, 1_441}}) {
                QueryResult r = rangeResult(shape[0], shape[1]);
                assertTrue((long) shape[0] * shape[1] >= QueryResultJson.PARALLEL_POINTS, "large enough to be split");
                byte[] expected = QueryResultJson.render(r).getBytes(StandardCharsets.UTF_8);
                for (int parallelism = 2; parallelism <= 4; parallelism++) {
                    ByteBuffer[] parts = QueryResultJson.renderParts(r, pool, parallelism);
                    assertTrue(parts.length > 2, "split into parts");
                    assertArrayEquals(expected, joined(parts), "series " + shape[0] + ", steps " + shape[1] + ", parallelism " + parallelism);
                }
                assertArrayEquals(expected, joined(QueryResultJson.renderParts(r, null, 4)), "no pool");
            }
            QueryResult small = rangeResult(10, 10);
            assertEquals(1, QueryResultJson.renderParts(small, pool, 4).length, "small results are written whole");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A large answer leaves as many small arrays, whichever thread writes it: none as large as half a G1 region
     * (a humongous object, allocated in the old generation), each about {@link JsonParts#PART_CHARS} long.
     */
    @Test
    void aLargeAnswerIsWrittenInSmallParts() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            QueryResult r = rangeResult(400, 1_441);
            byte[] expected = QueryResultJson.render(r).getBytes(StandardCharsets.UTF_8);
            assertTrue(expected.length > 40 * JsonParts.PART_CHARS, "large: " + expected.length);
            for (int parallelism : new int[] {1, 3}) {
                ByteBuffer[] parts = QueryResultJson.renderParts(r, parallelism > 1 ? pool : null, parallelism);
                assertArrayEquals(expected, joined(parts), "parallelism " + parallelism);
                assertTrue(parts.length >= expected.length / (JsonParts.PART_CHARS + 1_024), parts.length + " parts");
                for (ByteBuffer p : parts) {
                    assertTrue(p.remaining() <= JsonParts.PART_CHARS + 1_024, "a part of " + p.remaining() + " bytes");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBusyOrClosedPoolLeavesTheWholeResultToTheCaller() throws Exception {
        QueryResult r = rangeResult(500, 241);
        byte[] expected = QueryResultJson.render(r).getBytes(StandardCharsets.UTF_8);
        ExecutorService busy = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        try {
            busy.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // the helper task waits in the queue behind the blocked one: the caller writes every group itself
            assertArrayEquals(expected, joined(QueryResultJson.renderParts(r, busy, 2)));
        } finally {
            release.countDown();
            busy.shutdown();
            assertTrue(busy.awaitTermination(30, TimeUnit.SECONDS));
        }
        // shut down: execute refuses, the caller writes everything
        assertArrayEquals(expected, joined(QueryResultJson.renderParts(r, busy, 3)));
    }
}
