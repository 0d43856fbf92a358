package io.weir.net.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.weir.engine.ingest.IngestPublisher;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.IngestTicket;
import io.weir.engine.series.SeriesResolver;
import io.weir.engine.series.SeriesTable;
import io.weir.net.http.HttpEndpoint;
import io.weir.net.http.HttpResponses;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;

import java.util.function.BooleanSupplier;

/**
 * {@code POST /api/v1/write}: remote write 1.0. On the event loop: copy the body once, decode it whole (so a bad
 * request is refused before anything changes), resolve series ids, put the samples on the ring. The 204 is
 * sent by the journaler once the request is in the WAL.
 */
public final class RemoteWriteEndpoint implements HttpEndpoint {
    private static final System.Logger LOG = System.getLogger(RemoteWriteEndpoint.class.getName());
    private static final String RETRY_AFTER_SECONDS = "1";

    private final SeriesTable series;
    private final IngestRing ring;
    private final IngestStats stats;
    private final BooleanSupplier walOverCap;
    private final int maxRequestBytes;
    private final IngestLimits limits;
    private final FastThreadLocal<LoopState> loopState = new FastThreadLocal<>() {
        @Override
        protected LoopState initialValue() { return new LoopState(); }
    };

    public RemoteWriteEndpoint(SeriesTable series, IngestRing ring, IngestStats stats, BooleanSupplier walOverCap, long maxRequestBytes) {
        this(series, ring, stats, walOverCap, maxRequestBytes, new IngestLimits(IngestLimits.Config.NONE, series::size));
    }

    public RemoteWriteEndpoint(SeriesTable series, IngestRing ring, IngestStats stats, BooleanSupplier walOverCap,
                               long maxRequestBytes, IngestLimits limits) {
        this.limits = limits;
        this.series = series;
        this.ring = ring;
        this.stats = stats;
        this.walOverCap = walOverCap;
        this.maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes);
    }

    /** Everything one event loop reuses from request to request; touched only by that loop's thread. */
    private final class LoopState {
        final RemoteWriteDecoder decoder = new RemoteWriteDecoder(maxRequestBytes);
        final DecodedWriteRequest decoded = new DecodedWriteRequest();
        final SeriesResolver resolver = series.newResolver();
        final IngestPublisher publisher = ring.newPublisher();
        byte[] body = new byte[64 * 1024];
        int[] sampleIds = new int[4096];
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.equalsIgnoreCase("snappy")) {
            stats.rejected();
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported Content-Encoding \"" + encoding + "\": remote write 1.0 bodies are snappy-compressed"), keepAlive);
            return;
        }
        if (walOverCap.getAsBoolean()) {
            stats.throttled();
            sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "WAL is at wal.max_disk while the backend catches up; retry later", keepAlive);
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
        IngestLimits.Refusal refusal = limits.check(d, s.resolver);
        if (refusal != null) {
            if (refusal.status() == HttpResponseStatus.TOO_MANY_REQUESTS) {
                stats.throttled();
                sendRetryLater(ctx, refusal.status(), refusal.message(), keepAlive);
            } else {
                stats.rejected();
                HttpResponses.send(ctx, HttpResponses.text(refusal.status(), refusal.message()), keepAlive);
            }
            return;
        }
        int samples = d.sampleCount();
        if (samples == 0) {
            // metadata-only or empty requests are valid and carry nothing to journal
            stats.accepted(0, d.seriesCount());
            HttpResponses.send(ctx, HttpResponses.noContent(), keepAlive);
            return;
        }
        if (s.sampleIds.length < samples) {
            s.sampleIds = new int[Math.max(samples, s.sampleIds.length * 2)];
        }
        int[] ids = s.sampleIds;
        byte[] buf = d.buf();
        int[] nameOff = d.labelNameOffsets();
        int[] nameLen = d.labelNameLengths();
        int[] valueOff = d.labelValueOffsets();
        int[] valueLen = d.labelValueLengths();
        for (int series = 0, n = d.seriesCount(); series < n; series++) {
            int sampleCount = d.seriesSampleCount(series);
            if (sampleCount == 0) {
                continue;
            }
            int id = s.resolver.resolve(buf, nameOff, nameLen, valueOff, valueLen, d.seriesFirstLabel(series), d.seriesLabelCount(series));
            int first = d.seriesFirstSample(series);
            java.util.Arrays.fill(ids, first, first + sampleCount, id);
        }
        Ticket ticket = new Ticket(ctx, keepAlive);
        if (!s.publisher.publish(ids, d.timestamps(), d.values(), samples, ticket)) {
            stats.throttled();
            sendRetryLater(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "ingest ring is full; retry later", keepAlive);
            return;
        }
        stats.accepted(samples, d.seriesCount());
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
