package io.weir.perf.accuracy;

/**
 * Accumulates the errors of one cell (structure x measure x distribution x window x sub-window kind): relative
 * error |truth - estimate| / |truth| in percent, rank error for quantiles, and how often the structure's own
 * claims (its reported bound, or exactness) failed. A truth of 0 has no relative error: such queries are
 * counted apart, as misses when the estimate is not 0 as well.
 */
public final class ErrorStats {
    private long queries;
    private long relativeCount;
    private double relativeSum;
    private double relativeMax;
    private long rankCount;
    private double rankSum;
    private double rankMax;
    private long zeroTruth;
    private long zeroTruthMisses;
    private long missing;
    private long boundChecks;
    private long boundViolations;

    /**
     * @param bound the structure's reported absolute bound: 0 = claims exact, NaN = claims nothing
     */
    public void add(double truth, double estimate, double bound, double rankError) {
        add(truth, estimate, bound, rankError, Double.NaN);
    }

    /** @param rankBound the structure's reported rank bound for a quantile; NaN = claims nothing */
    public void add(double truth, double estimate, double bound, double rankError, double rankBound) {
        queries++;
        if (truth != truth || estimate != estimate) {
            if ((truth != truth) != (estimate != estimate)) {
                missing++;
            }
            return;
        }
        double diff = Math.abs(truth - estimate);
        if (truth == 0) {
            zeroTruth++;
            if (estimate != 0) {
                zeroTruthMisses++;
            }
        } else {
            double rel = 100.0 * diff / Math.abs(truth);
            relativeCount++;
            relativeSum += rel;
            relativeMax = Math.max(relativeMax, rel);
        }
        if (rankError == rankError) {
            rankCount++;
            rankSum += rankError;
            rankMax = Math.max(rankMax, rankError);
            if (rankBound == rankBound) {
                boundChecks++;
                if (rankError > rankBound + 1e-9) {
                    boundViolations++;
                }
            }
        }
        if (bound == bound) {
            boundChecks++;
            if (!withinBound(truth, estimate, bound)) {
                boundViolations++;
            }
        }
    }

    /** A reported bound holds up to float rounding; a claim of exactness (bound 0) allows rounding only. */
    public static boolean withinBound(double truth, double estimate, double bound) {
        double tolerance = 1e-9 * Math.max(Math.abs(truth), Math.abs(estimate)) + 1e-9;
        return Math.abs(truth - estimate) <= bound * (1 + 1e-9) + tolerance;
    }

    public void merge(ErrorStats o) {
        queries += o.queries;
        relativeCount += o.relativeCount;
        relativeSum += o.relativeSum;
        relativeMax = Math.max(relativeMax, o.relativeMax);
        rankCount += o.rankCount;
        rankSum += o.rankSum;
        rankMax = Math.max(rankMax, o.rankMax);
        zeroTruth += o.zeroTruth;
        zeroTruthMisses += o.zeroTruthMisses;
        missing += o.missing;
        boundChecks += o.boundChecks;
        boundViolations += o.boundViolations;
    }

    public long queries() { return queries; }

    /** Mean relative error in percent; NaN when no query had a non-zero truth. */
    public double meanRelative() { return relativeCount == 0 ? Double.NaN : relativeSum / relativeCount; }

    public double maxRelative() { return relativeCount == 0 ? Double.NaN : relativeMax; }

    public double meanRank() { return rankCount == 0 ? Double.NaN : rankSum / rankCount; }

    public double maxRank() { return rankCount == 0 ? Double.NaN : rankMax; }

    public long zeroTruth() { return zeroTruth; }

    public long zeroTruthMisses() { return zeroTruthMisses; }

    /** Queries where exactly one of truth and estimate was NaN (an answer missing or invented). */
    public long missing() { return missing; }

    public long boundChecks() { return boundChecks; }

    public long boundViolations() { return boundViolations; }
}
