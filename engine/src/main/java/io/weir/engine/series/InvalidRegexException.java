package io.weir.engine.series;

/**
 * A label-matcher regex that RE2 refuses (backreferences, lookarounds, possessive quantifiers, bad syntax) or that
 * exceeds Weir's size limits. The message reads as Go's regexp package words it, as Prometheus reports it:
 * {@code error parsing regexp: <description>: `<fragment>`}.
 */
public final class InvalidRegexException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String description;
    private final String fragment;

    InvalidRegexException(String description, String fragment) {
        super("error parsing regexp: " + description + ": `" + fragment + "`");
        this.description = description;
        this.fragment = fragment;
    }

    /** What is wrong, e.g. {@code invalid or unsupported Perl syntax}. */
    public String description() { return description; }

    /** The part of the regex the description is about. */
    public String fragment() { return fragment; }
}
