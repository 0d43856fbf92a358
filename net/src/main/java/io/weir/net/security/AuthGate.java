package io.weir.net.security;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.weir.net.http.HttpResponses;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets a request through only with a credential that holds the role its path needs ({@link Role#requiredFor}).
 * Sits before body aggregation, so a refused client cannot make the node buffer its body: the refusal (401 with
 * {@code WWW-Authenticate}, or 403 for a known credential without the role) is sent and the connection closed.
 * <p>
 * One instance per connection, used by its event loop only. While bcrypt runs elsewhere, reading is paused and
 * whatever the decoder already produced is queued, then replayed in order once the verdict is in.
 */
public final class AuthGate extends ChannelInboundHandlerAdapter {
    private enum State { PASS, PENDING, REFUSED }

    private final Authenticator authenticator;
    private final LongAdder refusals;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private State state = State.PASS;

    public AuthGate(Authenticator authenticator, LongAdder refusals) {
        this.authenticator = authenticator;
        this.refusals = refusals;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case PENDING -> held.add(msg);
            case REFUSED -> ReferenceCountUtil.release(msg);
            case PASS -> {
                if (msg instanceof HttpRequest request) {
                    admit(ctx, request);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
        }
    }

    private void admit(ChannelHandlerContext ctx, HttpRequest request) {
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        Authenticator.Verdict quick = authenticator.quick(authorization);
        if (quick != null) {
            decide(ctx, request, quick);
            return;
        }
        state = State.PENDING;
        // first: when replaying a pipelined request, its own content is still queued behind it
        held.addFirst(request);
        ctx.channel().config().setAutoRead(false);
        authenticator.verifyAsync(authorization).whenComplete((verdict, failure) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive() || held.isEmpty()) {
                return; // closed meanwhile: handlerRemoved released what was held
            }
            held.poll(); // the request itself, first in the queue
            if (failure != null) {
                refuse(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many logins being checked; retry later");
            } else {
                state = State.PASS;
                decide(ctx, request, verdict);
            }
            while (state == State.PASS && !held.isEmpty()) {
                channelRead(ctx, held.poll());
            }
            if (state == State.REFUSED) {
                held.forEach(ReferenceCountUtil::release);
                held.clear();
            }
            ctx.channel().config().setAutoRead(true);
        }));
    }

    private void decide(ChannelHandlerContext ctx, HttpRequest request, Authenticator.Verdict verdict) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Role need = Role.requiredFor(path);
        if (!verdict.authenticated()) {
            refuse(ctx, request, HttpResponseStatus.UNAUTHORIZED, "unauthorized: valid credentials required");
        } else if (!verdict.roles().contains(need)) {
            refuse(ctx, request, HttpResponseStatus.FORBIDDEN, "forbidden: " + verdict.principal() + " lacks the "
                    + need.configName() + " role that " + path + " needs");
        } else {
            ctx.fireChannelRead(request);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String message) {
        refusals.increment();
        ReferenceCountUtil.release(request);
        FullHttpResponse r = HttpResponses.text(status, message);
        if (status == HttpResponseStatus.UNAUTHORIZED) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"weir\", Bearer realm=\"weir\"");
        }
        // The body (if any) is not read, so the connection cannot carry another request.
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        state = State.REFUSED;
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }
}
