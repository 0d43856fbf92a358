package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LabelIndexTest {
    private static final String[] MATCHER_NAMES = {"__name__", "a_b", "env", "instance", "job", "zone", "absent"};
    private static final String[] REGEXES = {
        "v1|v3", "v2|", "|x", "v[0-4]", ".*", ".+", "v.*|x", "(v1|v2)3?", "ü|v10", "a-much.*", "", "v1", "x.|v0.*", "v\\.1|v1\\|", "v.*", "v1.*", "\\Qv1\\E",
    };

    @Test
    void selectEqualsBruteForce() {
        Random rnd = new Random(42);
        List<String[]> sets = LabelSets.random(rnd, 3000);
        LabelIndex index = new LabelIndex();
        List<SeriesLabels> labels = new ArrayList<>();
        for (int id = 0; id < sets.size(); id++) {
            byte[] canonical = CanonicalLabels.of(sets.get(id));
            index.add(id, canonical);
            labels.add(SeriesLabels.of(canonical));
        }
        for (int q = 0; q < 3000; q++) {
            List<LabelMatcher> matchers = new ArrayList<>();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                matchers.add(randomMatcher(rnd));
            }
            RoaringBitmap expected = new RoaringBitmap();
            for (int id = 0; id < labels.size(); id++) {
                SeriesLabels l = labels.get(id);
                if (matchers.stream().allMatch(m -> m.matches(l.get(m.name())))) {
                    expected.add(id);
                }
            }
            RoaringBitmap actual = index.select(matchers);
            assertEquals(expected, actual, () -> matchers.toString());

            RoaringBitmap within = rnd.nextBoolean() ? null : actual;
            TreeSet<String> names = new TreeSet<>();
            TreeSet<String> jobs = new TreeSet<>();
            for (int id = 0; id < labels.size(); id++) {
                if (within == null || within.contains(id)) {
                    labels.get(id).forEach((n, v) -> names.add(n));
                    String job = labels.get(id).get("job");
                    if (!job.isEmpty()) {
                        jobs.add(job);
                    }
                }
            }
            assertEquals(List.copyOf(names), index.labelNames(within));
            assertEquals(List.copyOf(jobs), index.labelValues("job", within));
        }
        assertEquals(List.of(), index.labelValues("absent", null));
        assertEquals(sets.size(), index.select(List.of()).getCardinality());
    }

    private static LabelMatcher randomMatcher(Random rnd) {
        String name = MATCHER_NAMES[rnd.nextInt(MATCHER_NAMES.length)];
        LabelMatcher.Type type = LabelMatcher.Type.values()[rnd.nextInt(4)];
        boolean regex = type == LabelMatcher.Type.RE || type == LabelMatcher.Type.NRE;
        String value = switch (rnd.nextInt(4)) {
            case 0 -> "";
            case 1 -> regex ? REGEXES[rnd.nextInt(REGEXES.length)] : "v1";
            default -> regex ? REGEXES[rnd.nextInt(REGEXES.length)]
                    : LabelSets.VALUES[rnd.nextInt(LabelSets.VALUES.length)] + rnd.nextInt(8);
        };
        return LabelMatcher.of(type, name, value);
    }
}
