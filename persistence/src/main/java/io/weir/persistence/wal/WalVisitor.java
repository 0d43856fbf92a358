package io.weir.persistence.wal;

/**
 * Receives records from a {@link WalReader}. The arrays belong to the reader and are reused: they are valid only
 * during the call, and only the first {@code len} / {@code count} entries are meaningful.
 */
public interface WalVisitor {
    void onSeries(int seriesId, byte[] labels, int off, int len);

    void onSamples(int count, int[] seriesIds, long[] timestamps, double[] values);

    /**
     * A BACKFILL_SAMPLES record: history the node read from its backend ({@code ./weir backfill}). Replay applies it
     * to sketches like {@link #onSamples}; the forwarder must skip it, or the backend would get its own data twice.
     * No default, like {@link #onExtras}: each visitor says which it is.
     */
    void onBackfillSamples(int count, int[] seriesIds, long[] timestamps, double[] values);

    /**
     * An EXTRAS record: remote write 1.0 WriteRequest fields (TimeSeries without float samples, carrying
     * histograms and exemplars; MetricMetadata) to forward as they are. A visitor that does not forward (replay into
     * sketches) skips them; there is deliberately no default, so each visitor says what it does.
     */
    void onExtras(byte[] writeRequestFields, int off, int len);
}
