package io.weir.server.config;

import io.weir.engine.sketch.SketchTarget;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;

import java.util.EnumSet;
import java.util.List;

/**
 * The {@code sketch} section.
 *
 * @param defaultWindowMillis window of a target that does not set one; &gt; 0
 * @param targets             in config order: the first target whose selector matches a series wins; a series
 *                            matching none is only forwarded. When the config has no {@code targets} key, one
 *                            target sketches every series with every function; an explicit empty list sketches
 *                            nothing.
 * @param aggregateBuckets    time buckets an aggregate sketch cuts a window into at most ({@code sketch.aggregate_buckets}):
 *                            more is finer time resolution at the window's edges for more memory; in
 *                            [1, {@link AggregateSketchSpec#MAX_WINDOW_BUCKETS}]
 * @param quantileBuckets     the same for quantile sketches ({@code sketch.quantile_buckets}); their block keeps its
 *                            size, so more buckets means fewer histogram counters each; in
 *                            [1, {@link QuantileSketchSpec#MAX_WINDOW_BUCKETS}]
 * @param frequencyBuckets    the same for frequency sketches ({@code sketch.frequency_buckets}), fewer value slots each;
 *                            in [1, {@link FrequencySketchSpec#MAX_WINDOW_BUCKETS}]
 */
public record SketchConfig(long defaultWindowMillis, List<SketchTarget> targets, int aggregateBuckets, int quantileBuckets,
                           int frequencyBuckets) {
    public static final long DEFAULT_WINDOW_MILLIS = 3_600_000;
    public static final String EVERYTHING = "{__name__=~\".+\"}";
    /** 225: every aggregate block within the 16 KiB slab class (the layout's reasoning is at the constant). */
    public static final int DEFAULT_AGGREGATE_BUCKETS = AggregateSketchSpec.DEFAULT_MAX_BUCKETS;
    /** 60: a 60th of the window, with the 48 KiB block's counters shared among them. */
    public static final int DEFAULT_QUANTILE_BUCKETS = QuantileSketchSpec.DEFAULT_MAX_BUCKETS;
    /** 36: larger value tables sample less; low-cardinality gauges still get time resolution in narrow windows. */
    public static final int DEFAULT_FREQUENCY_BUCKETS = FrequencySketchSpec.DEFAULT_MAX_BUCKETS;

    public SketchConfig {
        targets = List.copyOf(targets);
    }

    /** With the default bucket budgets. */
    public SketchConfig(long defaultWindowMillis, List<SketchTarget> targets) {
        this(defaultWindowMillis, targets, DEFAULT_AGGREGATE_BUCKETS, DEFAULT_QUANTILE_BUCKETS, DEFAULT_FREQUENCY_BUCKETS);
    }

    public static SketchConfig defaults() {
        return new SketchConfig(DEFAULT_WINDOW_MILLIS, List.of(everything(DEFAULT_WINDOW_MILLIS)));
    }

    /** The longest window of any target (0 without targets). */
    public long longestWindowMillis() {
        return targets.stream().mapToLong(SketchTarget::windowMillis).max().orElse(0);
    }

    /** The implicit target: every series, every function, the default window. */
    public static SketchTarget everything(long windowMillis) {
        return new SketchTarget(EVERYTHING, List.of(LabelMatcher.of(LabelMatcher.Type.RE, "__name__", ".+")),
                windowMillis, EnumSet.allOf(SketchFunction.class));
    }
}
