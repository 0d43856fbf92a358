package io.weir.engine.ingest;

/**
 * What a request carries besides float samples (native histograms, exemplars, metadata), already encoded as the
 * bytes the WAL keeps and the forwarder sends. The publisher copies them once, into the ring slot that takes the
 * request's ticket, so the journaler writes them in the same commit as the request's samples.
 */
public interface IngestExtras {
    /** @return bytes {@link #writeExtras} will write; 0 when there is nothing */
    int extrasLength();

    /** Writes exactly {@link #extrasLength()} bytes at {@code dst[pos..]}; returns the position after them. */
    int writeExtras(byte[] dst, int pos);
}
