package io.weir.engine.query.promql;

/** The type a PromQL expression evaluates to. */
public enum ValueType {
    SCALAR("scalar"), VECTOR("instant vector"), MATRIX("range vector"), STRING("string");

    private final String documentedName;

    ValueType(String documentedName) { this.documentedName = documentedName; }

    /** The name Prometheus uses in its error messages, e.g. {@code range vector}. */
    public String documentedName() { return documentedName; }
}
