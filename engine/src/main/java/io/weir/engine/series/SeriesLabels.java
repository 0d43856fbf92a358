package io.weir.engine.series;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The labels of one series: immutable, thread-safe, kept as {@link CanonicalLabels} bytes and decoded to
 * Strings on first use (a series that is never queried never pays for its Strings).
 */
public final class SeriesLabels implements Comparable<SeriesLabels> {
    public static final String METRIC_NAME = "__name__";

    private final byte[] canonical;
    /** Racy but safe: {@link Decoded} has only final fields, so any thread sees it whole or decodes again. */
    private Decoded decoded;

    private record Decoded(String[] names, String[] values) {
        /**
         * The record, its two arrays and the value Strings of its own (compressed references, Latin-1 text); names
         * and metric names are shared ({@link #decode}).
         */
        long heapBytes() {
            long bytes = HeapSizes.object(8) + 2 * HeapSizes.referenceArray(names.length);
            for (int i = 0; i < names.length; i++) {
                bytes += isShared(names[i]) ? 0 : HeapSizes.string(values[i]);
            }
            return bytes;
        }
    }

    /**
     * What the query layer derives from these labels once and keeps with them (its sorted label sets with and without
     * the metric name), so that a series read by every refresh of a dashboard is not given new ones each time: a
     * query over 1,000 series built ~200 KB of them. Racy but safe as {@link #decoded}: what is kept must have only
     * final fields. Costs ~180 bytes of heap per series queried, beside its decoded labels (~180 bytes for three
     * labels: names and the metric name are shared); both are held to {@code query.kept_state_size} by a sweep that
     * drops those not read lately.
     */
    private QueryView queryView;
    /** Set by a read of {@link #queryView()}, cleared by each pass of a sweep ({@link #sweepKept}): racy, a cache's mark. */
    private boolean readSinceSweep;
    /**
     * The heap of {@link #decoded} and {@link #queryView}, estimated when they are built, so that a sweep reads this
     * object only (fits beside the other fields: the object stays 32 bytes).
     */
    private int keptBytes;

    /** What the query layer keeps with a series' labels: immutable, final fields only. */
    public interface QueryView {
        /** @return an estimate of its heap beside the labels' decoded Strings, which it shares */
        long heapBytes();
    }

    /** Wraps canonical bytes without copying; the caller gives up the array. */
    SeriesLabels(byte[] canonical) {
        this.canonical = canonical;
    }

    /** @throws IllegalArgumentException when the bytes are not a well-formed encoding */
    public static SeriesLabels of(byte[] canonical) {
        SeriesLabels labels = new SeriesLabels(canonical.clone());
        labels.decoded();
        return labels;
    }

    /** @return a copy of the canonical bytes */
    public byte[] canonicalBytes() { return canonical.clone(); }

    public int canonicalLength() { return canonical.length; }

    /** Copies the canonical bytes into {@code dst} at {@code pos}; returns the position after them. */
    public int copyCanonical(byte[] dst, int pos) {
        System.arraycopy(canonical, 0, dst, pos, canonical.length);
        return pos + canonical.length;
    }

    byte[] canonicalUnsafe() { return canonical; }

    /** @return what the query layer keeps with these labels ({@link #queryView(QueryView)}), or null */
    public QueryView queryView() {
        QueryView v = queryView;
        if (v != null && !readSinceSweep) {
            readSinceSweep = true; // written once a sweep, so a series read by every refresh does not dirty its line
        }
        return v;
    }

    /** Keeps {@code view} (immutable, final fields only) with these labels for the query layer. */
    public void queryView(QueryView view) {
        keptBytes = (int) Math.min(Integer.MAX_VALUE, decoded().heapBytes() + view.heapBytes());
        queryView = view;
        readSinceSweep = true;
    }

    /**
     * One sweep's look at what reads keep with these labels (decoded Strings, the query view): offered to {@code pass}
     * with its estimated heap, and dropped when the pass lets it go; a later read decodes and builds it again.
     * Racy but safe (a reader keeps the objects it already holds).
     *
     * @return the bytes kept after the look (0 when nothing was kept or it went)
     */
    long sweepKept(KeptReadState pass) {
        Decoded d = decoded;
        QueryView v = queryView;
        if (d == null && v == null) {
            return 0;
        }
        long bytes = keptBytes;
        if (pass.keep(bytes, readSinceSweep)) {
            readSinceSweep = false;
            return bytes;
        }
        queryView = null;
        decoded = null;
        return 0;
    }

