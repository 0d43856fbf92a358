package io.weir.engine.ingest;

import java.util.concurrent.atomic.LongAdder;

/**
 * Totals and rates of acknowledged samples for {@code /ingest_stats} and {@code /metrics}. Event loops add to
 * striped counters; {@link #tick} (once a second, from one timer thread) keeps a ten-second history for the
 * current rate.
 */
public final class IngestStats {
    private static final int HISTORY = 11;

    private final LongAdder samples = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder series = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder histograms = new LongAdder();
    private final LongAdder exemplars = new LongAdder();
    private final LongAdder metadata = new LongAdder();
    private final long startNanos = System.nanoTime();
    private final long[] historySamples = new long[HISTORY];
    private final long[] historyNanos = new long[HISTORY];
    private int historyCount;
    private int historyHead;

    public void accepted(int requestSamples, int requestSeries) {
        samples.add(requestSamples);
        series.add(requestSeries);
        requests.increment();
    }

    /**
     * Native histograms, exemplars and metadata entries of an accepted request: journaled and forwarded, but not
     * summarised by sketches (which take float samples only).
     */
    public void acceptedExtras(int requestHistograms, int requestExemplars, int requestMetadata) {
        histograms.add(requestHistograms);
        exemplars.add(requestExemplars);
        metadata.add(requestMetadata);
    }

    public long histograms() { return histograms.sum(); }

    public long exemplars() { return exemplars.sum(); }

    public long metadata() { return metadata.sum(); }

    /** A request refused as bad input (4xx). */
    public void rejected() { rejected.increment(); }

    /** A request refused for backpressure (429/503). */
    public void throttled() { throttled.increment(); }

    public long samples() { return samples.sum(); }

    public long requests() { return requests.sum(); }

    public long seriesEntries() { return series.sum(); }

    public long rejectedRequests() { return rejected.sum(); }

    public long throttledRequests() { return throttled.sum(); }

    public synchronized void tick(long nowNanos) {
        historySamples[historyHead] = samples.sum();
        historyNanos[historyHead] = nowNanos;
        historyHead = (historyHead + 1) % HISTORY;
        historyCount = Math.min(HISTORY, historyCount + 1);
    }

    /** Samples per second over the last ten seconds (or since start). */
    public synchronized double currentRate() {
        if (historyCount < 2) {
            return averageRate(System.nanoTime());
        }
        int newest = (historyHead - 1 + HISTORY) % HISTORY;
        int oldest = (historyHead - historyCount + HISTORY) % HISTORY;
        double seconds = (historyNanos[newest] - historyNanos[oldest]) / 1e9;
        return seconds <= 0 ? 0 : (historySamples[newest] - historySamples[oldest]) / seconds;
    }

    public double averageRate(long nowNanos) {
        double seconds = (nowNanos - startNanos) / 1e9;
        return seconds <= 0 ? 0 : samples.sum() / seconds;
    }

    public double uptimeSeconds(long nowNanos) { return (nowNanos - startNanos) / 1e9; }
}
