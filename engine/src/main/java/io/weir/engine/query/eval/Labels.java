package io.weir.engine.query.eval;

import io.weir.engine.series.HeapSizes;
import io.weir.engine.series.SeriesLabels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * An immutable label set of an evaluated series, sorted by name, compared and ordered as Prometheus' labels are.
 * The evaluator derives new sets from old ones (drop the metric name, keep grouping labels, set a label), which
 * {@link SeriesLabels} with its canonical bytes is not built for.
 */
public final class Labels implements Comparable<Labels> {
    public static final String METRIC_NAME = SeriesLabels.METRIC_NAME;
    public static final Labels EMPTY = new Labels(new String[0], new String[0]);

    private final String[] names;
    private final String[] values;
    /** Computed on first use (0: not yet), as String's: most sets of a leaf are sorted and written, never hashed. */
    private int hash;

    private Labels(String[] names, String[] values) {
        this.names = names;
        this.values = values;
    }

    /** A stored series' label sets as a leaf reads them: whole, and without the metric name (as a leaf answers). */
    public record OfSeries(Labels full, Labels withoutMetricName) implements SeriesLabels.QueryView {
        /** The record and the two sets with their arrays; the Strings are the series' decoded ones, counted there. */
        @Override
        public long heapBytes() {
            return HeapSizes.object(8) + full.ownHeapBytes() + withoutMetricName.ownHeapBytes();
        }
    }

    /** The label sets of a stored series, built on its first read and kept with it ({@link SeriesLabels#queryView}). */
    public static OfSeries ofSeries(SeriesLabels s) {
        if (s.queryView() instanceof OfSeries kept) {
            return kept;
        }
        Labels full = of(s);
        OfSeries view = new OfSeries(full, full.withoutMetricName());
        s.queryView(view);
        return view;
    }

    /** This set and its two arrays, without the Strings they refer to. */
    long ownHeapBytes() {
        return HeapSizes.object(12) + 2 * HeapSizes.referenceArray(names.length);
    }

    /** Sorted by name here: the canonical form keeps the order the series arrived with. */
    public static Labels of(SeriesLabels s) {
        // series arrive sorted by name (remote write sorts them): take them as they are, without the map below
        int n = s.size();
        String[] names = new String[n];
        String[] values = new String[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            String value = s.value(i);
            if (value.isEmpty()) {
                continue;
            }
            String name = s.name(i);
            if (k > 0 && names[k - 1].compareTo(name) >= 0) {
                k = -1;
                break;
            }
            names[k] = name;
            values[k++] = value;
        }
        if (k >= 0) {
            return k == n ? new Labels(names, values) : new Labels(Arrays.copyOf(names, k), Arrays.copyOf(values, k));
        }
        String[] pairs = new String[s.size() * 2];
        for (int i = 0; i < s.size(); i++) {
            pairs[2 * i] = s.name(i);
            pairs[2 * i + 1] = s.value(i);
        }
        return of(pairs);
    }

