package io.weir.engine.query.promql;

/** A float literal; a leading {@code -} written before a number is folded into its value, as Prometheus does. */
public record NumberLiteral(double value) implements Expr {
    @Override
    public ValueType type() { return ValueType.SCALAR; }

    @Override
    public boolean equals(Object o) {
        // Double.compare semantics: NaN equals NaN, so a parsed "NaN" round-trips.
        return o instanceof NumberLiteral n && Double.compare(n.value, value) == 0;
    }

    @Override
    public int hashCode() { return Double.hashCode(value); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
