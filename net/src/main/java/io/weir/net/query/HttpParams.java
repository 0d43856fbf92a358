package io.weir.net.query;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Request parameters as the Prometheus API reads them: the URL query string plus a form-encoded POST body. */
public final class HttpParams {
    private final Map<String, List<String>> values;

    private HttpParams(Map<String, List<String>> values) {
        this.values = values;
    }

    public static HttpParams of(FullHttpRequest request) {
        Map<String, List<String>> all = new HashMap<>(new QueryStringDecoder(request.uri()).parameters());
        if (request.method().equals(HttpMethod.POST)) {
            String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
            if (type.startsWith("application/x-www-form-urlencoded") && request.content().isReadable()) {
                String body = request.content().toString(StandardCharsets.UTF_8);
                new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters()
                        .forEach((k, v) -> all.merge(k, v, (a, b) -> {
                            List<String> merged = new java.util.ArrayList<>(a);
                            merged.addAll(b);
                            return merged;
                        }));
            }
        }
        return new HttpParams(all);
    }

    public static HttpParams of(Map<String, List<String>> values) { return new HttpParams(values); }

    /** @return the first value, or null */
    public String get(String name) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public List<String> all(String name) { return values.getOrDefault(name, List.of()); }
}
