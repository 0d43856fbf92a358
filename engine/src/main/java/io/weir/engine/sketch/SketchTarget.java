package io.weir.engine.sketch;

import io.weir.engine.series.LabelMatcher;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the config's {@code sketch.targets}: the series it selects and what is sketched for them.
 *
 * @param match        the selector as written in the config, for messages and the summary
 * @param matchers     the parsed selector; at least one matcher does not match the empty string
 * @param windowMillis how far back the sketches answer; &gt; 0
 * @param functions    non-empty, iterates in {@link SketchFunction} declaration order
 */
public record SketchTarget(String match, List<LabelMatcher> matchers, long windowMillis, Set<SketchFunction> functions) {
    public SketchTarget {
        Objects.requireNonNull(match, "match");
        matchers = List.copyOf(matchers);
        if (functions.isEmpty()) {
            throw new IllegalArgumentException("a sketch target needs at least one function");
        }
        functions = Collections.unmodifiableSet(EnumSet.copyOf(functions));
    }

    /** True when one of the target's functions is answered by {@code family}'s sketch. */
    public boolean wants(SketchFunction.Family family) {
        return functions.stream().anyMatch(f -> f.family() == family);
    }
}
