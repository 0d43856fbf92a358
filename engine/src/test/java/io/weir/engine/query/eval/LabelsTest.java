package io.weir.engine.query.eval;

import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesLabels;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LabelsTest {
    private static void assertSameLabels(Labels expected, Labels actual) {
        assertEquals(expected, actual);
        String[] e = new String[expected.size() * 2];
        String[] a = new String[actual.size() * 2];
        for (int i = 0; i < expected.size(); i++) {
            e[2 * i] = expected.name(i);
            e[2 * i + 1] = expected.value(i);
        }
        for (int i = 0; i < actual.size(); i++) {
            a[2 * i] = actual.name(i);
            a[2 * i + 1] = actual.value(i);
        }
        assertArrayEquals(e, a);
    }

    /** A series' labels (canonical: sorted byte-wise) read into the evaluator's form, sorted as Java sorts strings. */
    @Test
    void seriesLabelsComeOutAsThePairsWouldSortThem() {
        SplittableRandom rnd = new SplittableRandom(11);
        String[] alphabet = {"a", "b", "_", "z", "é", "\uE000", "\uD83D\uDE00", "A", "0"};
        for (int round = 0; round < 2_000; round++) {
            TreeMap<String, String> byBytes = new TreeMap<>((x, y) -> java.util.Arrays.compareUnsigned(
                    x.getBytes(java.nio.charset.StandardCharsets.UTF_8), y.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            byBytes.put("__name__", "m");
            int n = rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                StringBuilder name = new StringBuilder("l");
                for (int k = rnd.nextInt(3); k >= 0; k--) {
                    name.append(alphabet[rnd.nextInt(alphabet.length)]);
                }
                byBytes.put(name.toString(), "v" + rnd.nextInt(100));
            }
            String[] pairs = new String[byBytes.size() * 2];
            int k = 0;
            for (var e : byBytes.entrySet()) {
                pairs[k++] = e.getKey();
                pairs[k++] = e.getValue();
            }
            SeriesLabels s = SeriesLabels.of(CanonicalLabels.of(pairs));
            assertSameLabels(Labels.of(pairs), Labels.of(s));
        }
    }

    @Test
    void namesWhoseByteOrderIsNotTheStringOrderAreSortedAsStrings() {
        // U+E000 sorts before U+1F600 by UTF-8 bytes, after it by UTF-16 units (String.compareTo)
        SeriesLabels s = SeriesLabels.of(CanonicalLabels.of("\uE000", "x", "\uD83D\uDE00", "y"));
        Labels l = Labels.of(s);
        assertEquals("\uD83D\uDE00", l.name(0));
        assertEquals("\uE000", l.name(1));
    }

    /** The label sets a leaf reads are built once per series and kept with it; they equal freshly built ones. */
    @Test
    void aSeriesKeepsTheLabelSetsItsFirstReadBuilt() {
        SeriesLabels s = SeriesLabels.of(CanonicalLabels.of("__name__", "m", "instance", "h:1", "job", "j"));
        Labels.OfSeries first = Labels.ofSeries(s);
        assertSameLabels(Labels.of(s), first.full());
        assertSameLabels(Labels.of("instance", "h:1", "job", "j"), first.withoutMetricName());
        org.junit.jupiter.api.Assertions.assertSame(first, Labels.ofSeries(s), "kept, not built again");
    }

    /**
     * Grouping without building each series' key ({@link GroupIndex}, {@link Labels#hashOn}, {@link Labels#sameOn})
     * groups exactly as a map keyed by the built {@code keep} / {@code without} sets: random label sets over few
     * values (many series a group), random grouping lists, both modes.
     */
    @Test
    void groupingInPlaceMatchesAMapOfBuiltKeys() {
        SplittableRandom rnd = new SplittableRandom(5);
        String[] names = {"__name__", "a", "b", "c", "d", "instance", "job"};
        for (int round = 0; round < 300; round++) {
            int n = 1 + rnd.nextInt(400);
            java.util.List<Labels> series = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                java.util.List<String> pairs = new java.util.ArrayList<>();
                for (String name : names) {
                    if (rnd.nextInt(4) > 0) {
                        pairs.add(name);
                        pairs.add("v" + rnd.nextInt(1 + round % 5));
                    }
                }
                series.add(Labels.of(pairs.toArray(new String[0])));
            }
            java.util.List<String> on = new java.util.ArrayList<>();
            for (String name : names) {
                if (rnd.nextInt(3) == 0) {
                    on.add(name);
                }
            }
            boolean without = rnd.nextBoolean();
            java.util.Map<Labels, Integer> oracle = new java.util.HashMap<>();
            java.util.List<Labels> groups = new java.util.ArrayList<>();
            GroupIndex index = new GroupIndex(n);
            for (Labels l : series) {
                Labels key = without ? l.without(on) : l.keep(on);
                int expected = oracle.computeIfAbsent(key, k -> oracle.size());
                int h = l.hashOn(on, without);
                int g = index.find(h, l, on, without, groups);
                if (g < 0) {
                    g = groups.size();
                    groups.add(key);
                    index.add(h, g);
                }
                assertEquals(expected, g, "round " + round + ": " + l + " on " + on + (without ? " (without)" : ""));
                assertSameLabels(key, groups.get(g));
                // and against any group, not only those whose hash matches
                Labels other = groups.get(rnd.nextInt(groups.size()));
                assertEquals(key.equals(other), l.sameOn(on, without, other), l + " against " + other);
            }
        }
    }
}
