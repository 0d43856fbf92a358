package io.weir.engine.sketch;

import io.weir.engine.series.LabelMatcher;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;

import java.util.Arrays;
import java.util.List;

/**
 * Which sketch, if any, each series gets: the first {@code sketch.targets} entry whose selector matches the
 * series' labels. Decided once per series, when the series table creates it (under its creation lock, before
 * the id is handed out) or at start-up for series already on disk; read by shard writers without locks.
 */
public final class SeriesSketchTargets implements SketchTargets {
    /** A series' target index is a byte. */
    public static final int MAX_TARGETS = Byte.MAX_VALUE;
    private static final byte NONE = -1;

    private final List<SketchTarget> targets;
    private final AggregateSketchSpec[] aggregateSpecs;
    private final QuantileSketchSpec[] quantileSpecs;
    private final FrequencySketchSpec[] frequencySpecs;
    /** Target index per series id, NONE when no target matches; replaced whole when it grows (volatile). */
    private volatile byte[] targetOf = new byte[1024];

    /**
     * Each bucket budget ({@code sketch.*_buckets}) is the most time buckets a family cuts a window into: in [1, the
     * family spec's {@code MAX_WINDOW_BUCKETS}], with every target's window within the spec's
     * {@code longestWindowMillis} of it.
     *
     * @param targets          the config's {@code sketch.targets}, first match wins
     * @param aggregateBuckets budget of the aggregate family
     * @param quantileBuckets  budget of the quantile family
     * @param frequencyBuckets budget of the frequency family
     */
    public SeriesSketchTargets(List<SketchTarget> targets, int aggregateBuckets, int quantileBuckets, int frequencyBuckets) {
        if (targets.size() > MAX_TARGETS) {
            throw new IllegalArgumentException("at most " + MAX_TARGETS + " sketch targets");
        }
        this.targets = List.copyOf(targets);
        this.aggregateSpecs = new AggregateSketchSpec[targets.size()];
        this.quantileSpecs = new QuantileSketchSpec[targets.size()];
        this.frequencySpecs = new FrequencySketchSpec[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            SketchTarget t = targets.get(i);
            long w = t.windowMillis();
            aggregateSpecs[i] = t.wants(SketchFunction.Family.AGGREGATE) ? AggregateSketchSpec.forWindow(w, aggregateBuckets) : null;
            quantileSpecs[i] = t.wants(SketchFunction.Family.QUANTILE) ? QuantileSketchSpec.forWindow(w, quantileBuckets,
                    QuantileSketchSpec.DEFAULT_MAX_BLOCK_BYTES, QuantileSketchSpec.DEFAULT_RELATIVE_ACCURACY) : null;
            frequencySpecs[i] = t.wants(SketchFunction.Family.FREQUENCY) ? FrequencySketchSpec.forWindow(w, frequencyBuckets,
                    FrequencySketchSpec.DEFAULT_MAX_BLOCK_BYTES) : null;
        }
        Arrays.fill(targetOf, NONE);
    }

    /** Registers with the table and assigns every series it already holds. */
    public void attach(SeriesTable series) {
        series.onNewSeries(id -> assign(id, series.labels(id)));
        for (int id = 0, n = series.size(); id < n; id++) {
            SeriesLabels labels = series.labels(id);
            if (labels != null) {
                assign(id, labels);
            }
        }
    }

    synchronized void assign(int id, SeriesLabels labels) {
        byte[] current = targetOf;
        if (id >= current.length) {
            byte[] grown = Arrays.copyOf(current, Math.max(id + 1, current.length * 2));
            Arrays.fill(grown, current.length, grown.length, NONE);
            current = grown;
        }
        current[id] = (byte) match(labels);
        targetOf = current;
    }

    private int match(SeriesLabels labels) {
        for (int i = 0; i < targets.size(); i++) {
            if (LabelMatcher.matchesAll(targets.get(i).matchers(), labels)) {
                return i;
            }
        }
        return NONE;
    }

    /** @return the target index of a series, or -1 */
    public int targetOf(int seriesId) {
        byte[] t = targetOf;
        return seriesId < t.length ? t[seriesId] : NONE;
    }

    @Override
    public AggregateSketchSpec aggregate(int seriesId) {
        int t = targetOf(seriesId);
        return t < 0 ? null : aggregateSpecs[t];
    }

    @Override
    public FrequencySketchSpec frequency(int seriesId) {
        int t = targetOf(seriesId);
        return t < 0 ? null : frequencySpecs[t];
    }

    @Override
    public QuantileSketchSpec quantile(int seriesId) {
        int t = targetOf(seriesId);
        return t < 0 ? null : quantileSpecs[t];
    }

    /** Bytes of the largest sketch block any target lays out (0 without targets): a slab chunk must hold it. */
    public int largestBlockBytes() {
        int largest = 0;
        for (int i = 0; i < targets.size(); i++) {
            largest = Math.max(largest, aggregateSpecs[i] == null ? 0 : aggregateSpecs[i].blockLength());
            largest = Math.max(largest, quantileSpecs[i] == null ? 0 : quantileSpecs[i].blockLength());
            largest = Math.max(largest, frequencySpecs[i] == null ? 0 : frequencySpecs[i].blockLength());
        }
        return largest;
    }

    /** The longest window over all targets: how much WAL start-up replay needs. */
    public long longestWindowMillis() {
        return targets.stream().mapToLong(SketchTarget::windowMillis).max().orElse(0);
    }

    public List<SketchTarget> targets() { return targets; }
}
