package io.weir.persistence.wal;

/**
 * Receives records from a {@link WalReader}. The arrays belong to the reader and are reused: they are valid only
 * during the call, and only the first {@code len} / {@code count} entries are meaningful.
 */
public interface WalVisitor {
    void onSeries(int seriesId, byte[] labels, int off, int len);

    void onSamples(int count, int[] seriesIds, long[] timestamps, double[] values);
}
