package io.weir.engine.series;

import java.util.Objects;
import java.util.Set;

/**
 * One PromQL label matcher ({@code name="v"}, {@code !=}, {@code =~}, {@code !~}) with Prometheus semantics:
 * regexes are RE2, fully anchored, '.' matches '\n' (see {@link LabelRegex}), and a label that is absent from a
 * series matches as the empty string.
 * Immutable and thread-safe.
 */
public final class LabelMatcher {
    public enum Type {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");

        private final String symbol;

        Type(String symbol) { this.symbol = symbol; }

        public String symbol() { return symbol; }
    }

    private final Type type;
    private final String name;
    private final String value;
    private final LabelRegex regex;

    private LabelMatcher(Type type, String name, String value) {
        this.type = Objects.requireNonNull(type);
        this.name = Objects.requireNonNull(name);
        this.value = Objects.requireNonNull(value);
        this.regex = (type == Type.RE || type == Type.NRE) ? LabelRegex.compile(value) : null;
    }

    /** @throws InvalidRegexException for a regex that RE2 refuses or that exceeds {@link LabelRegex}'s limits */
    public static LabelMatcher of(Type type, String name, String value) { return new LabelMatcher(type, name, value); }

    public static LabelMatcher equal(String name, String value) { return new LabelMatcher(Type.EQ, name, value); }

    public Type type() { return type; }

    public String name() { return name; }

    public String value() { return value; }

    /** @param labelValue the series' value of {@link #name()}, or "" when the series lacks the label */
    public boolean matches(String labelValue) {
        return switch (type) {
            case EQ -> value.equals(labelValue);
            case NEQ -> !value.equals(labelValue);
            case RE -> regex.matches(labelValue);
            case NRE -> !regex.matches(labelValue);
        };
    }

    /** Whether {@code labels} satisfies every matcher of a selector. */
    public static boolean matchesAll(java.util.List<LabelMatcher> matchers, SeriesLabels labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels.peek(m.name()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the values whose match decides this matcher by set membership (the value of = and !=, the
     *         alternatives of a literal regex), or null when the matcher needs the value itself
     */
    public Set<String> literalValues() {
        return regex == null ? Set.of(value) : regex.literals();
    }

    /** True when this matcher accepts a series that lacks the label (so it cannot narrow a selection by itself). */
    public boolean matchesEmpty() { return matches(""); }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMatcher m && m.type == type && m.name.equals(name) && m.value.equals(value);
    }

    @Override
    public int hashCode() { return Objects.hash(type, name, value); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(type.symbol).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
