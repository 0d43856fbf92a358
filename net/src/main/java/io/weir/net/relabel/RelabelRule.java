package io.weir.net.relabel;

import com.google.re2j.Pattern;
import io.weir.engine.series.InvalidRegexException;
import io.weir.engine.series.LabelRegex;

import java.util.List;
import java.util.Objects;

/**
 * One {@code relabel_configs} / {@code metric_relabel_configs} / {@code ingest.relabel_configs} entry, validated by
 * the config loader. The regex is matched as Prometheus 3 does, fully anchored with '.' matching '\n'
 * ({@code ^(?s:re)$}), through {@link LabelRegex} (RE2, linear time, the same limits as query matchers); actions
 * that expand groups ({@code replace}, {@code labelmap}) also keep the compiled pattern for its groups. Immutable.
 */
public final class RelabelRule {
    public static final String DEFAULT_REGEX = "(.*)";
    public static final String DEFAULT_SEPARATOR = ";";
    public static final String DEFAULT_REPLACEMENT = "$1";

    private final RelabelAction action;
    private final List<String> sourceLabels;
    private final String separator;
    private final LabelRegex regex;
    private final Pattern groups;
    private final long modulus;
    private final String targetLabel;
    private final String replacement;

    private RelabelRule(RelabelAction action, List<String> sourceLabels, String separator, LabelRegex regex,
                        long modulus, String targetLabel, String replacement) {
        this.action = Objects.requireNonNull(action, "action");
        this.sourceLabels = List.copyOf(sourceLabels);
        this.separator = Objects.requireNonNull(separator, "separator");
        this.regex = regex;
        // LabelRegex.compile has checked the syntax and the size limits, so this compile cannot fail or blow up
        this.groups = action == RelabelAction.REPLACE || action == RelabelAction.LABELMAP
                ? Pattern.compile("^(?s:" + regex.source() + ")$") : null;
        this.modulus = modulus;
        this.targetLabel = targetLabel;
        this.replacement = Objects.requireNonNull(replacement, "replacement");
    }

    /**
     * @param targetLabel null where the action takes none
     * @throws InvalidRegexException when RE2 refuses the regex or it exceeds {@link LabelRegex}'s limits
     */
    public static RelabelRule of(RelabelAction action, List<String> sourceLabels, String separator, String regex,
                                 long modulus, String targetLabel, String replacement) {
        return new RelabelRule(action, sourceLabels, separator, LabelRegex.compile(regex), modulus, targetLabel, replacement);
    }

    public RelabelAction action() { return action; }
    public List<String> sourceLabels() { return sourceLabels; }
    public String separator() { return separator; }
    public LabelRegex regex() { return regex; }
    public String regexText() { return regex.source(); }
    public long modulus() { return modulus; }
    public String targetLabel() { return targetLabel; }
    public String replacement() { return replacement; }

    /** The anchored pattern with its groups; only for {@code replace} and {@code labelmap}. */
    Pattern groups() { return groups; }

    @Override
    public String toString() {
        return action.configName() + " " + sourceLabels + " =~ " + regex.source()
                + (targetLabel == null ? "" : " -> " + targetLabel + "=" + replacement);
    }
}
