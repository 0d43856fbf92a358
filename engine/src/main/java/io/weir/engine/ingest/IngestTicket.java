package io.weir.engine.ingest;

/**
 * The sender's side of one accepted request: completed by the journaler thread exactly once, after the last
 * slot of the request is in the WAL (durable per the fsync policy) or the WAL write failed.
 */
public interface IngestTicket {
    void durable();

    void failed(String reason);
}
