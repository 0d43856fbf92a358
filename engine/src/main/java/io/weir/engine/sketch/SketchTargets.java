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
}
