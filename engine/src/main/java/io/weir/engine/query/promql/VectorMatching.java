package io.weir.engine.query.promql;

import java.util.List;
import java.util.Objects;

/**
 * How the two sides of a vector-vector operation are matched: {@code on(labels)} when {@code on}, else
 * {@code ignoring(labels)}; {@code include} is the label list of {@code group_left}/{@code group_right}.
 */
public record VectorMatching(Cardinality card, List<String> matchingLabels, boolean on, List<String> include) {
    public enum Cardinality { ONE_TO_ONE, MANY_TO_ONE, ONE_TO_MANY, MANY_TO_MANY }

    public VectorMatching {
        Objects.requireNonNull(card);
        matchingLabels = List.copyOf(matchingLabels);
        include = List.copyOf(include);
    }

    /** Default matching for an operator without modifiers: one-to-one, or many-to-many for set operators. */
    public static VectorMatching defaultFor(BinaryOp op) {
        return new VectorMatching(op.isSetOperator() ? Cardinality.MANY_TO_MANY : Cardinality.ONE_TO_ONE,
                List.of(), false, List.of());
    }
}
