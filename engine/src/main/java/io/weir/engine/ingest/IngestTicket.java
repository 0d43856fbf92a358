package io.weir.engine.ingest;

/**
 * The sender's side of one accepted request: completed exactly once, by the shard writer that finishes the
 * request's last slot last, once that slot and every slot before it are in the WAL (durable per the fsync policy)
 * and applied to the sketches, so a query after the answer sees the request; or when the WAL write failed.
 */
public interface IngestTicket {
    void durable();

    void failed(String reason);
}
