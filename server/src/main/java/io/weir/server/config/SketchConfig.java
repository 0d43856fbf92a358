package io.weir.server.config;

import io.weir.engine.sketch.SketchTarget;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.sketch.SketchFunction;

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
 */
public record SketchConfig(long defaultWindowMillis, List<SketchTarget> targets) {
    public static final long DEFAULT_WINDOW_MILLIS = 3_600_000;
    public static final String EVERYTHING = "{__name__=~\".+\"}";

    public SketchConfig {
        targets = List.copyOf(targets);
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
