package io.weir.engine.query;

/** A query that parsed but cannot be evaluated: answered 422 {@code execution}, as Prometheus does. */
public class QueryExecutionException extends RuntimeException {
    public QueryExecutionException(String message) {
        super(message);
    }
}
