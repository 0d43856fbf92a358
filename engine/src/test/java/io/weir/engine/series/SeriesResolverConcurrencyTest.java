package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class SeriesResolverConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void fourThreadsAgreeOnOneDenseIdPerSeries() throws Exception {
        int threads = 4;
        List<String[]> sets = LabelSets.random(new Random(9), 10_000);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        AtomicIntegerArray seen = new AtomicIntegerArray(sets.size() + 1);
        try (SeriesTable table = SeriesTable.open(dir, sets.size())) {
            table.onNewSeries(id -> {
                seen.incrementAndGet(id);
                assertNotNull(table.labels(id)); // the listener may read what it is told about
            });
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    SeriesResolver resolver = table.newResolver(4096); // small: clears happen too
                    Random rnd = new Random(seed);
                    int[] ids = new int[sets.size()];
                    java.util.Arrays.fill(ids, -1);
                    start.await();
                    for (int k = 0; k < sets.size() * 3; k++) {
                        // each thread walks an overlapping, mostly different slice first, then everything
                        int s = k < sets.size() ? (int) ((k + seed * sets.size() / threads) % sets.size())
                                : rnd.nextInt(sets.size());
                        int id = spans.resolve(resolver, s);
                        if (ids[s] >= 0) {
                            assertEquals(ids[s], id);
                        }
                        ids[s] = id;
                        // a query thread's view: the id is published with its labels
                        assertNotNull(table.labels(id));
                    }
                    return ids;
                }));
            }
            start.countDown();
            int[] reference = results.get(0).get();
            for (Future<int[]> f : results) {
                assertArrayEquals(reference, f.get());
            }
            pool.shutdown();
            assertEquals(sets.size(), table.size());
            boolean[] used = new boolean[sets.size()];
            for (int s = 0; s < sets.size(); s++) {
                int id = reference[s];
                assertEquals(false, used[id], "id handed to two series");
                used[id] = true;
                assertArrayEquals(CanonicalLabels.of(sets.get(s)), table.labels(id).canonicalBytes());
                assertEquals(1, seen.get(id), "listener calls for id " + id);
            }
            assertEquals(0, seen.get(sets.size()));
            assertEquals(sets.size(), table.index().select(List.of()).getCardinality());
        }
    }
}
