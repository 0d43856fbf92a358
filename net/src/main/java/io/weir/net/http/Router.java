package io.weir.net.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps exact paths (and path prefixes ending in '/') to endpoints with their allowed methods. An unknown path is
 * 404, a known path with another method 405 with {@code Allow}; an endpoint that throws becomes a 500 and the
 * server keeps serving.
 */
@ChannelHandler.Sharable
public final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    private record Route(Set<HttpMethod> methods, HttpEndpoint endpoint) {}

    private final Map<String, Route> exact = new HashMap<>();
    private final Map<String, Route> prefixes = new LinkedHashMap<>();

    public Router route(String path, Set<HttpMethod> methods, HttpEndpoint endpoint) {
        Route r = new Route(methods, endpoint);
        if (path.endsWith("/")) {
            prefixes.put(path, r);
        } else {
            exact.put(path, r);
        }
        return this;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"), false);
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Route route = exact.get(path);
        if (route == null) {
            for (Map.Entry<String, Route> e : prefixes.entrySet()) {
                if (path.startsWith(e.getKey())) {
                    route = e.getValue();
                    break;
                }
            }
        }
        if (route == null) {
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.NOT_FOUND, "404 page not found: " + path), keepAlive);
            return;
        }
        if (!route.methods.contains(request.method())) {
            var response = HttpResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + request.method() + " not allowed for " + path);
            response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", route.methods.stream().map(HttpMethod::name).sorted().toList()));
            HttpResponses.send(ctx, response, keepAlive);
            return;
        }
        try {
            route.endpoint.handle(ctx, request, keepAlive);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "endpoint " + path + " failed", e);
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e), false);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.WARNING, "connection error: closing " + ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
