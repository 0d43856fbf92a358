package io.weir.engine.query;

import io.weir.engine.query.eval.Labels;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read state kept per series (decoded labels, label sets) stays within its budget by letting go of what was not
 * read lately, never of what was read since the last pass.
 */
class KeptStateSweepTest {
    private static final int SERIES = 100;
    /**
     * One series' kept state, counted by hand for {@code {__name__="mem", host="hNN", job="memtable"}} (compressed
     * references, 8-byte alignment): its own value Strings, 24 + byte[] (16 + length, aligned) = 48 each for "hNN"
     * and "memtable" (the names and the metric name are Strings all series share); the decoded record (12 + two
     * references = 20, aligned 24) and its two String[3] of 32 each = 88; the label view: its record 24, two Labels
     * of 24, the full set's two String[3] (32 each) and the set without the name's two String[2] (24 each) = 184.
     */
    private static final long SERIES_BYTES = 2 * 48 + 88 + 184;

    @TempDir
    Path dir;

    @Test
    void keepsWhatWasReadLatelyAndLetsTheRestGoPastTheBudget() {
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            int[] ids = new int[SERIES];
            Labels.OfSeries[] views = new Labels.OfSeries[SERIES];
            for (int i = 0; i < SERIES; i++) {
                ids[i] = table.getOrCreate(CanonicalLabels.of("__name__", "mem", "host", "h" + (10 + i), "job", "memtable"));
                views[i] = Labels.ofSeries(table.labels(ids[i]));
            }
            // a budget for 40 series: the first pass only counts (the last pass left nothing), and clears the marks
            KeptStateSweep sweep = new KeptStateSweep(table, new SketchShard[0], 40 * SERIES_BYTES);
            sweep.run();
            assertEquals(SERIES * SERIES_BYTES, sweep.keptBytes(), "the estimate of what 100 series keep");
            assertEquals(0, sweep.letGo());

            for (int i = 0; i < 10; i++) {
                assertSame(views[i], Labels.ofSeries(table.labels(ids[i])), "kept: the next read finds the same sets");
            }
            sweep.run(); // over the budget: lets unread series go until 7/8 of it is left, the 10 read ones stay
            long target = 40 * SERIES_BYTES / 8 * 7;
            assertTrue(sweep.keptBytes() <= target && sweep.keptBytes() > target - SERIES_BYTES,
                    "kept " + sweep.keptBytes() + " against a target of " + target);
            assertEquals(SERIES - sweep.keptBytes() / SERIES_BYTES, sweep.letGo());
            for (int i = 0; i < 10; i++) {
                assertSame(views[i], Labels.ofSeries(table.labels(ids[i])), "read since the last pass: kept");
            }
            // unread series go in id order: the first ones after the read ten
            assertNotSame(views[10], Labels.ofSeries(table.labels(ids[10])), "let go: built again on the next read");
            assertEquals(views[10], Labels.ofSeries(table.labels(ids[10])), "and equal to what it was");
            assertSame(views[SERIES - 1], Labels.ofSeries(table.labels(ids[SERIES - 1])), "the last ones stayed");
        }
    }

    @Test
    void stateReadSinceTheLastPassStaysEvenPastTheBudget() {
        try (SeriesTable table = SeriesTable.open(dir, 1024)) {
            Labels.OfSeries[] views = new Labels.OfSeries[SERIES];
            int[] ids = new int[SERIES];
            for (int i = 0; i < SERIES; i++) {
                ids[i] = table.getOrCreate(CanonicalLabels.of("__name__", "mem", "host", "h" + (10 + i), "job", "memtable"));
                views[i] = Labels.ofSeries(table.labels(ids[i]));
            }
            KeptStateSweep sweep = new KeptStateSweep(table, new SketchShard[0], 0);
            sweep.run();
            for (int i = 0; i < SERIES; i++) {
                Labels.ofSeries(table.labels(ids[i])); // a query over every series within the period
            }
            sweep.run();
            assertEquals(0, sweep.letGo(), "everything was read since the last pass");
            sweep.run();
            assertEquals(SERIES, sweep.letGo(), "a period without reads: a budget of 0 keeps nothing");
            assertEquals(0, sweep.keptBytes());
            assertNotSame(views[0], Labels.ofSeries(table.labels(ids[0])));
        }
    }
}
