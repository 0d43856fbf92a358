package io.weir.engine.series;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class LabelSetHashTest {
    @Test
    void canonicalHashEqualsSpanHash() {
        List<String[]> sets = LabelSets.random(new Random(7), 5000);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        LabelSetHash a = new LabelSetHash();
        LabelSetHash b = new LabelSetHash();
        for (int s = 0; s < sets.size(); s++) {
            a.hashSpans(spans.buf(), spans.nameOff(), spans.nameLen(), spans.valueOff(), spans.valueLen(),
                    spans.first()[s], spans.count()[s]);
            byte[] canonical = CanonicalLabels.of(sets.get(s));
            b.hashCanonical(canonical, 0, canonical.length);
            assertEquals(a.hi(), b.hi());
            assertEquals(a.lo(), b.lo());
        }
    }

    @Test
    void fieldBoundariesMatter() {
        assertNotEquals(hash("ab", "c"), hash("a", "bc"));
        assertNotEquals(hash("a", "b", "c", "d"), hash("a", "bc", "d", ""));
        assertNotEquals(hash("abcdefgh", "x"), hash("abcdefgh\0", "x"));
    }

    /** 600,000 distinct label sets (structured and random): no collision in either 64-bit lane alone. */
    @Test
    void distinctSetsDoNotCollide() {
        int structured = 500_000;
        List<String[]> randomSets = LabelSets.random(new Random(11), 100_000);
        int n = structured + randomSets.size();
        long[] his = new long[n];
        long[] los = new long[n];
        LabelSetHash h = new LabelSetHash();
        for (int i = 0; i < n; i++) {
            String[] set = i < structured
                    ? new String[] {"__name__", "metric_" + (i % 997), "instance", "host-" + (i / 997) + ":9100",
                            "job", i % 2 == 0 ? "node" : "api"}
                    : randomSets.get(i - structured);
            byte[] c = CanonicalLabels.of(set);
            h.hashCanonical(c, 0, c.length);
            his[i] = h.hi();
            los[i] = h.lo();
        }
        assertFalse(hasDuplicate(his), "hi lane collided");
        assertFalse(hasDuplicate(los), "lo lane collided");
    }

    private static boolean hasDuplicate(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                return true;
            }
        }
        return false;
    }

    private static List<Long> hash(String... pairs) {
        LabelSetHash h = new LabelSetHash();
        byte[] c = encodeUnchecked(pairs);
        h.hashCanonical(c, 0, c.length);
        return new ArrayList<>(List.of(h.hi(), h.lo()));
    }

    private static byte[] encodeUnchecked(String... pairs) {
        return CanonicalLabels.of(pairs); // the hash does not care about order or empty values
    }
}