    /** @param pairs name, value, name, value...; empty values are left out, as Prometheus treats them as absent */
    public static Labels of(String... pairs) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].isEmpty()) {
                m.put(pairs[i], pairs[i + 1]);
            }
        }
        return fromSorted(m);
    }

    private static Labels fromSorted(TreeMap<String, String> m) {
        return new Labels(m.keySet().toArray(new String[0]), m.values().toArray(new String[0]));
    }

    public int size() { return names.length; }

    public String name(int i) { return names[i]; }

    public String value(int i) { return values[i]; }

    /** @return the value, or "" when absent */
    public String get(String name) {
        int i = Arrays.binarySearch(names, name);
        return i >= 0 ? values[i] : "";
    }

    public boolean has(String name) { return Arrays.binarySearch(names, name) >= 0; }

    public Labels withoutMetricName() {
        int at = Arrays.binarySearch(names, METRIC_NAME);
        if (at < 0) {
            return this;
        }
        int n = names.length - 1;
        String[] nn = new String[n];
        String[] vv = new String[n];
        System.arraycopy(names, 0, nn, 0, at);
        System.arraycopy(values, 0, vv, 0, at);
        System.arraycopy(names, at + 1, nn, at, n - at);
        System.arraycopy(values, at + 1, vv, at, n - at);
        return new Labels(nn, vv);
    }

    /** The metric name, or "" when the set has none. */
    public String metricName() {
        return get(METRIC_NAME);
    }

    /** Only the given labels (Prometheus' {@code Labels.WithLabels} / {@code Builder.Keep}). */
    public Labels keep(Collection<String> keep) {
        int n = 0;
        for (String name : names) {
            if (keep.contains(name)) {
                n++;
            }
        }
        if (n == names.length) {
            return this;
        }
        String[] nn = new String[n];
        String[] vv = new String[n];
        for (int i = 0, j = 0; i < names.length; i++) {
            if (keep.contains(names[i])) {
                nn[j] = names[i];
                vv[j++] = values[i];
            }
        }
        return new Labels(nn, vv);
    }

    /**
     * The hash of {@link #keep}{@code (on)} (with {@code without}: of {@link #without}{@code (on)}) without building
     * it, for grouping many series: equal kept sets hash alike.
     */
    public int hashOn(Collection<String> on, boolean without) {
        int h = 1;
        for (int i = 0; i < names.length; i++) {
            if (on.contains(names[i]) != without) {
                h = 31 * (31 * h + names[i].hashCode()) + values[i].hashCode();
            }
        }
        return h;
    }

    /** Whether {@link #keep}{@code (on)} (with {@code without}: {@link #without}{@code (on)}) equals {@code key}. */
    public boolean sameOn(Collection<String> on, boolean without, Labels key) {
        int j = 0;
        for (int i = 0; i < names.length; i++) {
            if (on.contains(names[i]) != without) {
                if (j == key.names.length || !names[i].equals(key.names[j]) || !values[i].equals(key.values[j])) {
                    return false;
                }
                j++;
            }
        }
        return j == key.names.length;
    }

    /** All but the given labels. */
    public Labels without(Collection<String> drop) {
        List<String> nn = new ArrayList<>(names.length);
        List<String> vv = new ArrayList<>(names.length);
        for (int i = 0; i < names.length; i++) {
            if (!drop.contains(names[i])) {
                nn.add(names[i]);
                vv.add(values[i]);
            }
        }
        if (nn.size() == names.length) {
            return this;
        }
        return new Labels(nn.toArray(new String[0]), vv.toArray(new String[0]));
    }

    /** With {@code name} set to {@code value}; an empty value removes the label. */
    public Labels with(String name, String value) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], values[i]);
        }
        if (value.isEmpty()) {
            if (m.remove(name) == null) {
                return this;
            }
        } else {
            m.put(name, value);
        }
        return fromSorted(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels l && hashCode() == l.hashCode() && Arrays.equals(names, l.names) && Arrays.equals(values, l.values);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
            hash = h; // racy but benign: every thread computes the same value from immutable arrays
        }
        return h;
    }

    /** Prometheus' {@code labels.Compare}: pair by pair, name then value, the shorter set first on a tie. */
    @Override
    public int compareTo(Labels o) {
        int n = Math.min(names.length, o.names.length);
        for (int i = 0; i < n; i++) {
            // stored series share their names' and metric names' Strings (SeriesLabels): equal at a glance
            String a = names[i];
            String b = o.names[i];
            int c = a == b ? 0 : a.compareTo(b);
            if (c != 0) {
                return c;
            }
            a = values[i];
            b = o.values[i];
            c = a == b ? 0 : a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(names.length, o.names.length);
    }

    /** Prometheus' {@code Labels.String()}: {@code {a="1", b="2"}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(names[i]).append("=\"");
            String v = values[i];
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> sb.append(c);
                }
            }
            sb.append('"');
        }
        return sb.append('}').toString();
    }
}
