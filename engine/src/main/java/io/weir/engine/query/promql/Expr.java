package io.weir.engine.query.promql;

/**
 * A node of a parsed PromQL expression. Nodes are immutable records, so two parses of the same query are
 * {@code equals}; {@code toString()} renders canonical PromQL (see {@link PromQLPrinter}).
 */
public sealed interface Expr
        permits NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr, Call, AggregateExpr,
                BinaryExpr, UnaryExpr, ParenExpr {

    ValueType type();
}
