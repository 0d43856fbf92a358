package io.weir.persistence.snapshot;

import io.weir.engine.ingest.IngestRing;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.snapshot.ShardCopyBuffer;
import io.weir.engine.snapshot.ShardStateSnapshot;
import io.weir.engine.snapshot.SnapshotCut;
import io.weir.persistence.wal.WalPosition;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes snapshots of a running node: puts a {@link SnapshotCut} on the ingest ring (every shard writer copies its
 * state at that one sequence, after the journaler has committed everything before it), then encodes, compresses
 * and writes the copies on its own thread while ingest goes on, and keeps the newest {@code keep}. Requests that
 * arrive while one is being taken share it. Any thread may call {@link #request}.
 */
public final class Snapshotter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());
    private static final long CUT_TIMEOUT_SECONDS = 300;

    private final IngestRing ring;
    private final ShardStateSnapshot format;
    private final SketchShard[] shards;
    private final SeriesTable series;
    private final SnapshotWriter writer;
    private final SnapshotStore store;
    private final int keep;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("weir-snapshot").daemon(true).factory());
    private final AtomicLong retainedPosition;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile SnapshotInfo last;
    private CompletableFuture<SnapshotInfo> inFlight;
    private boolean closed;

    /** @param retainedPosition WAL position of the oldest snapshot on disk at start, or -1 */
    public Snapshotter(IngestRing ring, ShardStateSnapshot format, SketchShard[] shards, SeriesTable series,
                       SnapshotWriter writer, SnapshotStore store, int keep, long retainedPosition) {
        this.ring = ring;
        this.format = format;
        this.shards = shards.clone();
        this.series = series;
        this.writer = writer;
        this.store = store;
        this.keep = keep;
        this.retainedPosition = new AtomicLong(retainedPosition);
    }

    /** Starts a snapshot, or joins the one being taken. The future completes when it is on disk. */
    public synchronized CompletableFuture<SnapshotInfo> request() {
        if (inFlight != null) {
            return inFlight;
        }
        CompletableFuture<SnapshotInfo> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IllegalStateException("the node is stopping"));
            return f;
        }
        inFlight = f;
        thread.execute(() -> take(f));
        return f;
    }

    private void take(CompletableFuture<SnapshotInfo> f) {
        SnapshotCut cut = null;
        try {
            // the copy's memory is allocated here, so that the shard writers only copy at the cut
            ShardCopyBuffer[] buffers = new ShardCopyBuffer[shards.length];
            try {
                var pace = writer.reservePace();
                for (int s = 0; s < shards.length; s++) {
                    buffers[s] = format.reserve(shards[s], pace);
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                for (ShardCopyBuffer b : buffers) {
                    if (b != null) {
                        b.close();
                    }
                }
                throw new IllegalStateException("cannot reserve memory for the snapshot copy: " + e, e);
            }
            cut = new SnapshotCut(format, buffers);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CUT_TIMEOUT_SECONDS);
            while (!ring.publishControl(cut)) {
                if (System.nanoTime() > deadline) {
                    cut.release();
                    throw new TimeoutException("the ingest ring stayed full");
                }
                Thread.sleep(1);
            }
            SnapshotCut c = cut.done().get(CUT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            SnapshotInfo info;
            try {
                info = writer.write(c, series);
            } finally {
                c.release();
            }
            store.prune(keep);
            retainedPosition.set(store.oldestPosition());
            last = info;
            taken.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, String.format(
                    "snapshot %s written: WAL position %s, %d series, %d bytes of state in %d bytes of files; copy %.1f ms, write %.1f ms",
                    info.name(), WalPosition.toString(info.manifest().walPosition()), info.manifest().seriesCount(),
                    info.stateBytes(), info.fileBytes(), info.copyNanos() / 1e6, info.writeNanos() / 1e6));
            finish(f, info, null);
        } catch (Exception e) {
            failures.incrementAndGet();
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.log(System.Logger.Level.ERROR, "snapshot failed", cause);
            finish(f, null, cause);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void finish(CompletableFuture<SnapshotInfo> f, SnapshotInfo info, Throwable failure) {
        synchronized (this) {
            inFlight = null;
        }
        if (failure == null) {
            f.complete(info);
        } else {
            f.completeExceptionally(failure);
        }
    }

    /**
     * WAL position of the oldest snapshot kept, or -1 when there is none: WAL retention keeps everything after it,
     * so start-up can fall back from an unreadable newest snapshot to an older one without losing samples.
     * Any thread.
     */
    public long retainedPosition() { return retainedPosition.get(); }

    public long taken() { return taken.get(); }

    public long failures() { return failures.get(); }

    /** The last snapshot this node wrote, or null. */
    public SnapshotInfo last() { return last; }

    public SnapshotStore store() { return store; }

    /** Takes a last snapshot (waiting up to {@code timeoutMillis}), then stops taking any. */
    public void closeWithSnapshot(long timeoutMillis) {
        writer.hurry(); // the node is stopping: no pacing for this one, nor for one being written now
        try {
            request().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "no snapshot at shutdown: " + e);
        }
        close();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CUT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

}
