package io.weir.net.query;

/**
 * A validated instant or range query. Instant queries have {@code start == end} and {@code step == 0}.
 * Validation follows Prometheus' rules and messages so clients see the same errors.
 */
public record QueryRequest(String query, long startMillis, long endMillis, long stepMillis, boolean range, long timeoutMillis) {
    public static final int MAX_POINTS = 11_000;

    public static QueryRequest instant(HttpParams p, long nowMillis, long defaultTimeoutMillis) {
        String query = p.get("query");
        long time = p.get("time") == null ? nowMillis : PromTime.parseTime("time", p.get("time"));
        return new QueryRequest(query == null ? "" : query, time, time, 0, false, timeout(p, defaultTimeoutMillis));
    }

    public static QueryRequest range(HttpParams p, long defaultTimeoutMillis) {
        String query = p.get("query");
        long start = PromTime.parseTime("start", p.get("start"));
        long end = PromTime.parseTime("end", p.get("end"));
        if (end < start) {
            throw new PromTime.BadParameterException("end", "end timestamp must not be before start time");
        }
        long step = PromTime.parseDuration("step", p.get("step"));
        if (step <= 0) {
            throw new PromTime.BadParameterException("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        if ((end - start) / step > MAX_POINTS) {
            throw new PromTime.BadParameterException("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        }
        return new QueryRequest(query == null ? "" : query, start, end, step, true, timeout(p, defaultTimeoutMillis));
    }

    private static long timeout(HttpParams p, long defaultTimeoutMillis) {
        String t = p.get("timeout");
        if (t == null) {
            return defaultTimeoutMillis;
        }
        long ms = PromTime.parseDuration("timeout", t);
        return ms <= 0 ? defaultTimeoutMillis : Math.min(ms, defaultTimeoutMillis);
    }

    public int points() { return range ? (int) ((endMillis - startMillis) / stepMillis) + 1 : 1; }
}
