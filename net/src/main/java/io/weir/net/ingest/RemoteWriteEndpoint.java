package io.weir.net.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.weir.engine.ingest.IngestStats;
import io.weir.net.http.HttpEndpoint;
import io.weir.net.http.HttpResponses;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWrite2Decoder;
import io.weir.net.remotewrite.RemoteWriteContentType;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.weir.net.remotewrite.SnappyProtobufDecoder;

/**
 * {@code POST /api/v1/write}: remote write 1.0 and 2.0, told apart by Content-Type ({@link RemoteWriteContentType}).
 * On the event loop: copy the body once, decode it whole (so a bad request is refused before anything changes),
 * resolve series ids, put the samples on the ring. The 204 is sent by the journaler once the request is in the WAL,
 * with the {@code X-Prometheus-Remote-Write-*-Written} counts of the 2.0 specification (on 1.0 answers too: senders
 * that do not know them ignore them).
 */
public final class RemoteWriteEndpoint implements HttpEndpoint {
    private static final System.Logger LOG = System.getLogger(RemoteWriteEndpoint.class.getName());
    private static final String RETRY_AFTER_SECONDS = "1";
    static final String SAMPLES_WRITTEN = "X-Prometheus-Remote-Write-Samples-Written";
    static final String HISTOGRAMS_WRITTEN = "X-Prometheus-Remote-Write-Histograms-Written";
    static final String EXEMPLARS_WRITTEN = "X-Prometheus-Remote-Write-Exemplars-Written";

    private final IngestPath ingest;
    private final int maxRequestBytes;
    private final boolean backfill;
    private final FastThreadLocal<LoopState> loopState = new FastThreadLocal<>() {
        @Override
        protected LoopState initialValue() { return new LoopState(); }
    };

    public RemoteWriteEndpoint(IngestPath ingest, long maxRequestBytes) {
        this(ingest, maxRequestBytes, false);
    }

