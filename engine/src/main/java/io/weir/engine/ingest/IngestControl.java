package io.weir.engine.ingest;

import io.weir.engine.sketch.SketchShard;

/**
 * A control event that rides the ingest ring in place of samples, so that every consumer sees it at the same
 * sequence: the journaler first (every batch before it is then committed to the log), then each shard writer
 * (every batch before it is then applied to its sketches, none after). Snapshots use it to cut the node's state at
 * one exact point of the log. Implementations must not throw: a consumer that fails reports it through the event.
 */
public interface IngestControl {
    /**
     * Journaler thread, once.
     *
     * @param committed   true when every batch before this event is committed to the log; false when the commit
     *                    failed (the cut is then not exact and must be abandoned)
     * @param logPosition the log's end after that commit: everything before the event lies before it
     * @param seriesInLog series ids below this have their SERIES records before {@code logPosition}
     */
    void journaled(boolean committed, long logPosition, int seriesInLog);

    /** Shard writer thread of {@code shard}, once per shard, after {@link #journaled}. */
    void atShard(int shard, SketchShard sketches);
}
