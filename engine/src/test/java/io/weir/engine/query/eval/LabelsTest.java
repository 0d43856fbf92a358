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
}
