package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Series expiry: time is driven through {@link SeriesTable#expireIdle}'s clock argument, never slept. */
class SeriesTableExpiryTest {
    private static final long T0 = 1_000_000_000L;
    private static final String[] A = {"__name__", "up", "job", "a"};
    private static final String[] B = {"__name__", "up", "job", "b"};
    private static final String[] C = {"__name__", "up", "job", "c"};
    private static final LabelSets.Spans SPANS = LabelSets.Spans.of(List.of(A, B, C));
    private static final List<LabelMatcher> UP = List.of(LabelMatcher.of(LabelMatcher.Type.EQ, "__name__", "up"));

    @TempDir
    Path dir;

    private static long sec(int s) {
        return T0 + s * 1000L;
    }

    @Test
    void idleSeriesRetiresThenFreesAndComesBackUnderANewId() {
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            table.expireAfter(10_000, 5_000);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            int a = SPANS.resolve(resolver, 0);
            int b = SPANS.resolve(resolver, 1);
            table.expireIdle(sec(5), 0, Long.MAX_VALUE);
            assertEquals(b, SPANS.resolve(resolver, 1)); // b active at 5 s, a last at 0 s

            assertEquals(1, table.expireIdle(sec(11), 100, 0), "a retires; nothing is free yet");
            assertEquals(RoaringBitmap.bitmapOf(b), table.index().select(UP), "a left the index");
            assertEquals(List.of("b"), table.index().labelValues("job", null), "a value without series goes too");
            assertArrayEquals(CanonicalLabels.of(A), table.labels(a).canonicalBytes(), "labels kept while retiring");
            assertEquals(1, table.liveSeries());
            assertEquals(1, table.retiringSeries());
            assertEquals(1, table.expiredSeries());

            assertEquals(0, table.expireIdle(sec(15), 200, 0));
            SPANS.resolve(resolver, 1);
            assertEquals(0, table.expireIdle(sec(16), 200, 99), "retired long enough, but the forwarder is before 100");
            assertEquals(1, table.retiringSeries());
            assertEquals(1, table.expireIdle(sec(16), 200, 100), "passed: a is freed");
            assertNull(table.labels(a));
            assertEquals(-1, table.find(CanonicalLabels.of(A)));
            assertEquals(0, table.retiringSeries());
            assertEquals(1, table.freedSeries());

            int again = SPANS.resolve(resolver, 0); // the resolver still caches a's old id
            assertEquals(2, again, "a new id, after every id handed out");
            assertArrayEquals(CanonicalLabels.of(A), table.labels(again).canonicalBytes());
            assertEquals(RoaringBitmap.bitmapOf(b, again), table.index().select(UP));
            assertEquals(again, SPANS.resolve(resolver, 0), "the cache now holds the new id");
            assertEquals(again, SPANS.resolve(table.newResolver(), 0));
            assertEquals(2, table.liveSeries());
            assertEquals(3, table.size());
        }
    }

    @Test
    void retiringSeriesComesBackUnderItsOwnIdAndIsNotFreedLater() {
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            table.expireAfter(10_000, 5_000);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            int a = SPANS.resolve(resolver, 0);
            assertEquals(1, table.expireIdle(sec(11), 0, Long.MAX_VALUE));
            assertEquals(0, table.index().select(UP).getCardinality());

            assertEquals(a, SPANS.resolve(resolver, 0), "a cached hit on a retiring id resolves it again: same id");
            assertEquals(RoaringBitmap.bitmapOf(a), table.index().select(UP));
            assertEquals(1, table.returnedSeries());
            assertEquals(1, table.liveSeries());
            assertEquals(0, table.retiringSeries());

            assertEquals(0, table.expireIdle(sec(17), 0, Long.MAX_VALUE), "its old retirement is stale: nothing freed");
            assertNotNull(table.labels(a));
            // idle again: retires and frees on its own schedule
            assertEquals(1, table.expireIdle(sec(22), 0, Long.MAX_VALUE));
            assertEquals(1, table.expireIdle(sec(27), 0, Long.MAX_VALUE));
            assertNull(table.labels(a));
        }
    }

    @Test
    void existsCreatesNothingAndSeesOnlyResolvableSeries() {
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            table.expireAfter(10_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            SPANS.resolve(resolver, 0);
            assertEquals(2, table.expireIdle(sec(11), 0, Long.MAX_VALUE), "retired and freed in one pass");
            assertFalse(SPANS.exists(resolver, 0), "a freed series does not exist, though its id is cached");
            assertEquals(1, table.size());
        }
    }

    @Test
    void idsOfExpiredSeriesAreNotHandedOutAgainAfterARestart() {
        int a;
        int c;
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            table.expireAfter(10_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            a = SPANS.resolve(resolver, 0);
            SPANS.resolve(resolver, 1);
            c = SPANS.resolve(resolver, 2); // the highest id
            table.expireIdle(sec(8), 0, Long.MAX_VALUE);
            SPANS.resolve(resolver, 1);
            assertEquals(4, table.expireIdle(sec(11), 0, Long.MAX_VALUE), "a and c retire and are freed");
        }
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            assertEquals(3, table.size(), "the watermark keeps the expired highest id used");
            assertEquals(1, table.liveSeries());
            assertNull(table.labels(a));
            assertNull(table.labels(c));
            SeriesResolver resolver = table.newResolver();
            int c2 = SPANS.resolve(resolver, 2);
            assertEquals(3, c2);
            // start-up records of the expired ids: history for c (it has a newer id), a comes back under its own id
            assertEquals(SeriesTable.SUPERSEDED, table.adopt(c, CanonicalLabels.of(C)));
            assertNull(table.labels(c));
            assertEquals(SeriesTable.ADOPTED, table.adopt(a, CanonicalLabels.of(A)));
            assertArrayEquals(CanonicalLabels.of(A), table.labels(a).canonicalBytes());
            assertEquals(a, SPANS.resolve(resolver, 0));
            assertEquals(3, table.liveSeries());
            assertEquals(RoaringBitmap.bitmapOf(a, 1, c2), table.index().select(UP));
        }
    }

    /** The file as a crash leaves it (copied while the table is open: no clean marker, recovered at open). */
    @Test
    void aCrashImageKeepsExpiredIdsUnusedAndTheirLabelsGone() throws Exception {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        int a;
        try (SeriesTable table = SeriesTable.open(live, 1024)) {
            table.expireAfter(10_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            a = SPANS.resolve(resolver, 0);
            SPANS.resolve(resolver, 1);
            SPANS.resolve(resolver, 2);
            table.expireIdle(sec(8), 0, Long.MAX_VALUE);
            SPANS.resolve(resolver, 1);
            assertEquals(4, table.expireIdle(sec(11), 0, Long.MAX_VALUE));
            java.nio.file.Files.createDirectories(crashed);
            java.nio.file.Files.copy(live.resolve(SeriesTable.FILE_NAME), crashed.resolve(SeriesTable.FILE_NAME));
        }
        try (SeriesTable table = SeriesTable.open(crashed, 1024)) {
            assertEquals(3, table.size());
            assertEquals(1, table.liveSeries());
            assertNull(table.labels(a));
            assertEquals(-1, table.find(CanonicalLabels.of(A)));
            assertEquals(3, SPANS.resolve(table.newResolver(), 2), "c comes back under a new id");
        }
    }

    @Test
    void aResolverForgetsFreedSeriesInsteadOfCachingThemUpToItsCap() {
        List<String[]> sets = LabelSets.random(new Random(4), 3001);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        try (SeriesTable table = SeriesTable.open(dir, 16_384)) {
            table.expireAfter(10_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            for (int s = 0; s < 3000; s++) {
                spans.resolve(resolver, s);
            }
            assertEquals(3000, resolver.cachedSeries());
            assertEquals(6000, table.expireIdle(sec(11), 0, Long.MAX_VALUE));
            spans.resolve(resolver, 3000); // a new series: the miss path sees 3,000 freed since the cache last emptied
            assertEquals(1, resolver.cachedSeries());
            assertEquals(1, resolver.cacheClears());
        }
    }

    @Test
    void fullyExpiredStatePagesAreReleased() {
        List<String[]> sets = LabelSets.random(new Random(3), 3 * SeriesStates.PAGE_IDS);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        try (SeriesTable table = SeriesTable.open(dir, 16_384)) {
            table.expireAfter(10_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            SeriesResolver resolver = table.newResolver();
            for (int s = 0; s < SeriesStates.PAGE_IDS * 2; s++) {
                spans.resolve(resolver, s);
            }
            long before = table.stateBytes();
            table.expireIdle(sec(11), 0, Long.MAX_VALUE);
            assertEquals(0, table.liveSeries());
            assertTrue(table.stateBytes() < before - SeriesStates.PAGE_IDS * 4L, "two pages released: " + before + " -> " + table.stateBytes());
            // a new page starts fresh for the next ids
            int next = spans.resolve(resolver, SeriesStates.PAGE_IDS * 2);
            assertEquals(SeriesStates.PAGE_IDS * 2, next);
            assertEquals(1, table.liveSeries());
        }
    }

    /**
     * Four resolver threads resolve random series while this thread drives the clock and expiry passes that retire
     * and free in one go: a thread must never get an id whose labels are another series', and at the end every
     * series resolves to a live id that the index holds, with the counters adding up.
     */
    @Test
    void concurrentResolveAndExpiryKeepIdsLabelsAndIndexConsistent() throws Exception {
        int threads = 4;
        List<String[]> sets = LabelSets.random(new Random(11), 2000);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        byte[][] canonical = new byte[sets.size()][];
        for (int s = 0; s < sets.size(); s++) {
            canonical[s] = CanonicalLabels.of(sets.get(s));
        }
        try (SeriesTable table = SeriesTable.open(dir, 1 << 16)) {
            table.expireAfter(2_000, 0);
            table.expireIdle(sec(0), 0, Long.MAX_VALUE);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    SeriesResolver resolver = table.newResolver(512);
                    Random rnd = new Random(seed);
                    int[] lastId = new int[sets.size()];
                    Arrays.fill(lastId, -1);
                    long resolved = 0;
                    started.countDown();
                    while (!stop.get() || resolved < 10_000) {
                        // a skewed pick: some series stay busy, the rest go idle and expire
                        int s = rnd.nextInt(4) == 0 ? rnd.nextInt(sets.size()) : rnd.nextInt(50);
                        int id = spans.resolve(resolver, s);
                        SeriesLabels l = table.labels(id);
                        if (l != null) {
                            assertArrayEquals(canonical[s], l.canonicalBytes(), "id " + id + " names another series");
                        }
                        assertTrue(id >= lastId[s], "a series' id never goes back: " + lastId[s] + " -> " + id);
                        lastId[s] = id;
                        resolved++;
                    }
                    return resolved;
                }));
            }
            started.await();
            for (int pass = 1; pass <= 400; pass++) {
                table.expireIdle(sec(pass), pass, Long.MAX_VALUE);
            }
            stop.set(true);
            for (Future<Long> f : results) {
                assertTrue(f.get() >= 10_000);
            }
            pool.shutdown();
            assertTrue(table.expiredSeries() > 0, "the idle series expired");
            assertEquals(table.size(), table.liveSeries() + table.retiringSeries() + table.freedSeries(),
                "every id handed out is live, retiring or freed");
            RoaringBitmap indexed = table.index().select(List.of());
            assertEquals(table.liveSeries(), indexed.getCardinality(), "the index holds exactly the live series");
            SeriesResolver resolver = table.newResolver();
            for (int s = 0; s < sets.size(); s++) {
                int id = spans.resolve(resolver, s);
                assertArrayEquals(canonical[s], table.labels(id).canonicalBytes());
            }
            RoaringBitmap after = table.index().select(List.of());
            assertEquals(sets.size(), after.getCardinality(), "every series resolvable and indexed after resolving all");
            assertEquals(sets.size(), table.liveSeries());
            for (int s = 0; s < sets.size(); s++) {
                assertTrue(after.contains(table.find(canonical[s])));
                assertNotEquals(-1, table.find(canonical[s]));
            }
        }
    }
}
