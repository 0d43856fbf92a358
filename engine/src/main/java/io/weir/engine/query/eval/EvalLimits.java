package io.weir.engine.query.eval;

/**
 * What one query may use: series read from sketches, points (series x steps) read, and wall time. The deadline
 * is checked inside evaluation loops, so a query past it stops working rather than only being answered late.
 */
public record EvalLimits(long maxSeries, long maxPoints, long deadlineNanos) {
    public static EvalLimits none() {
        return new EvalLimits(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public static EvalLimits of(long maxSeries, long maxPoints, long timeoutMillis) {
        long now = System.nanoTime();
        long deadline = timeoutMillis >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : now + timeoutMillis * 1_000_000;
        return new EvalLimits(maxSeries, maxPoints, deadline);
    }

    void checkDeadline() {
        if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
            throw new QueryTimeoutException("query timed out in expression evaluation");
        }
    }
}
