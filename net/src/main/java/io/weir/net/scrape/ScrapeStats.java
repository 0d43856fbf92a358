package io.weir.net.scrape;

import java.util.concurrent.atomic.LongAdder;

/** Node-wide scrape counters for {@code /metrics}; written by every scrape thread. */
public final class ScrapeStats {
    final LongAdder scrapes = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder samples = new LongAdder();
    final LongAdder staleMarkers = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder droppedBatches = new LongAdder();
    final LongAdder walFailures = new LongAdder();

    public long scrapes() { return scrapes.sum(); }
    public long failures() { return failures.sum(); }
    public long samples() { return samples.sum(); }
    public long retries() { return retries.sum(); }
    public long droppedBatches() { return droppedBatches.sum(); }
    public long walFailures() { return walFailures.sum(); }
}
