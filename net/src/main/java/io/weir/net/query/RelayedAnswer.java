package io.weir.net.query;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.weir.net.backend.AnswerSink;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.PromJson;
import java.util.function.Consumer;

/**
 * A backend answer relayed to the client as it arrives: the backend's status, content type, length (or chunked when it
 * gave none) and a still-compressed body's encoding, with {@code X-Weir-Source: backend} and the caller's headers.
 * Before the head, a failure is answered 503 {@code unavailable}; after it, the client's connection is closed (its
 * status is sent and the body cannot be completed), as any proxy must.
 */
final class RelayedAnswer implements AnswerSink {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final String[] headers;
    private final String backendName;
    /** Told true once the head is relayed, false when the backend gave no answer (the caller's counters). */
    private final Consumer<Boolean> outcome;

    /** @param headers name, value, ... added to the relayed head */
    RelayedAnswer(ChannelHandlerContext ctx, boolean keepAlive, String backendName, Consumer<Boolean> outcome, String... headers) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.backendName = backendName;
        this.outcome = outcome;
        this.headers = headers;
    }

    @Override
    public void head(int status, String contentType, String contentEncoding, long contentLength) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (contentEncoding != null) {
            // the channel's compressor leaves an answer that names its encoding as it is
            r.headers().set(HttpHeaderNames.CONTENT_ENCODING, contentEncoding);
        }
        if (contentLength >= 0) {
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        } else {
            HttpUtil.setTransferEncodingChunked(r, true);
        }
        HttpResponses.connection(r, keepAlive);
        r.headers().set(QueryEndpoint.SOURCE_HEADER, "backend");
        HttpResponses.addHeaders(r, headers);
        ctx.write(r, ctx.voidPromise());
        outcome.accept(true);
    }

    @Override
    public Future<?> content(ByteBuf piece) {
        // sent at the read burst's end (flush); a client that cannot take more holds the backend's reading until it has
        ChannelFuture written = ctx.write(new DefaultHttpContent(piece));
        return ctx.channel().isWritable() ? null : written;
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void end() {
        ChannelFuture sent = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            sent.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void failed(Throwable cause, boolean afterHead) {
        if (afterHead) {
            ctx.close();
            return;
        }
        outcome.accept(false);
        FullHttpResponse r = HttpResponses.json(HttpResponseStatus.SERVICE_UNAVAILABLE, PromJson.error("unavailable",
                "backend " + backendName + " unreachable: " + QueryEndpoint.rootMessage(cause)));
        HttpResponses.addHeaders(r, headers);
        HttpResponses.send(ctx, r, keepAlive);
    }
}
