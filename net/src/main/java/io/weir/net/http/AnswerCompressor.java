package io.weir.net.http;

import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Compresses JSON and text answers (gzip, or deflate) for clients whose {@code Accept-Encoding} asks for it, as
 * Prometheus and VictoriaMetrics do: Grafana asks, and a day-long panel of a thousand series is tens of megabytes of
 * JSON that shrinks several times, which matters more than the CPU once the answer crosses a network. Other answers
 * (snapshot files, already compressed; tiny ones) and answers the client did not ask to compress are sent as they are.
 * Streamed answers ({@code PartsBody}) are compressed slice by slice.
 */
final class AnswerCompressor extends HttpContentCompressor {
    /** Below this a full answer is sent as it is: the gzip framing and a core's time buy nothing. */
    static final int MIN_BYTES = 1024;

    AnswerCompressor(int level) {
        super(MIN_BYTES, StandardCompressionOptions.gzip(level, 15, 8), StandardCompressionOptions.deflate(level, 15, 8));
    }

    @Override
    protected Result beginEncode(HttpResponse response, String acceptEncoding) throws Exception {
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !(type.startsWith("application/json") || type.startsWith("text/"))) {
            return null;
        }
        return super.beginEncode(response, acceptEncoding);
    }
}
