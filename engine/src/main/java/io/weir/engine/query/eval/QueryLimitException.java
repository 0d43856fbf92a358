package io.weir.engine.query.eval;

import io.weir.engine.query.QueryExecutionException;

/** A query past {@code query.max_series} or the points budget: 422 {@code execution}, as Prometheus does. */
public final class QueryLimitException extends QueryExecutionException {
    public QueryLimitException(String message) {
        super(message);
    }
}
