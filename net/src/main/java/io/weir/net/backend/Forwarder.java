package io.weir.net.backend;

import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Sends every raw sample, native histogram, exemplar and metadata entry to the backend by tailing the WAL from its own
 * persisted cursor: the backend being down
 * costs WAL disk, never data. Batches are re-encoded as remote write 1.0, retried with exponential backoff on
 * network errors, 5xx and 429, and dropped (counted, logged) only on other 4xx, which a retry cannot fix.
 * Owned by its own thread ({@link #run}); counters are readable from any thread.
 */
public final class Forwarder implements Runnable, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());
    private static final long IDLE_PARK_NANOS = 20_000_000L;
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long CURSOR_STORE_PERIOD_NANOS = 1_000_000_000L;
    /** A batch stops growing past this many protobuf bytes (EXTRAS records can be large and hold no float samples). */
    private static final int MAX_BATCH_BYTES = 8 << 20;

    private final WalReader reader;
    private final LongSupplier committedPosition;
    private final SeriesTable series;
    private final BackendClient client;
    private final ForwarderCursor cursor;
    private final int maxSamplesPerRequest;
    private final RemoteWriteEncoder encoder = new RemoteWriteEncoder();
    private final Batcher batcher = new Batcher();
    private volatile boolean running = true;
    private volatile long ackedPosition;
    private volatile long samplesSent;
    private volatile long extrasSent;
    private volatile long requestsSent;
    private volatile long retries;
    private volatile long samplesDropped;
    private volatile long extrasDropped;
    private volatile long backfillSkipped;
    private volatile boolean backendUp = true;
    private volatile String lastError = "";
    private long lastCursorStoreNanos;
    private volatile long storedPosition;
    private Thread thread;

    public Forwarder(WalReader reader, long startPosition, LongSupplier committedPosition, SeriesTable series,
                     BackendClient client, ForwarderCursor cursor, int maxSamplesPerRequest) {
        this.reader = reader;
        this.committedPosition = committedPosition;
        this.series = series;
        this.client = client;
        this.cursor = cursor;
        this.maxSamplesPerRequest = maxSamplesPerRequest;
        this.ackedPosition = startPosition;
        this.storedPosition = startPosition;
    }

    public void start() {
        thread = Thread.ofPlatform().name("weir-forwarder").daemon(true).start(this);
    }

    @Override
    public void run() {
        long backoff = MIN_BACKOFF_MS;
        while (running) {
            int work;
            try {
                work = doWork();
                backoff = MIN_BACKOFF_MS;
            } catch (RetryLater e) {
                retries++;
                backendUp = false;
                lastError = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "forwarding to " + client.remoteWriteUrl() + " failed (" + e.getMessage()
                        + "); retrying in " + backoff + " ms");
                sleepMillis(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
                continue;
            } catch (IOException e) {
                lastError = e.toString();
                LOG.log(System.Logger.Level.ERROR, "forwarder cannot read the WAL", e);
                sleepMillis(1000);
                continue;
            }
            if (work == 0) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    /**
     * Fills a batch from the WAL (unless one is waiting to be retried) and sends it.
     *
     * @return samples sent, 0 when caught up
     */
    int doWork() throws IOException {
        if (encoder.isEmpty()) {
            encoder.reset();
            long limit = committedPosition.getAsLong();
            while (encoder.sampleCount() < maxSamplesPerRequest && encoder.uncompressedSize() < MAX_BATCH_BYTES
                    && reader.read(batcher, limit, 1) > 0) {
                // one record at a time so the batch stays near maxSamplesPerRequest
            }
            if (encoder.isEmpty()) {
                advanceCursor(reader.position());
                return 0;
            }
            encoder.finish();
        }
        int status;
        try {
            status = client.remoteWrite(encoder.compressed(), encoder.compressedLength());
        } catch (IOException e) {
            throw new RetryLater(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted");
        }
        int sent = encoder.sampleCount();
        if (status / 100 == 2) {
            samplesSent += sent;
            extrasSent += encoder.fieldBlockCount();
            requestsSent++;
            backendUp = true;
        } else if (status == 429 || status / 100 == 5) {
            throw new RetryLater("HTTP " + status);
        } else {
            // the error first: a reader that sees the count must see its cause
            lastError = "HTTP " + status + " (batch dropped: the backend refused it as invalid)";
            samplesDropped += sent;
            extrasDropped += encoder.fieldBlockCount();
            LOG.log(System.Logger.Level.ERROR, "backend refused a batch of " + sent + " samples with HTTP " + status + "; dropped");
        }
        encoder.reset();
        advanceCursor(reader.position());
        return sent;
    }

    private void advanceCursor(long position) throws IOException {
        ackedPosition = position;
        long now = System.nanoTime();
        if (position != storedPosition && now - lastCursorStoreNanos >= CURSOR_STORE_PERIOD_NANOS) {
            cursor.store(position);
            storedPosition = position;
            lastCursorStoreNanos = now;
        }
    }

    /** Turns WAL records into remote-write series: runs of one series id become one TimeSeries. */
    private final class Batcher implements WalVisitor {
        private byte[] labels = new byte[1024];

        @Override
        public void onSeries(int seriesId, byte[] buf, int off, int len) {
            // labels come from the series table; SERIES records matter for rebuilding it, not here
        }

        @Override
        public void onSamples(int count, int[] ids, long[] ts, double[] values) {
            int i = 0;
            while (i < count) {
                int id = ids[i];
                SeriesLabels l = series.labels(id);
                if (l == null) {
                    samplesDropped++;
                    i++;
                    continue;
                }
                if (labels.length < l.canonicalLength()) {
                    labels = new byte[Math.max(l.canonicalLength(), labels.length * 2)];
                }
                int len = l.copyCanonical(labels, 0);
                encoder.beginSeries(labels, 0, len);
                while (i < count && ids[i] == id) {
                    encoder.sample(ts[i], values[i]);
                    i++;
                }
                encoder.endSeries();
            }
        }

        @Override
        public void onBackfillSamples(int count, int[] ids, long[] ts, double[] values) {
            // read from the backend by ./weir backfill: sending it back would duplicate the backend's own data
            backfillSkipped += count;
        }

        @Override
        public void onExtras(byte[] fields, int off, int len) {
            encoder.appendFields(fields, off, len);
        }
    }

    private static final class RetryLater extends RuntimeException {
        RetryLater(String message) {
            super(message, null, false, false);
        }
    }

    private static void sleepMillis(long ms) {
        LockSupport.parkNanos(ms * 1_000_000L);
    }

    /**
     * WAL position of the cursor last stored: a restart forwards again from here, never from before it; any thread.
     * The series table keeps an expired series' labels until this passes it.
     */
    public long storedPosition() { return storedPosition; }

    /** WAL position up to which the backend has acknowledged everything; any thread. */
    public long ackedPosition() { return ackedPosition; }

    public long samplesSent() { return samplesSent; }

    public long requestsSent() { return requestsSent; }

    public long retries() { return retries; }

    public long samplesDropped() { return samplesDropped; }

    /** EXTRAS records (one per request that carried histograms, exemplars or metadata) the backend accepted. */
    public long extrasSent() { return extrasSent; }

    /** EXTRAS records in batches the backend refused as invalid (4xx other than 429). */
    public long extrasDropped() { return extrasDropped; }

    /** Backfilled samples (BACKFILL_SAMPLES records) passed over: they came from the backend. */
    public long backfillSkipped() { return backfillSkipped; }

    public boolean backendUp() { return backendUp; }

    public String lastError() { return lastError; }

    /** Lag in bytes of WAL not yet acknowledged (approximate across segments). */
    public long lagRecordsBehind() { return committedPosition.getAsLong() - ackedPosition; }

    /** Stops after the batch in flight; stores the cursor. */
    @Override
    public void close() throws IOException {
        running = false;
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        cursor.store(ackedPosition);
        reader.close();
    }
}
