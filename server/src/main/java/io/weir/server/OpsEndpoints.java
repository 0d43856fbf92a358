package io.weir.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.engine.ingest.IngestStats;
import io.weir.net.backend.Forwarder;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.PromJson;
import io.weir.net.http.QueryPage;

import java.util.Locale;

/** The operational endpoints: health, readiness, own metrics, ingest stats, the query page. */
final class OpsEndpoints {
    private final WeirNode node;
    private final BuildInfo build;

    OpsEndpoints(WeirNode node, BuildInfo build) {
        this.node = node;
        this.build = build;
    }

    void healthy(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.OK, "Weir is Healthy."), keepAlive);
    }

    void ready(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        // routes exist only once start-up (WAL replay included) has finished
        HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.OK, "Weir is Ready."), keepAlive);
    }

    void metrics(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        StringBuilder sb = new StringBuilder(8192);
        node.metrics().writeText(sb);
        HttpResponses.send(ctx, HttpResponses.of(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", sb.toString()), keepAlive);
    }

    void ui(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        HttpResponses.send(ctx, HttpResponses.of(HttpResponseStatus.OK, "text/html; charset=utf-8", QueryPage.HTML), keepAlive);
    }

    void ingestStats(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        IngestStats s = node.ingestStats();
        long now = System.nanoTime();
        String json = String.format(Locale.ROOT,
                "{\"total_samples\":%d,\"total_requests\":%d,\"rejected_requests\":%d,\"throttled_requests\":%d,"
                        + "\"current_rate\":%.1f,\"average_rate\":%.1f,\"uptime_seconds\":%.1f,\"series\":%d,"
                        + "\"total_histograms\":%d,\"total_exemplars\":%d,\"total_metadata\":%d}",
                s.samples(), s.requests(), s.rejectedRequests(), s.throttledRequests(), s.currentRate(),
                s.averageRate(now), s.uptimeSeconds(now), node.series().liveSeries(), s.histograms(), s.exemplars(), s.metadata());
        HttpResponses.send(ctx, HttpResponses.json(HttpResponseStatus.OK, json), keepAlive);
    }

    void health(ChannelHandlerContext ctx, FullHttpRequest r, boolean keepAlive) {
        boolean ok = true;
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"version\":");
        PromJson.string(sb, build.version());
        sb.append(",\"components\":{");
        long free = node.ring().remainingCapacity();
        boolean ringOk = free > 0 && node.ring().consumerErrors() == 0;
        sb.append("\"ingest_ring\":{\"status\":\"").append(free > 0 ? "ok" : "full").append("\",\"free_slots\":").append(free)
                .append(",\"capacity\":").append(node.ring().capacity()).append(",\"consumer_errors\":").append(node.ring().consumerErrors()).append('}');
        long disk = node.wal().diskBytes();
        long maxDisk = node.config().wal().maxDiskBytes();
        boolean walOk = disk <= maxDisk;
        sb.append(",\"wal\":{\"status\":\"").append(walOk ? "ok" : "over_max_disk").append("\",\"disk_bytes\":").append(disk)
                .append(",\"max_disk_bytes\":").append(maxDisk).append(",\"repairs\":").append(node.wal().repairs()).append('}');
        Forwarder f = node.forwarder();
        if (f == null) {
            sb.append(",\"forwarder\":{\"status\":\"disabled\"},\"backend\":{\"status\":\"none\"}");
        } else {
            sb.append(",\"forwarder\":{\"status\":\"").append(f.backendUp() ? "ok" : "retrying").append("\",\"samples_sent\":").append(f.samplesSent())
                    .append(",\"retries\":").append(f.retries()).append(",\"samples_dropped\":").append(f.samplesDropped()).append(",\"last_error\":");
            PromJson.string(sb, f.lastError()).append('}');
            sb.append(",\"backend\":{\"status\":\"").append(f.backendUp() ? "up" : "down").append("\",\"url\":");
            PromJson.string(sb, String.valueOf(node.config().backend().url())).append('}');
            ok &= f.backendUp();
        }
        ok &= ringOk && walOk;
        sb.append("},\"status\":\"").append(ok ? "ok" : "degraded").append("\"}");
        HttpResponses.send(ctx, HttpResponses.json(HttpResponseStatus.OK, sb.toString()), keepAlive);
    }
}
