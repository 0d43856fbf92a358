package io.weir.engine.query.eval;

import java.util.Map;

/** The accuracy of all points one sketch function answered in a query: what the response reports per function. */
public final class FunctionAccuracy {
    private boolean exact = true;
    private double maxRelativeError;
    private double maxRankError = Double.NaN;

    /** @param relativeError 0 when exact, NaN when the point has no finite bound */
    public void point(boolean pointExact, double relativeError) {
        exact &= pointExact;
        maxRelativeError = Double.isNaN(relativeError) || Double.isNaN(maxRelativeError)
                ? Double.NaN : Math.max(maxRelativeError, relativeError);
    }

    public void rankError(double rank) {
        if (Double.isNaN(maxRankError)) {
            maxRankError = rank;
        } else if (!Double.isNaN(rank)) {
            maxRankError = Math.max(maxRankError, rank);
        }
    }

    /** Adds what {@code other} saw (the accuracy of another part of the same leaf). */
    public void merge(FunctionAccuracy other) {
        point(other.exact, other.maxRelativeError);
        rankError(other.maxRankError);
    }

    /** Adds every function's accuracy in {@code from} to {@code into} (answers joined from parts). */
    public static void mergeAll(Map<String, FunctionAccuracy> into, Map<String, FunctionAccuracy> from) {
        from.forEach((name, a) -> into.computeIfAbsent(name, k -> new FunctionAccuracy()).merge(a));
    }

    public boolean exact() { return exact; }

    public double maxRelativeError() { return maxRelativeError; }

    public double maxRankError() { return maxRankError; }
}