    /** @return the number of labels */
    public int size() { return decoded().names.length; }

    public String name(int i) { return decoded().names[i]; }

    public String value(int i) { return decoded().values[i]; }

    /** @return the value of {@code name}, or "" when the series lacks it (PromQL's view of an absent label) */
    public String get(String name) {
        Decoded d = decoded();
        for (int i = 0; i < d.names.length; i++) {
            if (d.names[i].equals(name)) {
                return d.values[i];
            }
        }
        return "";
    }

    public String metricName() { return get(METRIC_NAME); }

    /**
     * Like {@link #get} without decoding and keeping every label of a series not decoded yet: for a pass over many
     * series that asks each only once (matching the sketch targets at start-up), where keeping the Strings of a
     * million series would cost hundreds of MB of heap.
     */
    public String peek(String name) {
        Decoded d = decoded;
        if (d != null) {
            return get(name);
        }
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        String[] found = {""};
        CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> {
            if (Arrays.equals(b, no, no + nl, wanted, 0, wanted.length)) {
                found[0] = new String(b, vo, vl, StandardCharsets.UTF_8);
            }
        });
        return found[0];
    }

    /** Visits (name, value) pairs in name order. */
    public void forEach(BiConsumer<String, String> action) {
        Decoded d = decoded();
        for (int i = 0; i < d.names.length; i++) {
            action.accept(d.names[i], d.values[i]);
        }
    }

    private Decoded decoded() {
        Decoded d = decoded;
        if (d == null) {
            d = decode(canonical);
            keptBytes = (int) Math.min(Integer.MAX_VALUE, d.heapBytes());
            decoded = d;
        }
        return d;
    }

    /** Whether the value of label {@code name} is shared between series' decoded labels: the metric name's. */
    private static boolean isShared(String name) {
        return METRIC_NAME.equals(name);
    }

    private static Decoded decode(byte[] canonical) {
        int[] count = new int[1];
        CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> count[0]++);
        String[] names = new String[count[0]];
        String[] values = new String[count[0]];
        int[] i = new int[1];
        CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> {
            // label names and metric names are few and shared by many series: one String each (the JVM's own pool,
            // which lets go of what no series refers to), so a series read keeps only its other values, and label
            // sets compare their names and metric names by identity first
            String name = new String(b, no, nl, StandardCharsets.UTF_8).intern();
            String value = new String(b, vo, vl, StandardCharsets.UTF_8);
            names[i[0]] = name;
            values[i[0]++] = isShared(name) ? value.intern() : value;
        });
        return new Decoded(names, values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeriesLabels other && Arrays.equals(canonical, other.canonical);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(canonical); }

    /** Prometheus text form, e.g. {@code up{job="a"}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(metricName()).append('{');
        Decoded d = decoded();
        boolean first = true;
        for (int i = 0; i < d.names.length; i++) {
            if (d.names[i].equals(METRIC_NAME)) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(d.names[i]).append("=\"");
            String v = d.values[i];
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

    /** The same labels without {@code __name__}, as {@code *_over_time} functions return them. */
    public SeriesLabels withoutMetricName() {
        Decoded d = decoded();
        int at = Arrays.asList(d.names).indexOf(METRIC_NAME);
        if (at < 0) {
            return this;
        }
        String[] pairs = new String[(d.names.length - 1) * 2];
        for (int i = 0, j = 0; i < d.names.length; i++) {
            if (i != at) {
                pairs[j++] = d.names[i];
                pairs[j++] = d.values[i];
            }
        }
        return new SeriesLabels(CanonicalLabels.of(pairs));
    }

    /** Prometheus' label-set order: pair by pair, name then value, a prefix first. */
    @Override
    public int compareTo(SeriesLabels o) {
        Decoded a = decoded();
        Decoded b = o.decoded();
        int n = Math.min(a.names.length, b.names.length);
        for (int i = 0; i < n; i++) {
            int c = a.names[i].compareTo(b.names[i]);
            if (c != 0) {
                return c;
            }
            c = a.values[i].compareTo(b.values[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.names.length, b.names.length);
    }
}
