package io.weir.net.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * One route of the server. Called on a Netty event loop: must not block. The request is released by the
 * caller after {@code handle} returns, so an endpoint that answers later copies what it needs first.
 */
@FunctionalInterface
public interface HttpEndpoint {
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive);
}
