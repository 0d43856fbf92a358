package io.weir.engine.series;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random label sets and their request-style spans, for the series tests. */
final class LabelSets {
    static final String[] NAMES = {"__name__", "a_b", "env", "instance", "job", "zone"};
    static final String[] VALUES = {"v0", "v1", "v2", "v3", "v10", "ü", "x", "a-much-longer-value-over-16-bytes"};

    private LabelSets() {}

    /** Distinct random label sets (alternating name, value; sorted by name), at least one label each. */
    static List<String[]> random(Random rnd, int n) {
        Map<String, String[]> distinct = new LinkedHashMap<>();
        while (distinct.size() < n) {
            List<String> pairs = new ArrayList<>();
            for (String name : NAMES) { // NAMES is sorted, so the pairs are too
                if (rnd.nextInt(100) < (name.equals("__name__") ? 90 : 50)) {
                    pairs.add(name);
                    pairs.add(VALUES[rnd.nextInt(VALUES.length)] + (rnd.nextInt(4) == 0 ? "" : rnd.nextInt(8)));
                }
            }
            if (pairs.isEmpty()) {
                continue;
            }
            String[] set = pairs.toArray(String[]::new);
            distinct.putIfAbsent(String.join("\u0000", set), set);
        }
        return new ArrayList<>(distinct.values());
    }

    /** Label sets laid out as a decoder would leave them: one buffer, spans per label, a label range per set. */
    record Spans(byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen, int[] first, int[] count) {
        static Spans of(List<String[]> sets) {
            int labels = 0;
            int bytes = 0;
            for (String[] set : sets) {
                labels += set.length / 2;
                for (String s : set) {
                    bytes += s.getBytes(StandardCharsets.UTF_8).length + 3; // + gap: spans need not be adjacent
                }
            }
            Spans sp = new Spans(new byte[bytes], new int[labels], new int[labels], new int[labels], new int[labels],
                    new int[sets.size()], new int[sets.size()]);
            int pos = 0;
            int label = 0;
            for (int s = 0; s < sets.size(); s++) {
                String[] set = sets.get(s);
                sp.first[s] = label;
                sp.count[s] = set.length / 2;
                for (int i = 0; i < set.length; i += 2, label++) {
                    byte[] name = set[i].getBytes(StandardCharsets.UTF_8);
                    byte[] value = set[i + 1].getBytes(StandardCharsets.UTF_8);
                    pos += 1;
                    System.arraycopy(name, 0, sp.buf, pos, name.length);
                    sp.nameOff[label] = pos;
                    sp.nameLen[label] = name.length;
                    pos += name.length + 1;
                    System.arraycopy(value, 0, sp.buf, pos, value.length);
                    sp.valueOff[label] = pos;
                    sp.valueLen[label] = value.length;
                    pos += value.length + 1;
                }
            }
            return sp;
        }

        int resolve(SeriesResolver r, int set) {
            return r.resolve(buf, nameOff, nameLen, valueOff, valueLen, first[set], count[set]);
        }

        boolean exists(SeriesResolver r, int set) {
            return r.exists(buf, nameOff, nameLen, valueOff, valueLen, first[set], count[set]);
        }
    }
}
