package io.weir.persistence.journal;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestControl;
import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.persistence.wal.WalWriter;

import java.io.IOException;
import java.util.Arrays;

/**
 * The ring's first consumer and the only user of the {@link WalWriter}: appends each batch (and the SERIES
 * records of series created since the last batch, and the EXTRAS record of a request's histograms, exemplars and
 * metadata) to the WAL, commits once per Disruptor batch (group commit), and marks each batch's outcome. Shard
 * writers run after it, so a batch that failed to reach the WAL is marked and never applied to sketches; the last
 * shard writer answers the sender (503 on failure, so it retries).
 */
public final class Journaler implements EventHandler<IngestBatch> {
    private static final System.Logger LOG = System.getLogger(Journaler.class.getName());
    /** A ring slot keeps an extras array up to this size for the next request (1,024 slots: at most 64 MiB kept). */
    private static final int KEEP_EXTRAS_BYTES = 64 * 1024;

    private final WalWriter wal;
    private final SeriesTable series;
    private final WalRetention retention;
    /** Series ids below this are in the WAL; ids are dense, so one number says which SERIES records are due. */
    private int journaledSeries;
    private byte[] labelScratch = new byte[1024];
    private IngestBatch[] group = new IngestBatch[64];
    private int groupSize;
    private volatile long failures;
    private long failuresOwned;

    public Journaler(WalWriter wal, SeriesTable series, WalRetention retention) {
        this.wal = wal;
        this.series = series;
        this.retention = retention;
        this.journaledSeries = series.size();
    }

    @Override
    public void onEvent(IngestBatch batch, long sequence, boolean endOfBatch) {
        IngestControl control = batch.control();
        if (control != null) {
            // a cut: commit the batches before it now, so the log position handed on is exact
            boolean committed = commitGroup();
            control.journaled(committed, wal.committedPosition(), journaledSeries);
            return;
        }
        if (groupSize == group.length) {
            group = Arrays.copyOf(group, groupSize * 2);
        }
        group[groupSize++] = batch;
        try {
            journalNewSeries();
            if (batch.count() > 0) {
                if (batch.backfill()) {
                    wal.appendBackfillSamples(batch.count(), batch.seriesIds(), batch.timestamps(), batch.values());
                } else {
                    wal.appendSamples(batch.count(), batch.seriesIds(), batch.timestamps(), batch.values());
                }
            }
            if (batch.extrasLength() > 0) {
                // same commit as the samples: the sender's 204 covers both
                wal.appendExtras(batch.extras(), 0, batch.extrasLength());
                batch.releaseExtras(KEEP_EXTRAS_BYTES);
            }
        } catch (IOException | RuntimeException e) {
            batch.journalFailed("WAL append failed: " + e);
            fail("append", e);
        }
        if (endOfBatch) {
            commitGroup();
        }
    }

    @Override
    public void onTimeout(long sequence) {
        try {
            wal.syncIfDue(System.nanoTime());
            retention.maybeDelete(wal);
        } catch (IOException | RuntimeException e) {
            fail("idle sync", e);
        }
    }

    private void journalNewSeries() throws IOException {
        int known = series.size();
        while (journaledSeries < known) {
            SeriesLabels labels = series.labels(journaledSeries);
            if (labels != null) {
                if (labelScratch.length < labels.canonicalLength()) {
                    labelScratch = new byte[Math.max(labels.canonicalLength(), labelScratch.length * 2)];
                }
                int len = labels.copyCanonical(labelScratch, 0);
                wal.appendSeries(journaledSeries, labelScratch, 0, len);
            }
            journaledSeries++;
        }
    }

    /** @return false when the commit failed */
    private boolean commitGroup() {
        String failure = null;
        try {
            wal.commit();
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
            fail("commit", e);
        }
        for (int i = 0; i < groupSize; i++) {
            IngestBatch b = group[i];
            if (failure != null) {
                b.journalFailed(failure);
            }
            // the sender is answered by the last shard writer to apply the slot (IngestRing), not here
            group[i] = null;
        }
        groupSize = 0;
        try {
            retention.maybeDelete(wal);
        } catch (IOException | RuntimeException e) {
            fail("retention", e);
        }
        return failure == null;
    }

    private void fail(String what, Throwable e) {
        failures = ++failuresOwned;
        LOG.log(System.Logger.Level.ERROR, "WAL " + what + " failed", e);
    }

    /** WAL failures so far; any thread. */
    public long failures() { return failures; }
}
