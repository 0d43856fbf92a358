package io.weir.net.ingest;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.engine.series.SeriesResolver;
import io.weir.net.remotewrite.DecodedWriteRequest;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Limits that protect the node from one sender, checked on a decoded remote-write request before anything is
 * created or journaled, so a refused request changes nothing. Each limit is a {@code limits.*} config key; 0 turns
 * it off. A refusal names the key, and each key has a counter.
 * <p>
 * Per-series shape (labels, name and value lengths) and request size refuse with 400: resending cannot help.
 * New series per second refuses with 429 and {@code Retry-After}: the same request succeeds a little later. Total
 * series refuses with 400 until the operator raises {@code limits.max_series}; several event loops may pass the
 * check at once, so the total can exceed the limit by at most one request's new series per loop.
 * <p>
 * Thread-safe: the per-request checks keep no state; the new-series budget is a token bucket under a lock that
 * only requests with new series take. Allocation-free unless a request is refused.
 */
public final class IngestLimits {
    /** Limit values; 0 = no limit. */
    public record Config(int maxLabelsPerSeries, int maxLabelNameLength, int maxLabelValueLength,
                         int maxSeriesPerRequest, int maxNewSeriesPerSecond, int maxSeries) {
        public static final Config NONE = new Config(0, 0, 0, 0, 0, 0);

        public static Config defaults() { return new Config(30, 1024, 2048, 50_000, 0, 0); }
    }

    /** The limit keys, in the order of {@link #refusals()}. */
    public static final String[] KEYS = {"max_labels_per_series", "max_label_name_length", "max_label_value_length",
            "max_series_per_request", "max_new_series_per_second", "max_series"};
    private static final int LABELS = 0;
    private static final int NAME_LENGTH = 1;
    private static final int VALUE_LENGTH = 2;
    private static final int SERIES_PER_REQUEST = 3;
    private static final int NEW_SERIES_RATE = 4;
    private static final int SERIES = 5;

    /** A refused request: the status to answer and the message naming the limit. */
    public record Refusal(HttpResponseStatus status, String message) {}

    private final Config config;
    private final IntSupplier seriesCount;
    private final LongAdder[] refusals = new LongAdder[KEYS.length];
    private final Object bucketLock = new Object();
    private double tokens;
    private long lastRefillNanos = System.nanoTime();

    /** @param seriesCount the node's current number of series */
    public IngestLimits(Config config, IntSupplier seriesCount) {
        this.config = config;
        this.seriesCount = seriesCount;
        for (int i = 0; i < refusals.length; i++) {
            refusals[i] = new LongAdder();
        }
        this.tokens = config.maxNewSeriesPerSecond();
    }

    /** Refusals per limit, indexed like {@link #KEYS}. */
    public LongAdder[] refusals() { return refusals; }

