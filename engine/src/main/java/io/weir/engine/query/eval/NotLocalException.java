package io.weir.engine.query.eval;

/** A leaf the sketches turned out not to cover: the whole expression goes to the backend instead. */
final class NotLocalException extends RuntimeException {
    NotLocalException(String reason) {
        super(reason, null, false, false);
    }
}
