package io.weir.net.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.stream.ChunkedWriteHandler;

import io.weir.net.security.AuthGate;
import io.weir.net.security.WebSecurity;

import java.net.InetSocketAddress;

/**
 * The one HTTP port: Netty event loops (epoll where available), optional TLS and authentication (a web config),
 * aggregated bodies capped at a size limit.
 */
public final class HttpServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    public HttpServer(String host, int port, int eventLoops, long maxRequestBytes, Router router) throws InterruptedException {
        this(host, port, eventLoops, maxRequestBytes, router, WebSecurity.NONE);
    }

    public HttpServer(String host, int port, int eventLoops, long maxRequestBytes, Router router, WebSecurity security)
            throws InterruptedException {
        this(host, port, eventLoops, maxRequestBytes, router, security, 0);
    }

    /** @param compressionLevel gzip/deflate level of JSON and text answers to clients that accept it; 0 = never */
    public HttpServer(String host, int port, int eventLoops, long maxRequestBytes, Router router, WebSecurity security,
                      int compressionLevel) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.boss = new MultiThreadIoEventLoopGroup(1, io);
        this.workers = new MultiThreadIoEventLoopGroup(eventLoops, io);
        int maxContent = (int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (security.tls() != null) {
                            p.addLast(security.tls().current().newHandler(ch.alloc()));
                        }
                        p.addLast(new HttpServerCodec(8192, 65536, 65536));
                        if (compressionLevel > 0) {
                            p.addLast(new AnswerCompressor(compressionLevel));
                        }
                        p.addLast(new HttpServerKeepAliveHandler());
                        if (security.authenticator() != null) {
                            // before aggregation: a refused client cannot make the node buffer its body
                            p.addLast(new AuthGate(security.authenticator(), security.refusals()));
                        }
                        p.addLast(new CappedAggregator(maxContent));
                        // large answers leave a slice at a time as the socket takes them (PartsBody)
                        p.addLast(new ChunkedWriteHandler());
                        p.addLast(router);
                    }
                });
        InetSocketAddress address = host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        this.channel = b.bind(address).sync().channel();
    }

    public int port() { return ((InetSocketAddress) channel.localAddress()).getPort(); }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers an over-size body with 413 and a message (sent before the connection closes). */
    private static final class CappedAggregator extends HttpObjectAggregator {
        private final int maxContent;

        CappedAggregator(int maxContent) {
            super(maxContent, true);
            this.maxContent = maxContent;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            if (oversized instanceof HttpRequest) {
                FullHttpResponse r = HttpResponses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "request body exceeds server.max_request_bytes (" + maxContent + " bytes)");
                boolean keepAlive = !(oversized instanceof HttpContent) && HttpUtil.isContentLengthSet(oversized);
                // The body was not read, so the connection cannot be reused unless the client waits for 100-continue.
                r.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(r).addListener(f -> ctx.close());
                if (!keepAlive) {
                    return;
                }
            } else {
                ctx.close();
            }
        }
    }
}
