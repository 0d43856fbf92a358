package io.weir.engine.query.eval;

/** The query ran past its deadline: 503 {@code timeout}; the evaluation has stopped. */
public final class QueryTimeoutException extends RuntimeException {
    public QueryTimeoutException(String message) {
        super(message, null, false, false);
    }
}
