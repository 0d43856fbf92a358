package io.weir.engine.query.promql;

import java.util.List;
import java.util.Objects;

/** A function call, already checked against the function's signature. */
public record Call(FunctionDef function, List<Expr> args) implements Expr {
    public Call {
        Objects.requireNonNull(function);
        args = List.copyOf(args);
    }

    @Override
    public ValueType type() { return function.returnType(); }

    @Override
    public String toString() { return PromQLPrinter.print(this); }
}
