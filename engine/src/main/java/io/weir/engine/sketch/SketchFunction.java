package io.weir.engine.sketch;

import java.util.Locale;

/** The PromQL range functions Weir can answer from sketches, each with the sketch family that serves it. */
public enum SketchFunction {
    AVG_OVER_TIME(Family.AGGREGATE),
    SUM_OVER_TIME(Family.AGGREGATE),
    COUNT_OVER_TIME(Family.AGGREGATE),
    MIN_OVER_TIME(Family.AGGREGATE),
    MAX_OVER_TIME(Family.AGGREGATE),
    STDDEV_OVER_TIME(Family.AGGREGATE),
    STDVAR_OVER_TIME(Family.AGGREGATE),
    SUM2_OVER_TIME(Family.AGGREGATE),
    QUANTILE_OVER_TIME(Family.QUANTILE),
    DISTINCT_OVER_TIME(Family.FREQUENCY),
    L1_OVER_TIME(Family.FREQUENCY),
    L2_OVER_TIME(Family.FREQUENCY),
    ENTROPY_OVER_TIME(Family.FREQUENCY);

    /** Groups of functions that share one sliding-window structure. */
    public enum Family { AGGREGATE, QUANTILE, FREQUENCY }

    private final Family family;
    private final String promqlName;

    SketchFunction(Family family) {
        this.family = family;
        this.promqlName = name().toLowerCase(Locale.ROOT);
    }

    public Family family() { return family; }

    /** The name as written in PromQL, e.g. {@code avg_over_time}. */
    public String promqlName() { return promqlName; }

    /** @return the function with this PromQL name, or null */
    public static SketchFunction byPromqlName(String name) {
        for (SketchFunction f : values()) {
            if (f.promqlName.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
