package io.weir.net.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;

/**
 * Where a backend answer goes as it arrives: its head, then its body piece by piece, then its end; or a failure.
 * Called on the backend connections' event loop, in that order, once per answer. A relay to a client hands each piece
 * on as it comes (a proxy that waited for the whole answer would add its transfer time and hold it all in the heap);
 * a caller that parses the answer collects it ({@link CollectedAnswer}).
 */
public interface AnswerSink {
    /**
     * The answer's status and headers, before any content.
     *
     * @param contentEncoding null for a plain body, else the encoding the body still has (gzip, asked for a client
     *                        that takes it)
     * @param contentLength   the body's length, -1 when the backend did not say
     */
    void head(int status, String contentType, String contentEncoding, long contentLength);

    /**
     * A piece of the body; the sink owns (and releases) it.
     *
     * @return null when the sink takes more at once, else a future done when it does: the connection reads nothing
     *         more from the backend until then (a slow client slows the backend's sending, not the heap)
     */
    Future<?> content(ByteBuf piece);

    /**
     * The connection has read what the backend has sent so far: a relay sends on what it holds (one flush per read
     * burst instead of one per piece; each was a system call and, across threads, a wake-up).
     */
    default void flush() {
    }

    /** The body is complete. */
    void end();

    /**
     * No complete answer: the backend could not be reached, did not answer in time or broke the connection.
     *
     * @param afterHead true when {@link #head} was called already (the sink's client has the head, not the whole)
     */
    void failed(Throwable cause, boolean afterHead);
}
