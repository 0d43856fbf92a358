package io.weir.engine.query.promql;

import java.util.Objects;

/** A string literal, already unescaped. */
public record StringLiteral(String value) implements Expr {
    public StringLiteral {
        Objects.requireNonNull(value);
    }

    @Override
    public ValueType type() { return ValueType.STRING; }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
