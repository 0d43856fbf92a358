package io.weir.server.config;

import java.util.List;

/**
 * The {@code sketch} section.
 *
 * @param defaultWindowMillis window of a target that does not set one; &gt; 0
 * @param targets             in config order: the first target whose selector matches a series wins; a series
 *                            matching none is only forwarded (so an empty list sketches nothing)
 */
public record SketchConfig(long defaultWindowMillis, List<SketchTarget> targets) {
    public static final long DEFAULT_WINDOW_MILLIS = 3_600_000;

    public SketchConfig {
        targets = List.copyOf(targets);
    }

    public static SketchConfig defaults() {
        return new SketchConfig(DEFAULT_WINDOW_MILLIS, List.of());
    }
}
