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
    /**
     * Buckets per aggregate window: at most 226 buckets of 72 bytes, so every block fits the 16 KiB slab class
     * (64 + 226 * 72 = 16336 bytes). 1e5 s (27.8 h) -> 450 s buckets (16192 B), 1h -> 20 s (13096 B), 5m -> 2 s.
     */
    public static final int DEFAULT_MAX_BUCKETS = 225;
    private static final byte NONE = -1;

    private final List<SketchTarget> targets;
    private final AggregateSketchSpec[] aggregateSpecs;
    private final QuantileSketchSpec[] quantileSpecs;
    private final FrequencySketchSpec[] frequencySpecs;
    /** Target index per series id, NONE when no target matches; replaced whole when it grows (volatile). */
    private volatile byte[] targetOf = new byte[1024];

    /** @param targets the config's {@code sketch.targets}, first match wins */
    public SeriesSketchTargets(List<SketchTarget> targets, int maxBuckets) {
        if (targets.size() > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Byte.MAX_VALUE + " sketch targets");
        }
        this.targets = List.copyOf(targets);
        this.aggregateSpecs = new AggregateSketchSpec[targets.size()];
        this.quantileSpecs = new QuantileSketchSpec[targets.size()];
        this.frequencySpecs = new FrequencySketchSpec[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            SketchTarget t = targets.get(i);
            boolean wantsAggregate = t.functions().stream().anyMatch(f -> f.family() == SketchFunction.Family.AGGREGATE);
            aggregateSpecs[i] = wantsAggregate ? AggregateSketchSpec.forWindow(t.windowMillis(), maxBuckets) : null;
            quantileSpecs[i] = t.functions().contains(SketchFunction.QUANTILE_OVER_TIME) ? QuantileSketchSpec.forWindow(t.windowMillis()) : null;
            boolean wantsFrequency = t.functions().stream().anyMatch(f -> f.family() == SketchFunction.Family.FREQUENCY);
            frequencySpecs[i] = wantsFrequency ? FrequencySketchSpec.forWindow(t.windowMillis()) : null;
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
            if (matchesAll(targets.get(i).matchers(), labels)) {
                return i;
            }
        }
        return NONE;
    }

    private static boolean matchesAll(List<LabelMatcher> matchers, SeriesLabels labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels.peek(m.name()))) {
                return false;
            }
        }
        return true;
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

    /** The longest window over all targets: how much WAL start-up replay needs. */
    public long longestWindowMillis() {
        return targets.stream().mapToLong(SketchTarget::windowMillis).max().orElse(0);
    }

    public List<SketchTarget> targets() { return targets; }
}
