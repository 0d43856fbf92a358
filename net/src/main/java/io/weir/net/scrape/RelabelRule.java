package io.weir.net.scrape;

import com.google.re2j.Pattern;

import java.util.List;
import java.util.Objects;

/**
 * One {@code relabel_configs} / {@code metric_relabel_configs} entry, validated by the config loader. {@code regex}
 * is the configured expression fully anchored ({@code ^(?:re)$}) and compiled with RE2 semantics, as Prometheus
 * does. Immutable.
 */
public record RelabelRule(List<String> sourceLabels, String separator, String regexText, Pattern regex, long modulus,
                          String targetLabel, String replacement, RelabelAction action) {
    public static final String DEFAULT_REGEX = "(.*)";
    public static final String DEFAULT_SEPARATOR = ";";
    public static final String DEFAULT_REPLACEMENT = "$1";

    public RelabelRule {
        sourceLabels = List.copyOf(sourceLabels);
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(regex, "regex");
        Objects.requireNonNull(replacement, "replacement");
        Objects.requireNonNull(action, "action");
    }

    /** @throws com.google.re2j.PatternSyntaxException for a bad expression */
    public static Pattern compile(String regex) {
        return Pattern.compile("^(?:" + regex + ")$");
    }
}
