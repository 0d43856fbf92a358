package io.weir.net.ingest;

import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.LabelSetHash;
import io.weir.engine.series.SeriesFrontCache;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.relabel.Relabeler;
import io.weir.net.remotewrite.DecodedWriteRequest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code ingest.relabel_configs}: Prometheus relabel rules applied to every series of a request on the
 * {@link IngestPath} before it is published, so the WAL, the sketches and the forwarder see only the relabeled
 * series (Prometheus' {@code write_relabel_configs}, VictoriaMetrics' {@code -relabelConfig}). A series that a rule
 * drops, or whose labels end up empty or without {@code __name__}, is dropped with its samples, histograms,
 * exemplars and (remote write 2.0) metadata, and counted; remote write 1.0 metadata names a family, not a series,
 * and is kept. Relabeling works on a map, so names stay unique; the result is re-sorted byte-wise.
 * <p>
 * Thread-safe: the rules are immutable and the counters are adders; each producer thread takes its own
 * {@link RequestRelabeler}.
 */
public final class IngestRelabeling {
    /** No rules: {@link IngestPath} then skips relabeling entirely. */
    public static final IngestRelabeling NONE = new IngestRelabeling(List.of());

    /**
     * Distinct label sets whose outcome one {@link RequestRelabeler} remembers. A miss costs one relabeling of the
     * series (a few microseconds and some garbage), so this only trades memory (about the size of a rewritten label
     * set per entry) for CPU under series churn; past it the cache starts over.
     */
    static final int MAX_CACHED_LABEL_SETS = 1 << 16;

    private final List<RelabelRule> rules;
    private final LongAdder droppedSeries = new LongAdder();
    private final LongAdder droppedSamples = new LongAdder();

    public IngestRelabeling(List<RelabelRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<RelabelRule> rules() { return rules; }

    public boolean enabled() { return !rules.isEmpty(); }

    /** Series dropped by relabeling (once per series per request). */
    public long droppedSeries() { return droppedSeries.sum(); }

    /** Float and native histogram samples of the series dropped by relabeling. */
    public long droppedSamples() { return droppedSamples.sum(); }

    /** A relabeler for one producer thread. */
    public RequestRelabeler newRelabeler() { return new RequestRelabeler(MAX_CACHED_LABEL_SETS); }

    /** For tests of the cache's start-over. */
    RequestRelabeler newRelabeler(int maxCachedLabelSets) { return new RequestRelabeler(maxCachedLabelSets); }

    /**
     * Rewrites decoded requests in place for ONE thread (an event loop, a scrape loop). The outcome for a label set
     * (dropped, unchanged, or the new labels in canonical form) is cached by the set's 128-bit hash, so a series seen
     * before costs a hash and a probe, and a rewritten one a copy of its new labels into the request: no allocation.
     */
    public final class RequestRelabeler {
        /** The outcome of a label set that relabeling leaves as it is (null = dropped). */
        private static final byte[] UNCHANGED = new byte[0];
        private static final String METRIC_NAME = "__name__";

        private final LabelSetHash hash = new LabelSetHash();
        private final int maxCached;
        private final SeriesFrontCache cache;
        private byte[][] outcomes = new byte[256][];
        private int outcomeCount;
        private boolean[] drop = new boolean[64];
        private byte[] original = new byte[256];

        private RequestRelabeler(int maxCached) {
            this.maxCached = maxCached;
            this.cache = new SeriesFrontCache(maxCached);
        }

        /**
         * Relabels every series of {@code d}: rewrites labels in place and removes the dropped series. Once per
         * request: a request published again (after a full ring) is left as it is.
         */
        public void apply(DecodedWriteRequest d) {
            if (d.relabeled()) {
                return;
            }
            d.markRelabeled();
            int n = d.seriesCount();
            if (drop.length < n) {
                drop = new boolean[Math.max(n, drop.length * 2)];
            }
            int series = 0;
            long samples = 0;
            for (int s = 0; s < n; s++) {
                byte[] outcome = outcome(d, s);
                drop[s] = outcome == null;
                if (outcome == null) {
                    series++;
                    samples += d.seriesSampleCount(s) + d.seriesHistogramCount(s);
                } else if (outcome != UNCHANGED) {
                    d.replaceLabels(s, outcome, 0, outcome.length);
                }
            }
            if (series > 0) {
                d.removeSeries(drop);
                droppedSeries.add(series);
                droppedSamples.add(samples);
            }
        }

        private byte[] outcome(DecodedWriteRequest d, int s) {
            // the arrays are re-read per series: replaceLabels may have grown them
            hash.hashSpans(d.buf(), d.labelNameOffsets(), d.labelNameLengths(), d.labelValueOffsets(),
                    d.labelValueLengths(), d.seriesFirstLabel(s), d.seriesLabelCount(s));
            long hi = hash.hi();
            long lo = hash.lo();
            int cached = cache.get(hi, lo);
            if (cached >= 0) {
                return outcomes[cached];
            }
            byte[] outcome = relabel(d, s);
            if (cache.size() >= maxCached) {
                Arrays.fill(outcomes, 0, outcomeCount, null); // the put below clears the cache: start over together
                outcomeCount = 0;
            }
            if (outcomeCount == outcomes.length) {
                outcomes = Arrays.copyOf(outcomes, outcomeCount * 2);
            }
            cache.put(hi, lo, outcomeCount);
            outcomes[outcomeCount++] = outcome;
            return outcome;
        }

        /** The cache-miss path: allocates (strings, a map, the outcome). */
        private byte[] relabel(DecodedWriteRequest d, int s) {
            TreeMap<String, String> labels = new TreeMap<>();
            for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
                labels.put(d.labelName(l), d.labelValue(l));
            }
            if (!Relabeler.apply(rules, labels) || !labels.containsKey(METRIC_NAME)) {
                return null; // Prometheus drops a series left without labels; Weir needs __name__ as well
            }
            byte[] relabeled = canonical(labels);
            int size = d.canonicalLabelsSize(s);
            if (original.length < size) {
                original = new byte[Math.max(size, original.length * 2)];
            }
            d.putCanonicalLabels(s, original, 0);
            return Arrays.equals(original, 0, size, relabeled, 0, relabeled.length) ? UNCHANGED : relabeled;
        }

        /** The labels in canonical form: sorted by name byte-wise (UTF-8), as every label set is stored. */
        private static byte[] canonical(TreeMap<String, String> labels) {
            byte[][] names = new byte[labels.size()][];
            byte[][] values = new byte[labels.size()][];
            Integer[] order = new Integer[labels.size()];
            int i = 0;
            int size = 0;
            for (Map.Entry<String, String> e : labels.entrySet()) {
                names[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
                values[i] = e.getValue().getBytes(StandardCharsets.UTF_8);
                size += CanonicalLabels.labelSize(names[i].length, values[i].length);
                order[i] = i;
                i++;
            }
            // String order is UTF-16 order, which differs from UTF-8 byte order past the BMP
            Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(names[a], names[b]));
            byte[] out = new byte[size];
            int pos = 0;
            for (int k : order) {
                pos = CanonicalLabels.putVarint(out, pos, names[k].length);
                System.arraycopy(names[k], 0, out, pos, names[k].length);
                pos = CanonicalLabels.putVarint(out, pos + names[k].length, values[k].length);
                System.arraycopy(values[k], 0, out, pos, values[k].length);
                pos += values[k].length;
            }
            return out;
        }
    }
}
