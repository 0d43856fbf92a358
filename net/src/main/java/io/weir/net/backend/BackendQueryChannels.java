package io.weir.net.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Query-API requests to the backend over kept-alive connections on one Netty event loop of their own. Thread-safe.
 *
 * <p>Why not the JDK client: a forwarded query crossed four threads with it (query thread, the client's selector,
 * its completion executor, the node's event loop) and cost ~2-4 ms more than asking the backend directly on this
 * 2-core machine; here the query thread writes, this loop reads the answer and hands it to the node's event loop.
 * Remote write (per forwarded batch, blocking) stays on the JDK client.
 *
 * <p>An answer goes to its {@link AnswerSink} piece by piece as it arrives (a relay hands it to the client as it
 * comes; {@link #forward} collects it for a caller that parses it); a sink that is behind pauses the connection's
 * reading. An exchange whose client takes gzip asks the backend for gzip and gets its body as it came.
 *
 * <p>One request at a time per connection (HTTP/1.1, no pipelining); idle connections wait in a pool. A pooled
 * connection that the backend closed while it sat idle fails its request before any answer: that request is sent
 * once more on a new connection (query requests are reads, safe to repeat).
 */
final class BackendQueryChannels implements AutoCloseable {
    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("weir.backend.exchange");
    /** Idle connections kept beyond this are closed (the query executor bounds how many are busy at once). */
    private static final int MAX_IDLE = 64;

    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;
    private final long timeoutMillis;
    private final Map<String, String> headers;
    private final SSLContext ssl;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ConcurrentLinkedDeque<Channel> idle = new ConcurrentLinkedDeque<>();

    /**
     * @param base    the backend's URL (http or https), its path prefixing every request's
     * @param ssl     TLS context for https; null = the JDK's default trust
     */
    BackendQueryChannels(URI base, long timeoutMillis, Map<String, String> headers, SSLContext ssl) {
        boolean https = "https".equalsIgnoreCase(base.getScheme());
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : https ? 443 : 80;
        this.hostHeader = base.getPort() > 0 ? host + ":" + port : host;
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.timeoutMillis = timeoutMillis;
        this.headers = Map.copyOf(headers);
        try {
            this.ssl = !https ? null : ssl != null ? ssl : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context for " + base, e);
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("weir-backend-query", true), io);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, Math.max(1_000, timeoutMillis)))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (BackendQueryChannels.this.ssl != null) {
                            ch.pipeline().addLast(new SslHandler(clientEngine()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec());
                        ch.pipeline().addLast(new PlainUnlessAsked());
                        ch.pipeline().addLast(new AnswerHandler());
                    }
                });
    }

    private SSLEngine clientEngine() {
        SSLEngine engine = ssl.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the host name is checked, as the JDK client checks it
        engine.setSSLParameters(p);
        return engine;
    }

    /** Completes with the backend's answer; exceptionally when it cannot be reached or does not answer in time. */
    CompletableFuture<BackendClient.Answer> forward(String method, String pathAndQuery, byte[] body, String contentType) {
        CompletableFuture<BackendClient.Answer> answer = new CompletableFuture<>();
        relay(method, pathAndQuery, body, contentType, false, new CollectedAnswer(answer));
        return answer;
    }

    /** Sends the request; its answer goes to {@code sink} as it arrives. */
    void relay(String method, String pathAndQuery, byte[] body, String contentType, boolean gzipTaken, AnswerSink sink) {
        new Exchange(sink, "POST".equals(method), basePath + pathAndQuery, body, contentType, gzipTaken).send();
    }

    /**
     * Inflates what the backend compressed, except a gzip answer to an exchange that asked for gzip to hand on: that
     * one keeps its {@code Content-Encoding} and bytes. The exchange is bound to the channel before its request is
     * written, so it is there when the answer's head arrives.
     */
    private static final class PlainUnlessAsked extends HttpContentDecompressor {
        @Override
        protected EmbeddedChannel newContentDecoder(String contentEncoding) throws Exception {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex != null && ex.gzipTaken && "gzip".equalsIgnoreCase(contentEncoding.trim())) {
                return null;
            }
            return super.newContentDecoder(contentEncoding);
        }
    }

    /** One request and its answer; sent at most twice (the second time only after a pooled connection's early close). */
    private final class Exchange {
        final AnswerSink sink;
        final boolean post;
        final String uri;
        final byte[] body;
        final String contentType;
        /** The client takes gzip: the backend is asked for it and its gzip body handed on as it is. */
        final boolean gzipTaken;
        final long deadlineNanos;
        boolean pooledConnection;
        boolean resent;
        /** The answer's head reached the sink (from then on the exchange is never sent again). Loop only. */
        boolean headSeen;
        /** The backend keeps the connection after this answer. Loop only. */
        boolean keepAlive;
        ScheduledFuture<?> timer;

        Exchange(AnswerSink sink, boolean post, String uri, byte[] body, String contentType, boolean gzipTaken) {
            this.sink = sink;
            this.gzipTaken = gzipTaken;
            this.post = post;
            this.uri = uri;
            this.body = body;
            this.contentType = contentType;
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        }

        void send() {
            Channel ch;
            while ((ch = idle.pollFirst()) != null) {
                if (ch.isActive()) {
                    pooledConnection = true;
                    dispatch(ch);
                    return;
                }
            }
            pooledConnection = false;
            bootstrap.connect(host, port).addListener((ChannelFuture cf) -> {
                if (cf.isSuccess()) {
                    dispatch(cf.channel());
                } else {
                    sink.failed(cf.cause(), false);
                }
            });
        }

        /**
         * Binds the exchange to the connection on the connection's loop: a pooled connection can close between the
         * query thread taking it and this; on the loop the close is either seen here or after the binding, never between
         * the binding and the timer (which left an exchange that nothing would ever complete).
         */
        private void dispatch(Channel ch) {
            if (!ch.eventLoop().inEventLoop()) {
                ch.eventLoop().execute(() -> dispatch(ch));
                return;
            }
            long left = Math.max(1, deadlineNanos - System.nanoTime());
            timer = ch.eventLoop().schedule(() -> {
                if (ch.attr(EXCHANGE).compareAndSet(this, null)) {
                    sink.failed(new TimeoutException("backend did not answer within " + timeoutMillis + " ms"), headSeen);
                    ch.close();
                }
            }, left, TimeUnit.NANOSECONDS);
            if (!ch.isActive()) {
                closedEarly(null); // closed while idle: resent once on a new connection, as below
                return;
            }
            ch.attr(EXCHANGE).set(this);
            ch.writeAndFlush(request()).addListener(w -> {
                if (!w.isSuccess()) {
                    ch.close(); // the answer handler sees the close and fails or resends the exchange
                }
            });
        }

        private FullHttpRequest request() {
            FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, post ? HttpMethod.POST : HttpMethod.GET, uri,
                    post ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.HOST, hostHeader);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            headers.forEach((k, v) -> r.headers().set(k, v));
            if (gzipTaken) {
                r.headers().set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.GZIP);
            }
            if (post) {
                if (contentType != null) {
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
                }
                HttpUtil.setContentLength(r, body.length);
            }
            return r;
        }

        /** The connection closed before the answer's end. */
        void closedEarly(Throwable cause) {
            timer.cancel(false);
            if (!headSeen && pooledConnection && !resent && System.nanoTime() < deadlineNanos) {
                resent = true;
                send();
            } else {
                sink.failed(cause != null ? cause : new IOException("backend closed the connection before "
                        + (headSeen ? "the end of its answer" : "answering")), headSeen);
            }
        }
    }

    /** Hands the answer of the connection's exchange to its sink as it arrives, and the connection back to the pool. */
    private final class AnswerHandler extends SimpleChannelInboundHandler<HttpObject> {
        private Throwable failure;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex == null) {
                ctx.close(); // an answer nobody asked for (or one after its deadline): the connection is out of step
                return;
            }
            if (msg instanceof HttpResponse r) {
                if (!r.decoderResult().isSuccess()) {
                    failure = r.decoderResult().cause();
                    ctx.close(); // the exchange fails (or is resent) as the connection closes
                    return;
                }
                // a header the decompressor left is a gzip body this exchange asked to hand on
                String encoding = r.headers().get(HttpHeaderNames.CONTENT_ENCODING);
                ex.headSeen = true;
                ex.keepAlive = HttpUtil.isKeepAlive(r);
                ex.sink.head(r.status().code(), r.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json"),
                        encoding == null || HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(encoding) ? null : encoding,
                        HttpUtil.getContentLength(r, -1L));
            }
            if (msg instanceof HttpContent c) {
                if (!c.decoderResult().isSuccess()) {
                    failure = c.decoderResult().cause();
                    ctx.close();
                    return;
                }
                if (c.content().isReadable()) {
                    Future<?> taken = ex.sink.content(c.content().retain());
                    if (taken != null && !taken.isDone()) {
                        // the sink's client is behind: read no more of this answer until it has caught up
                        ctx.channel().config().setAutoRead(false);
                        taken.addListener(done -> ctx.channel().config().setAutoRead(true));
                    }
                }
                if (msg instanceof LastHttpContent && ctx.channel().attr(EXCHANGE).compareAndSet(ex, null)) {
                    ex.timer.cancel(false);
                    if (ex.keepAlive && idle.size() < MAX_IDLE) {
                        ctx.channel().config().setAutoRead(true);
                        idle.offerFirst(ctx.channel());
                    } else {
                        ctx.close();
                    }
                    ex.sink.end();
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex != null) {
                ex.sink.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.remove(ctx.channel());
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (ex != null) {
                ex.closedEarly(failure);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
