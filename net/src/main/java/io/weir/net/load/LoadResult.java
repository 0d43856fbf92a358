package io.weir.net.load;

/**
 * What one load run saw. Rates and latencies cover only the measured part (after the warm-up); the totals cover
 * the whole run, warm-up included, for comparing with what the server says it ingested.
 *
 * @param throttled   429/503 answers (each costs its sender the Retry-After, at most 1 s), warm-up included
 * @param bodiesAcked per sender, how many bodies of its stream were acknowledged (they are sent in order)
 * @param skipped     bodies given up on after a transport error or a non-retryable status (their samples may or
 *                    may not have been ingested)
 */
public record LoadResult(double measuredSeconds, long measuredSamples, long measuredRequests,
                         long p50Micros, long p99Micros, long p999Micros,
                         long totalAckedSamples, long totalAckedRequests, long throttled, long measuredThrottled, long clientErrors,
                         long serverErrors, long transportErrors, long skipped, boolean poolExhausted,
                         int[] bodiesAcked) {

    public double samplesPerSecond() {
        return measuredSeconds > 0 ? measuredSamples / measuredSeconds : 0;
    }

    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%,.0f samples/s (%,d samples, %,d requests in %.1f s), latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms; "
                        + "acked total %,d samples; 429/503 %d (%d while measured), 4xx %d, 5xx %d, transport errors %d, skipped %d%s",
                samplesPerSecond(), measuredSamples, measuredRequests, measuredSeconds, p50Micros / 1000.0,
                p99Micros / 1000.0, p999Micros / 1000.0, totalAckedSamples, throttled, measuredThrottled, clientErrors, serverErrors,
                transportErrors, skipped, poolExhausted ? "; POOL EXHAUSTED (rate is a lower bound)" : "");
    }
}
