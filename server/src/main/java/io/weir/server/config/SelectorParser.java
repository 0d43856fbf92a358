package io.weir.server.config;

import io.weir.engine.series.LabelMatcher;

import java.util.List;

/**
 * Parses a PromQL series selector ({@code metric{label="v", ...}}) into matchers, with {@code __name__} as a
 * matcher. Injected into {@link ConfigLoader} so that the config model does not depend on the query parser.
 */
@FunctionalInterface
public interface SelectorParser {
    /** @throws IllegalArgumentException with a message saying what is wrong when the text is not a selector */
    List<LabelMatcher> parse(String selector);
}
