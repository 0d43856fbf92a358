package io.weir.engine.query.eval;

/** A query that cannot be run as asked (a string expression as a range query): 400 {@code bad_data}. */
public final class InvalidQueryException extends RuntimeException {
    public InvalidQueryException(String message) {
        super(message);
    }
}
