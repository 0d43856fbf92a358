package io.weir.net.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/** Collects a whole answer for a caller that parses it ({@link BackendClient#forward}); completes its future at the end. */
final class CollectedAnswer implements AnswerSink {
    /** A stated length is trusted for the first allocation up to this; beyond, the buffer grows as the body comes. */
    private static final int MAX_PRESIZE = 1 << 24;

    private final CompletableFuture<BackendClient.Answer> answer;
    private int status;
    private String contentType;
    private ByteArrayOutputStream body;

    CollectedAnswer(CompletableFuture<BackendClient.Answer> answer) {
        this.answer = answer;
    }

    @Override
    public void head(int status, String contentType, String contentEncoding, long contentLength) {
        this.status = status;
        this.contentType = contentType;
        this.body = new ByteArrayOutputStream((int) Math.clamp(contentLength, 256, MAX_PRESIZE));
    }

    @Override
    public Future<?> content(ByteBuf piece) {
        try {
            piece.readBytes(body, piece.readableBytes());
        } catch (java.io.IOException impossible) {
            throw new java.io.UncheckedIOException(impossible); // a ByteArrayOutputStream does not throw
        } finally {
            piece.release();
        }
        return null;
    }

    @Override
    public void end() {
        answer.complete(new BackendClient.Answer(status, contentType, body.toByteArray()));
    }

    @Override
    public void failed(Throwable cause, boolean afterHead) {
        answer.completeExceptionally(cause);
    }
}
