package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SeriesTablePersistenceTest {
    @TempDir
    Path dir;

    @Test
    void reopenKeepsIdsLabelsAndIndexAndContinuesDensely() {
        List<String[]> sets = LabelSets.random(new Random(5), 3000);
        List<String[]> first = sets.subList(0, 2000);
        List<String[]> later = sets.subList(2000, 3000);
        LabelSets.Spans spans = LabelSets.Spans.of(first);
        int[] ids = new int[first.size()];
        List<LabelMatcher> query = List.of(LabelMatcher.of(LabelMatcher.Type.RE, "job", "v1.*|x"),
                LabelMatcher.of(LabelMatcher.Type.NEQ, "env", "v2"));
        Object indexBefore;
        try (SeriesTable table = SeriesTable.open(dir, 10_000)) {
            SeriesResolver resolver = table.newResolver();
            for (int s = 0; s < first.size(); s++) {
                ids[s] = spans.resolve(resolver, s);
                assertEquals(s, ids[s], "ids are dense in creation order");
            }
            assertEquals(first.size(), table.size());
            indexBefore = List.of(table.index().select(query), table.index().labelNames(null),
                    table.index().labelValues("instance", null));
        }
        try (SeriesTable table = SeriesTable.open(dir, 10_000)) {
            assertEquals(first.size(), table.size());
            SeriesResolver resolver = table.newResolver();
            for (int s = 0; s < first.size(); s++) {
                byte[] canonical = CanonicalLabels.of(first.get(s));
                assertArrayEquals(canonical, table.labels(ids[s]).canonicalBytes());
                assertEquals(ids[s], table.find(canonical));
                assertEquals(ids[s], spans.resolve(resolver, s));
                String[] pairs = first.get(s);
                for (int i = 0; i < pairs.length; i += 2) {
                    assertEquals(pairs[i + 1], table.labels(ids[s]).get(pairs[i]));
                }
            }
            assertEquals(indexBefore, List.of(table.index().select(query), table.index().labelNames(null),
                    table.index().labelValues("instance", null)));
            int[] fresh = new int[later.size()];
            for (int s = 0; s < later.size(); s++) {
                fresh[s] = table.getOrCreate(CanonicalLabels.of(later.get(s)));
            }
            int[] expected = new int[later.size()];
            Arrays.setAll(expected, i -> first.size() + i);
            assertArrayEquals(expected, fresh);
        }
        try (SeriesTable table = SeriesTable.open(dir, 10_000)) {
            assertEquals(sets.size(), table.size());
            assertEquals(sets.size(), table.index().all().getCardinality());
            assertThrows(IndexOutOfBoundsException.class, () -> table.labels(sets.size()));
        }
    }

    @Test
    void labelsObject() {
        try (SeriesTable table = SeriesTable.open(dir, 100)) {
            int id = table.getOrCreate(CanonicalLabels.of("__name__", "up", "job", "a\"b", "zone", "eu"));
            SeriesLabels l = table.labels(id);
            assertEquals("up", l.metricName());
            assertEquals("a\"b", l.get("job"));
            assertEquals("", l.get("nope"));
            assertEquals(3, l.size());
            List<String> pairs = new ArrayList<>();
            l.forEach((n, v) -> pairs.add(n + "=" + v));
            assertEquals(List.of("__name__=up", "job=a\"b", "zone=eu"), pairs);
            assertEquals("up{job=\"a\\\"b\",zone=\"eu\"}", l.toString());
            assertEquals(-1, table.find(CanonicalLabels.of("__name__", "down")));
        }
    }
}
