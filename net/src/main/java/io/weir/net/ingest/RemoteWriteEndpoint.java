package io.weir.net.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.IngestTicket;
import io.weir.net.http.HttpEndpoint;
import io.weir.net.http.HttpResponses;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;

/**
 * {@code POST /api/v1/write}: remote write 1.0. On the event loop: copy the body once, decode it whole (so a bad
 * request is refused before anything changes), resolve series ids, put the samples on the ring. The 204 is
 * sent by the journaler once the request is in the WAL.
 */
public final class RemoteWriteEndpoint implements HttpEndpoint {
    private static final System.Logger LOG = System.getLogger(RemoteWriteEndpoint.class.getName());
    private static final String RETRY_AFTER_SECONDS = "1";

    private final IngestPath ingest;
    private final int maxRequestBytes;
    private final FastThreadLocal<LoopState> loopState = new FastThreadLocal<>() {
        @Override
        protected LoopState initialValue() { return new LoopState(); }
    };

    public RemoteWriteEndpoint(IngestPath ingest, long maxRequestBytes) {
        this.ingest = ingest;
        this.maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes);
    }

    /** Everything one event loop reuses from request to request; touched only by that loop's thread. */
    private final class LoopState {
        final RemoteWriteDecoder decoder = new RemoteWriteDecoder(maxRequestBytes);
        final DecodedWriteRequest decoded = new DecodedWriteRequest();
        final IngestPath.Writer writer = ingest.newWriter();
        byte[] body = new byte[64 * 1024];
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        IngestStats stats = ingest.stats();
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.equalsIgnoreCase("snappy")) {
            stats.rejected();
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported Content-Encoding \"" + encoding + "\": remote write 1.0 bodies are snappy-compressed"), keepAlive);
            return;
        }
        if (ingest.walOverCap()) {
            stats.throttled();
            sendWalFull(ctx, keepAlive);
            return;
        }
        LoopState s = loopState.get();
        ByteBuf content = request.content();
        int length = content.readableBytes();
        if (s.body.length < length) {
            s.body = new byte[Math.max(length, s.body.length * 2)];
        }
        content.getBytes(content.readerIndex(), s.body, 0, length);

        DecodedWriteRequest d = s.decoded;
        int code = s.decoder.decode(s.body, 0, length, d);
        if (code != RemoteWriteStatus.OK) {
            stats.rejected();
            HttpResponseStatus status = HttpResponseStatus.valueOf(RemoteWriteStatus.httpStatus(code));
            HttpResponses.send(ctx, HttpResponses.text(status, s.decoder.errorMessage()), keepAlive);
            return;
        }
        switch (s.writer.publish(d, new Ticket(ctx, keepAlive))) {
            case IngestPath.EMPTY -> HttpResponses.send(ctx, HttpResponses.noContent(), keepAlive);
            case IngestPath.RING_FULL -> sendRetryLater(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "ingest ring is full; retry later", keepAlive);
            case IngestPath.WAL_FULL -> sendWalFull(ctx, keepAlive);
            default -> { } // PUBLISHED: the journaler answers
        }
    }

    private static void sendWalFull(ChannelHandlerContext ctx, boolean keepAlive) {
        sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "WAL is at wal.max_disk while the backend catches up; retry later", keepAlive);
    }

    private static void sendRetryLater(ChannelHandlerContext ctx, HttpResponseStatus status, String message, boolean keepAlive) {
        FullHttpResponse r = HttpResponses.text(status, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        HttpResponses.send(ctx, r, keepAlive);
    }

    /** Answers the sender from the journaler thread; Netty runs the write on the channel's event loop. */
    private record Ticket(ChannelHandlerContext ctx, boolean keepAlive) implements IngestTicket {
        @Override
        public void durable() {
            HttpResponses.send(ctx, HttpResponses.noContent(), keepAlive);
        }

        @Override
        public void failed(String reason) {
            LOG.log(System.Logger.Level.WARNING, "remote write not journaled: " + reason);
            sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "write-ahead log failed: " + reason, keepAlive);
        }
    }
}
