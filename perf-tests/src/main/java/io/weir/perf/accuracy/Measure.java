package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import java.util.Locale;

/** One thing a query asks: a range function, and for {@code quantile_over_time} its phi (NaN otherwise). */
public record Measure(SketchFunction function, double phi) {
    /** The phis asked of every quantile structure. */
    public static final double[] QUANTILE_PHIS = {0.5, 0.9, 0.99};

    public static Measure of(SketchFunction function) {
        return new Measure(function, Double.NaN);
    }

    /** The measures asked of these functions: each function once, quantiles once per phi. */
    public static java.util.List<Measure> allOf(Iterable<SketchFunction> functions) {
        java.util.List<Measure> out = new java.util.ArrayList<>();
        for (SketchFunction f : functions) {
            if (f == SketchFunction.QUANTILE_OVER_TIME) {
                for (double phi : QUANTILE_PHIS) {
                    out.add(new Measure(f, phi));
                }
            } else {
                out.add(of(f));
            }
        }
        return out;
    }

    public boolean isQuantile() { return function == SketchFunction.QUANTILE_OVER_TIME; }

    /** {@code avg}, {@code quantile(0.9)}: the PromQL name without {@code _over_time}. */
    public String label() {
        String name = function.promqlName().replace("_over_time", "");
        return isQuantile() ? String.format(Locale.ROOT, "%s(%s)", name, phi) : name;
    }
}
