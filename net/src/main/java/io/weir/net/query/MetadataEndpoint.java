package io.weir.net.query;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.weir.engine.query.promql.PromQLParseException;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.engine.query.eval.Labels;
import io.weir.engine.series.SeriesTable;
import io.weir.net.backend.BackendClient;
import io.weir.net.http.GzipParts;
import io.weir.net.http.HttpEndpoint;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.PromJson;
import org.roaringbitmap.RoaringBitmap;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code series}, {@code labels}, {@code label/<name>/values}, {@code metadata}, {@code query_exemplars},
 * {@code status/buildinfo}: proxied to the backend when there is one (it holds all history), otherwise served from
 * the local series index, with {@code match[]} and {@code limit}. Locally, {@code start}/{@code end} are not
 * applied: the index holds every series the node has seen. Sketches keep no exemplars: locally that list is empty.
 */
public final class MetadataEndpoint implements HttpEndpoint {
    private static final int MAX_SERIES = 100_000;

    private final SeriesTable series;
    private final BackendClient backend;
    private final ExecutorService executor;
    private final String version;
    /** {@code server.response_compression_level}: 0 = answers are never compressed, not even the backend's. */
    private final int compressionLevel;

    public MetadataEndpoint(SeriesTable series, BackendClient backend, ExecutorService executor, String version,
                            int compressionLevel) {
        this.series = series;
        this.backend = backend;
        this.executor = executor;
        this.version = version;
        this.compressionLevel = compressionLevel;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        String uri = request.uri();
        String path = new QueryStringDecoder(uri).path();
        if (backend != null) {
            byte[] body = ByteBufUtil.getBytes(request.content());
            boolean gzip = GzipParts.taken(compressionLevel, request);
            backend.relay(request.method().name(), uri, body, request.headers().get(HttpHeaderNames.CONTENT_TYPE), gzip,
                    new RelayedAnswer(ctx, keepAlive, backend.base().toString(), answered -> { }, QueryEndpoint.SOURCE_HEADER, "backend"));
            return;
        }
        HttpParams params = HttpParams.of(request);
        try {
            executor.execute(() -> local(ctx, keepAlive, path, params));
        } catch (RejectedExecutionException e) {
            send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, PromJson.error("unavailable", "too many requests in flight"), "local");
        }
    }

    private void local(ChannelHandlerContext ctx, boolean keepAlive, String path, HttpParams params) {
        RoaringBitmap within;
        try {
            within = selection(params.all("match[]"));
        } catch (PromQLParseException | IllegalArgumentException e) {
            send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", "invalid parameter \"match[]\": " + e.getMessage()), "local");
            return;
        }
        int limit;
        try {
            limit = limit(params.get("limit"));
        } catch (IllegalArgumentException e) {
            send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", e.getMessage()), "local");
            return;
        }
        StringBuilder sb = new StringBuilder(256).append("{\"status\":\"success\",\"data\":");
        if (path.equals("/api/v1/labels")) {
            stringArray(sb, truncate(series.index().labelNames(within), limit));
        } else if (path.startsWith("/api/v1/label/") && path.endsWith("/values")) {
            String name = QueryStringDecoder.decodeComponent(path.substring("/api/v1/label/".length(), path.length() - "/values".length()));
            stringArray(sb, truncate(series.index().labelValues(name, within), limit));
        } else if (path.equals("/api/v1/query_exemplars")) {
            // sketches keep no exemplars: the answer Prometheus gives for series without any
            sb.append("[]");
        } else if (path.equals("/api/v1/series")) {
            if (within == null) {
                send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", "no match[] parameter provided"), "local");
                return;
            }
            List<Labels> found = new java.util.ArrayList<>();
            for (int id : within) {
                if (found.size() == MAX_SERIES) {
                    break;
                }
                found.add(Labels.of(series.labels(id)));
            }
            // Prometheus returns series sorted by their label sets
            java.util.Collections.sort(found);
            sb.append('[');
            int n = 0;
            for (Labels l : truncate(found, limit)) {
                if (n++ > 0) {
                    sb.append(',');
                }
                sb.append('{');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    PromJson.string(sb, l.name(i)).append(':');
                    PromJson.string(sb, l.value(i));
                }
                sb.append('}');
            }
            sb.append(']');
        } else if (path.equals("/api/v1/metadata")) {
            sb.append("{}");
        } else if (path.equals("/api/v1/status/buildinfo")) {
            sb.append("{\"version\":");
            PromJson.string(sb, version).append(",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}");
        } else {
            send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, PromJson.error("not_found", "unknown endpoint " + path), "local");
            return;
        }
        sb.append('}');
        send(ctx, keepAlive, HttpResponseStatus.OK, sb.toString(), "local");
    }

    /** {@code limit}: a non-negative integer, 0 (or absent) for no limit, as in Prometheus' API. */
    static int limit(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        try {
            int v = Integer.parseInt(text.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid parameter \"limit\": cannot parse \"" + text + "\" to a valid limit");
        }
    }

    private static <T> List<T> truncate(List<T> l, int limit) {
        return limit > 0 && l.size() > limit ? l.subList(0, limit) : l;
    }

    private RoaringBitmap selection(List<String> matches) {
        if (matches.isEmpty()) {
            return null;
        }
        RoaringBitmap union = new RoaringBitmap();
        for (String m : matches) {
            union.or(series.index().select(PromQLParser.parseSelector(m).matchers()));
        }
        return union;
    }

    private static void stringArray(StringBuilder sb, List<String> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            PromJson.string(sb, values.get(i));
        }
        sb.append(']');
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String json, String source) {
        FullHttpResponse r = HttpResponses.json(status, json);
        r.headers().set(QueryEndpoint.SOURCE_HEADER, source);
        HttpResponses.send(ctx, r, keepAlive);
    }
}