    /**
     * @param resolver the calling event loop's resolver, used (without creating series) only when a new-series
     *                 limit is on
     * @return null when the request is within every limit
     */
    public Refusal check(DecodedWriteRequest d, SeriesResolver resolver) {
        int seriesInRequest = d.seriesCount();
        if (config.maxSeriesPerRequest() > 0 && seriesInRequest > config.maxSeriesPerRequest()) {
            return refuse(SERIES_PER_REQUEST, HttpResponseStatus.BAD_REQUEST, "request has " + seriesInRequest
                    + " series, more than limits.max_series_per_request (" + config.maxSeriesPerRequest() + ")");
        }
        for (int s = 0; s < seriesInRequest; s++) {
            if (d.labelsDeferred(s)) {
                continue; // a set resolved before, so checked against these limits before
            }
            int first = d.seriesFirstLabel(s);
            int count = d.seriesLabelCount(s);
            if (config.maxLabelsPerSeries() > 0 && count > config.maxLabelsPerSeries()) {
                return refuse(LABELS, HttpResponseStatus.BAD_REQUEST, "series " + describe(d, s) + " has " + count
                        + " labels, more than limits.max_labels_per_series (" + config.maxLabelsPerSeries() + ")");
            }
            for (int l = first; l < first + count; l++) {
                if (config.maxLabelNameLength() > 0 && d.labelNameLength(l) > config.maxLabelNameLength()) {
                    return refuse(NAME_LENGTH, HttpResponseStatus.BAD_REQUEST, "label name " + abbreviate(d.labelName(l))
                            + " of series " + describe(d, s) + " is " + d.labelNameLength(l)
                            + " bytes long, more than limits.max_label_name_length (" + config.maxLabelNameLength() + ")");
                }
                if (config.maxLabelValueLength() > 0 && d.labelValueLength(l) > config.maxLabelValueLength()) {
                    return refuse(VALUE_LENGTH, HttpResponseStatus.BAD_REQUEST, "value of label " + abbreviate(d.labelName(l))
                            + " of series " + describe(d, s) + " is " + d.labelValueLength(l)
                            + " bytes long, more than limits.max_label_value_length (" + config.maxLabelValueLength() + ")");
                }
            }
        }
        if (config.maxNewSeriesPerSecond() <= 0 && config.maxSeries() <= 0) {
            return null;
        }
        int fresh = 0;
        for (int s = 0; s < seriesInRequest; s++) {
            if (d.seriesSampleCount(s) > 0 && !d.labelsDeferred(s) && !exists(d, s, resolver)) { // deferred: resolved already
                fresh++;
            }
        }
        if (fresh == 0) {
            return null;
        }
        if (config.maxSeries() > 0 && (long) seriesCount.getAsInt() + fresh > config.maxSeries()) {
            return refuse(SERIES, HttpResponseStatus.BAD_REQUEST, "request would create " + fresh + " new series beyond"
                    + " limits.max_series (" + config.maxSeries() + "; the node has " + seriesCount.getAsInt() + ")");
        }
        if (config.maxNewSeriesPerSecond() > 0 && !takeNewSeriesTokens(fresh)) {
            return refuse(NEW_SERIES_RATE, HttpResponseStatus.TOO_MANY_REQUESTS, "request would create " + fresh
                    + " new series, more than limits.max_new_series_per_second (" + config.maxNewSeriesPerSecond()
                    + ") allows now; retry later");
        }
        return null;
    }

    /** Probes with the key the series will be resolved with, so that the resolve after this check hits the cache. */
    private static boolean exists(DecodedWriteRequest d, int s, SeriesResolver resolver) {
        return d.hasLabelsKey(s)
                ? resolver.exists(d.labelsKeyHi(s), d.labelsKeyLo(s), d.buf(), d.labelNameOffsets(), d.labelNameLengths(),
                        d.labelValueOffsets(), d.labelValueLengths(), d.seriesFirstLabel(s), d.seriesLabelCount(s))
                : resolver.exists(d.buf(), d.labelNameOffsets(), d.labelNameLengths(), d.labelValueOffsets(),
                        d.labelValueLengths(), d.seriesFirstLabel(s), d.seriesLabelCount(s));
    }

    /** Token bucket: refills at the limit per second, holds at most one second's worth (or one request's need). */
    private boolean takeNewSeriesTokens(int n) {
        synchronized (bucketLock) {
            long now = System.nanoTime();
            double rate = config.maxNewSeriesPerSecond();
            tokens = Math.min(Math.max(rate, n), tokens + (now - lastRefillNanos) / 1e9 * rate);
            lastRefillNanos = now;
            if (tokens < n) {
                return false;
            }
            tokens -= n;
            return true;
        }
    }

    private Refusal refuse(int limit, HttpResponseStatus status, String message) {
        refusals[limit].increment();
        return new Refusal(status, message);
    }

    private static String describe(DecodedWriteRequest d, int series) {
        StringBuilder sb = new StringBuilder("{");
        int first = d.seriesFirstLabel(series);
        int count = d.seriesLabelCount(series);
        for (int l = first; l < first + count && sb.length() < 200; l++) {
            sb.append(l == first ? "" : ", ").append(abbreviate(d.labelName(l))).append("=\"")
                    .append(abbreviate(d.labelValue(l))).append('"');
        }
        return sb.append(sb.length() >= 200 ? ", ...}" : "}").toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
