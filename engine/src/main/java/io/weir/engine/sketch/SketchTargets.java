package io.weir.engine.sketch;

import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;

/**
 * Which sketches a series carries, decided by the target its labels match. Asked once per series and family, on
 * the shard's writer thread; null means the series has no sketch of that family.
 */
public interface SketchTargets {
    AggregateSketchSpec aggregate(int seriesId);

    default QuantileSketchSpec quantile(int seriesId) { return null; }

    default FrequencySketchSpec frequency(int seriesId) { return null; }

    /**
     * Every function on every series, each family at its default bucket budget: what the node's default
     * configuration gives a target of this window ({@code sketch.*_buckets} unset). For benchmarks, accuracy runs
     * and tests that need the product's default layout without a series table.
     */
    static SketchTargets everyFunction(long windowMillis) {
        AggregateSketchSpec a = AggregateSketchSpec.forWindow(windowMillis, AggregateSketchSpec.DEFAULT_MAX_BUCKETS);
        QuantileSketchSpec q = QuantileSketchSpec.forWindow(windowMillis);
        FrequencySketchSpec f = FrequencySketchSpec.forWindow(windowMillis);
        return new SketchTargets() {
            @Override
            public AggregateSketchSpec aggregate(int seriesId) { return a; }

            @Override
            public QuantileSketchSpec quantile(int seriesId) { return q; }

            @Override
            public FrequencySketchSpec frequency(int seriesId) { return f; }
        };
    }
}
