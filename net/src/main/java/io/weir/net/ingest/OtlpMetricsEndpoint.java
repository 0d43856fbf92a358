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
import io.weir.net.otlp.GzipBody;
import io.weir.net.otlp.OtlpMetricsDecoder;
import io.weir.net.otlp.OtlpResponses;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;

import java.util.concurrent.atomic.LongAdder;

/**
 * {@code POST /opentelemetry/v1/metrics} (and {@code /v1/metrics}): OTLP/HTTP metrics in protobuf, plain or gzip.
 * On the event loop: copy the body once, gunzip it under {@code server.max_request_bytes}, decode and translate it
 * whole (a malformed body is refused with 400 before anything changes), then publish the series through the
 * {@link IngestPath} like remote write. The 200 with its {@code ExportMetricsServiceResponse} (carrying
 * {@code partial_success} when points were refused) is sent by the journaler once the samples are in the WAL.
 */
public final class OtlpMetricsEndpoint implements HttpEndpoint {
    private static final System.Logger LOG = System.getLogger(OtlpMetricsEndpoint.class.getName());
    private static final String PROTOBUF = "application/x-protobuf";
    private static final String RETRY_AFTER_SECONDS = "1";

    private final IngestPath ingest;
    private final int maxRequestBytes;
    /** Points refused in partial_success answers that were sent (a refused point is never silent). */
    private final LongAdder rejectedPoints = new LongAdder();
    private final FastThreadLocal<LoopState> loopState = new FastThreadLocal<>() {
        @Override
        protected LoopState initialValue() { return new LoopState(); }
    };

    public OtlpMetricsEndpoint(IngestPath ingest, long maxRequestBytes) {
        this.ingest = ingest;
        this.maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes);
    }

    /** @return data points refused (partial_success) in answered requests, since start */
    public long rejectedPoints() { return rejectedPoints.sum(); }

    /** Everything one event loop reuses from request to request; touched only by that loop's thread. */
    private final class LoopState {
        final OtlpMetricsDecoder decoder = new OtlpMetricsDecoder();
        final GzipBody gzip = new GzipBody();
        final DecodedWriteRequest decoded = new DecodedWriteRequest();
        final IngestPath.Writer writer = ingest.newWriter();
        byte[] body = new byte[64 * 1024];
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        IngestStats stats = ingest.stats();
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        String mediaType = contentType == null ? PROTOBUF : contentType.split(";", 2)[0].trim().toLowerCase();
        if (!mediaType.equals(PROTOBUF)) {
            stats.rejected();
            String message = mediaType.equals("application/json")
                    ? "OTLP/HTTP JSON is not supported: send protobuf (Content-Type: application/x-protobuf)"
                    : "unsupported Content-Type \"" + contentType + "\": OTLP/HTTP metrics must be application/x-protobuf";
            FullHttpResponse r = mediaType.equals("application/json")
                    ? HttpResponses.json(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, OtlpResponses.statusJson(OtlpResponses.UNIMPLEMENTED, message))
                    : status(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, OtlpResponses.UNIMPLEMENTED, message);
            HttpResponses.send(ctx, r, keepAlive);
            return;
        }
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            stats.rejected();
            HttpResponses.send(ctx, status(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, OtlpResponses.UNIMPLEMENTED,
                    "unsupported Content-Encoding \"" + encoding + "\": OTLP/HTTP bodies are plain or gzip"), keepAlive);
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
        byte[] data = s.body;
        if (gzip) {
            int n = s.gzip.inflate(s.body, 0, length, maxRequestBytes);
            if (n < 0) {
                stats.rejected();
                HttpResponseStatus st = n == GzipBody.TOO_LARGE ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
                HttpResponses.send(ctx, status(st, OtlpResponses.INVALID_ARGUMENT, s.gzip.errorMessage()), keepAlive);
                return;
            }
            data = s.gzip.buffer();
            length = n;
        }
        DecodedWriteRequest d = s.decoded;
        if (s.decoder.decode(data, 0, length, d) != RemoteWriteStatus.OK) {
            stats.rejected();
            HttpResponses.send(ctx, status(HttpResponseStatus.BAD_REQUEST, OtlpResponses.INVALID_ARGUMENT,
                    "malformed OTLP ExportMetricsServiceRequest: " + s.decoder.errorMessage()), keepAlive);
            return;
        }
        long rejected = s.decoder.rejectedPoints();
        byte[] answer = OtlpResponses.export(rejected, s.decoder.rejectionMessage());
        switch (s.writer.publish(d, new Ticket(ctx, keepAlive, answer, rejected, rejectedPoints))) {
            case IngestPath.EMPTY -> {
                rejectedPoints.add(rejected);
                HttpResponses.send(ctx, ok(answer), keepAlive);
            }
            case IngestPath.RING_FULL -> sendRetryLater(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, OtlpResponses.RESOURCE_EXHAUSTED,
                    "ingest ring is full; retry later", keepAlive);
            case IngestPath.WAL_FULL -> sendWalFull(ctx, keepAlive);
            case IngestPath.LIMITED -> {
                IngestLimits.Refusal refusal = s.writer.refusal();
                if (refusal.status().code() == 429) {
                    sendRetryLater(ctx, refusal.status(), OtlpResponses.RESOURCE_EXHAUSTED, refusal.message(), keepAlive);
                } else {
                    HttpResponses.send(ctx, status(refusal.status(), OtlpResponses.INVALID_ARGUMENT, refusal.message()), keepAlive);
                }
            }
            default -> { } // PUBLISHED: the journaler answers
        }
    }

    private static FullHttpResponse ok(byte[] answer) {
        return HttpResponses.of(HttpResponseStatus.OK, PROTOBUF, answer);
    }

    private static FullHttpResponse status(HttpResponseStatus http, int code, String message) {
        return HttpResponses.of(http, PROTOBUF, OtlpResponses.status(code, message));
    }

    private static void sendWalFull(ChannelHandlerContext ctx, boolean keepAlive) {
        sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, OtlpResponses.UNAVAILABLE,
                "WAL is at wal.max_disk while the backend catches up; retry later", keepAlive);
    }

    private static void sendRetryLater(ChannelHandlerContext ctx, HttpResponseStatus http, int code, String message, boolean keepAlive) {
        FullHttpResponse r = status(http, code, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        HttpResponses.send(ctx, r, keepAlive);
    }

    /** Answers the sender from the journaler thread; Netty runs the write on the channel's event loop. */
    private record Ticket(ChannelHandlerContext ctx, boolean keepAlive, byte[] answer, long rejected, LongAdder rejectedTotal)
            implements IngestTicket {
        @Override
        public void durable() {
            rejectedTotal.add(rejected);
            HttpResponses.send(ctx, ok(answer), keepAlive);
        }

        @Override
        public void failed(String reason) {
            LOG.log(System.Logger.Level.WARNING, "OTLP metrics not journaled: " + reason);
            sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, OtlpResponses.UNAVAILABLE,
                    "write-ahead log failed: " + reason, keepAlive);
        }
    }
}