    /**
     * @param backfill true for {@code POST /api/v1/admin/backfill}: the body is history read from the backend
     *                 ({@code ./weir backfill}); its float samples are kept and journaled as backfill, never forwarded,
     *                 and a body with histograms, exemplars or metadata is refused (400) since those are only forwarded
     */
    public RemoteWriteEndpoint(IngestPath ingest, long maxRequestBytes, boolean backfill) {
        this.ingest = ingest;
        this.maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes);
        this.backfill = backfill;
    }

    /** Everything one event loop reuses from request to request; touched only by that loop's thread. */
    private final class LoopState {
        final RemoteWriteDecoder decoder = new RemoteWriteDecoder(maxRequestBytes);
        final RemoteWrite2Decoder decoder2 = new RemoteWrite2Decoder(maxRequestBytes);
        final DecodedWriteRequest decoded = new DecodedWriteRequest();
        final IngestPath.Writer writer = ingest.newWriter();
        byte[] body = new byte[64 * 1024];

        LoopState() {
            // backfill is rare and one-off; relabel rules need every label set decoded
            if (!backfill && !ingest.relabels()) {
                decoder.deferKnownLabels(writer.knownLabelSets());
            }
        }
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        IngestStats stats = ingest.stats();
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.equalsIgnoreCase("snappy")) {
            stats.rejected();
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported Content-Encoding \"" + encoding + "\": remote write bodies (1.0 and 2.0) are snappy-compressed"), keepAlive);
            return;
        }
        int version = RemoteWriteContentType.version(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        if (version == RemoteWriteContentType.UNSUPPORTED) {
            stats.rejected();
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported Content-Type \"" + request.headers().get(HttpHeaderNames.CONTENT_TYPE) + "\"; accepted: "
                            + RemoteWriteContentType.ACCEPTED), keepAlive);
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
        SnappyProtobufDecoder decoder = version == RemoteWriteContentType.V2 ? s.decoder2 : s.decoder;
        int code = decoder.decode(s.body, 0, length, d);
        if (code != RemoteWriteStatus.OK) {
            stats.rejected();
            HttpResponseStatus status = HttpResponseStatus.valueOf(RemoteWriteStatus.httpStatus(code));
            FullHttpResponse r = HttpResponses.text(status, decoder.errorMessage());
            written(r, 0, 0, 0); // the request is refused whole: nothing of it was written
            HttpResponses.send(ctx, r, keepAlive);
            return;
        }
        if (backfill && d.hasExtras()) {
            stats.rejected();
            FullHttpResponse r = HttpResponses.text(HttpResponseStatus.BAD_REQUEST, "backfill takes float samples only:"
                    + " histograms, exemplars and metadata are not summarised by sketches and would only be forwarded back");
            written(r, 0, 0, 0);
            HttpResponses.send(ctx, r, keepAlive);
            return;
        }
        Ticket ticket = new Ticket(ctx, keepAlive);
        int published = backfill ? s.writer.publishBackfill(d, ticket) : s.writer.publish(d, ticket);
        if (published == IngestPath.NEEDS_LABELS && decoder == s.decoder) {
            // a known label set was forgotten between decode and publish (cache emptied, series expired): nothing
            // was done with the request; decode it whole (it decoded before, so it does again) and publish it
            int again = s.decoder.decodeAllLabels(s.body, 0, length, d);
            if (again != RemoteWriteStatus.OK) {
                throw new IllegalStateException("a request that decoded once failed to decode again: " + s.decoder.errorMessage());
            }
            published = s.writer.publish(d, ticket);
        }
        switch (published) {
            case IngestPath.EMPTY -> ticket.durable();
            case IngestPath.RING_FULL -> sendRetryLater(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "ingest ring is full; retry later", keepAlive);
            case IngestPath.WAL_FULL -> sendWalFull(ctx, keepAlive);
            case IngestPath.LIMITED -> sendRefusal(ctx, s.writer.refusal(), keepAlive);
            case IngestPath.EXTRAS_TOO_LARGE -> {
                FullHttpResponse r = HttpResponses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request's histograms,"
                        + " exemplars and metadata encode to " + d.extrasSize() + " bytes with their series' labels, over the"
                        + " limit of " + IngestPath.MAX_EXTRAS_BYTES + "; send them in smaller requests");
                written(r, 0, 0, 0);
                HttpResponses.send(ctx, r, keepAlive);
            }
            case IngestPath.NEEDS_LABELS -> throw new IllegalStateException("a request decoded whole still lacked labels");
            default -> { } // PUBLISHED: the journaler answers
        }
    }

    private static void sendRefusal(ChannelHandlerContext ctx, IngestLimits.Refusal refusal, boolean keepAlive) {
        if (refusal.status().code() == 429) {
            sendRetryLater(ctx, refusal.status(), refusal.message(), keepAlive);
        } else {
            HttpResponses.send(ctx, HttpResponses.text(refusal.status(), refusal.message()), keepAlive);
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

    private static void written(FullHttpResponse r, int samples, int histograms, int exemplars) {
        r.headers().setInt(SAMPLES_WRITTEN, samples);
        r.headers().setInt(HISTOGRAMS_WRITTEN, histograms);
        r.headers().setInt(EXEMPLARS_WRITTEN, exemplars);
    }

    /**
     * Answers the sender from the journaler thread; Netty runs the write on the channel's event loop. The counts are
     * what the node keeps after relabeling, set by the event loop before the ring publishes the request (the ring's
     * publication makes them visible to the journaler).
     */
    private static final class Ticket implements IngestPath.CountedTicket {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private int samples;
        private int histograms;
        private int exemplars;

        Ticket(ChannelHandlerContext ctx, boolean keepAlive) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
        }

        @Override
        public void written(int samples, int histograms, int exemplars) {
            this.samples = samples;
            this.histograms = histograms;
            this.exemplars = exemplars;
        }

        @Override
        public void durable() {
            FullHttpResponse r = HttpResponses.noContent();
            RemoteWriteEndpoint.written(r, samples, histograms, exemplars);
            HttpResponses.send(ctx, r, keepAlive);
        }

        @Override
        public void failed(String reason) {
            LOG.log(System.Logger.Level.WARNING, "remote write not journaled: " + reason);
            sendRetryLater(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "write-ahead log failed: " + reason, keepAlive);
        }
    }
}
