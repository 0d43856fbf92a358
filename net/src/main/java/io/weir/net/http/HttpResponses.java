package io.weir.net.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Building and sending responses; safe to call from any thread (Netty hands writes to the channel's loop). */
public final class HttpResponses {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    private HttpResponses() {}

    public static FullHttpResponse of(HttpResponseStatus status, String contentType, byte[] body) {
        ByteBuf content = body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    public static FullHttpResponse of(HttpResponseStatus status, String contentType, String body) {
        return of(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public static FullHttpResponse text(HttpResponseStatus status, String message) {
        return of(status, TEXT, message.endsWith("\n") ? message : message + "\n");
    }

    public static FullHttpResponse json(HttpResponseStatus status, String json) {
        return of(status, JSON, json);
    }

    /**
     * Sends a body given as parts -- one of at most a slice as one message, a larger one a slice at a time as the
     * socket takes them ({@link PartsBody}) -- of {@code contentType} (null: none), with {@code headers} (name, value,
     * name, value, ...) added; closes after it unless {@code keepAlive}. The parts (heap buffers, each its bytes from
     * position to limit, neither moved here) must not change afterwards.
     */
    public static void sendParts(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType,
                                 ByteBuffer[] parts, boolean keepAlive, String... headers) {
        long length = PartsBody.length(parts);
        boolean whole = length <= PartsBody.SLICE_BYTES; // one slice: one message, as every other answer
        HttpResponse head = whole
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(duplicates(parts)))
                : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        if (contentType != null) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        addHeaders(head, headers);
        if (whole) {
            send(ctx, (FullHttpResponse) head, keepAlive);
            return;
        }
        connection(head, keepAlive);
        ctx.write(head, ctx.voidPromise());
        // a real promise: the chunked writer completes it when the last slice has left (and closes then if asked)
        ChannelFuture sent = ctx.writeAndFlush(new HttpChunkedInput(new PartsBody(parts)));
        if (!keepAlive) {
            sent.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Views of {@code parts} to be read (and moved) by the channel, the parts themselves left as they are. */
    private static ByteBuffer[] duplicates(ByteBuffer[] parts) {
        ByteBuffer[] views = new ByteBuffer[parts.length];
        for (int i = 0; i < parts.length; i++) {
            views[i] = parts[i].duplicate();
        }
        return views;
    }

    /** The response's {@code Connection} header: keep-alive as the request asked, else close. */
    public static void connection(HttpResponse response, boolean keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    }

    /** Sets {@code headers} (name, value, name, value, ...) on {@code response}. */
    public static void addHeaders(HttpResponse response, String... headers) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            response.headers().set(headers[i], headers[i + 1]);
        }
    }

    public static FullHttpResponse noContent() {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /** Sends and, unless the request asked to keep the connection alive, closes after the write. */
    public static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        connection(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
