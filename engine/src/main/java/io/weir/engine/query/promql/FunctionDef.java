package io.weir.engine.query.promql;

import io.weir.engine.sketch.SketchFunction;

import java.util.List;
import java.util.Objects;

/**
 * A function signature. With {@code variadic == 0} the call takes exactly {@code argTypes.size()} arguments.
 * Otherwise the last argument is optional and, when {@code variadic > 0}, may be given up to {@code variadic}
 * times; {@code variadic < 0} allows any number of repetitions (Prometheus' convention).
 */
public record FunctionDef(String name, List<ValueType> argTypes, int variadic, ValueType returnType) {
    public FunctionDef {
        Objects.requireNonNull(name);
        argTypes = List.copyOf(argTypes);
        Objects.requireNonNull(returnType);
    }

    public int minArgs() { return variadic == 0 ? argTypes.size() : argTypes.size() - 1; }

    /** @return the largest argument count, or {@link Integer#MAX_VALUE} when unbounded */
    public int maxArgs() {
        if (variadic == 0) {
            return argTypes.size();
        }
        return variadic < 0 ? Integer.MAX_VALUE : argTypes.size() - 1 + variadic;
    }

    /** The type expected of argument {@code i}; repeated arguments share the last declared type. */
    public ValueType argType(int i) { return argTypes.get(Math.min(i, argTypes.size() - 1)); }

    /** @return the sketch that can answer this function, or null when it must be proxied */
    public SketchFunction sketchFunction() { return SketchFunction.byPromqlName(name); }
}
