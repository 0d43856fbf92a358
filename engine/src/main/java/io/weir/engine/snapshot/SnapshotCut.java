package io.weir.engine.snapshot;

import io.weir.engine.ingest.IngestControl;
import io.weir.engine.sketch.SketchShard;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ring event behind a snapshot: the journaler records the log position of the cut, then each shard writer
 * copies its state at that same sequence. When the last shard has copied, {@link #done()} completes (on that
 * writer's thread: whoever continues must move to its own thread at once). Ownership of the copies passes to
 * the continuation, which closes them.
 */
public final class SnapshotCut implements IngestControl {
    private final ShardStateSnapshot format;
    private final CapturedShardState[] shards;
    private final ShardCopyBuffer[] buffers;
    private final AtomicInteger pending;
    private final CompletableFuture<SnapshotCut> done = new CompletableFuture<>();
    // written by the journaler before the shard writers run (the ring orders them), read after done
    private boolean committed;
    private long logPosition;
    private int seriesInLog;
    private volatile Throwable failure;
    private long copyNanos;

    /** @param buffers one per shard, from {@link ShardStateSnapshot#reserve}; the cut owns them from now on */
    public SnapshotCut(ShardStateSnapshot format, ShardCopyBuffer[] buffers) {
        this.format = format;
        this.shards = new CapturedShardState[buffers.length];
        this.buffers = buffers.clone();
        this.pending = new AtomicInteger(buffers.length);
    }

    @Override
    public void journaled(boolean committed, long logPosition, int seriesInLog) {
        this.committed = committed;
        this.logPosition = logPosition;
        this.seriesInLog = seriesInLog;
        if (!committed) {
            failure = new IllegalStateException("the WAL commit before the snapshot cut failed");
        }
    }

    @Override
    public void atShard(int shard, SketchShard sketches) {
        if (committed && failure == null) {
            long t0 = System.nanoTime();
            try {
                ShardCopyBuffer buffer = buffers[shard];
                buffers[shard] = null; // the capture owns it now, whatever happens
                shards[shard] = format.capture(sketches, buffer);
            } catch (RuntimeException | OutOfMemoryError e) {
                failure = e;
            }
            synchronized (this) {
                copyNanos = Math.max(copyNanos, System.nanoTime() - t0);
            }
        }
        if (pending.decrementAndGet() == 0) {
            Throwable f = failure;
            if (f == null) {
                done.complete(this);
            } else {
                release();
                done.completeExceptionally(f);
            }
        }
    }

    /** Completes once every shard has copied its state (or exceptionally when the cut could not be taken). */
    public CompletableFuture<SnapshotCut> done() { return done; }

    /** The log position of the cut: every batch before it is in the copies, none after. */
    public long logPosition() { return logPosition; }

    /** Series ids below this have their SERIES records before {@link #logPosition()}. */
    public int seriesInLog() { return seriesInLog; }

    public CapturedShardState shard(int i) { return shards[i]; }

    public int shardCount() { return shards.length; }

    /** The longest time one shard writer spent copying (ingest on that shard paused for it). */
    public synchronized long copyNanos() { return copyNanos; }

    /** Frees every copy (and any buffer not used). */
    public void release() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
        }
        for (int i = 0; i < shards.length; i++) {
            if (shards[i] != null) {
                shards[i].close();
                shards[i] = null;
            }
        }
    }
}
