package io.weir.net.backend;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * HTTP access to the backend TSDB (VictoriaMetrics or Prometheus): query proxying and remote write. Thread-safe.
 * Queries go through {@link BackendQueryChannels} (Netty, kept-alive connections: a forwarded query's latency is the
 * product's); remote write through the JDK client (per forwarded batch, blocking, never per sample).
 */
public final class BackendClient implements AutoCloseable {
    private final URI base;
    private final URI remoteWriteUrl;
    private final Duration timeout;
    private final HttpClient http;
    private final BackendQueryChannels queries;
    /** Sent with every request: credentials ({@code Authorization}) and configured custom headers. */
    private final Map<String, String> headers;

    public BackendClient(URI base, URI remoteWriteUrl, Duration timeout, Executor executor) {
        this(base, remoteWriteUrl, timeout, executor, Map.of(), null);
    }

    /**
     * @param headers header name -> value added to every request (e.g. {@code Authorization}, {@code X-Scope-OrgID})
     * @param ssl     TLS context for https backends; null = the JDK's default trust
     */
    public BackendClient(URI base, URI remoteWriteUrl, Duration timeout, Executor executor, Map<String, String> headers,
                         SSLContext ssl) {
        this.base = stripTrailingSlash(base);
        this.remoteWriteUrl = remoteWriteUrl != null ? remoteWriteUrl : URI.create(this.base + "/api/v1/write");
        this.timeout = timeout;
        this.headers = Map.copyOf(headers);
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
                .executor(executor);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
        this.queries = new BackendQueryChannels(this.base, timeout.toMillis(), this.headers, ssl);
    }

    private static URI stripTrailingSlash(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : u;
    }

    public URI base() { return base; }

    public URI remoteWriteUrl() { return remoteWriteUrl; }

    /** A whole backend answer: its status, content type and plain body. */
    public record Answer(int status, String contentType, byte[] body) {}

    /**
     * Sends a query-API request on, keeping method, path, query string and form body as the client sent them, and
     * collects the answer. Completes exceptionally when the backend cannot be reached.
     */
    public CompletableFuture<Answer> forward(String method, String pathAndQuery, byte[] body, String contentType) {
        return queries.forward(method, pathAndQuery, body, contentType);
    }

    /**
     * As {@link #forward}, the answer handed to {@code sink} as it arrives (a relay to a client). With
     * {@code gzipTaken} the backend is asked for gzip and a gzip body is handed on compressed: the backend compresses
     * what it sends anyway, and the node neither inflates nor compresses again.
     */
    public void relay(String method, String pathAndQuery, byte[] body, String contentType, boolean gzipTaken,
                      AnswerSink sink) {
        queries.relay(method, pathAndQuery, body, contentType, gzipTaken, sink);
    }

    /** Posts one snappy-compressed remote-write 1.0 body; returns the HTTP status. */
    public int remoteWrite(byte[] body, int length) throws java.io.IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(remoteWriteUrl);
        headers.forEach(b::header);
        HttpRequest request = b
                .timeout(timeout)
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .header("User-Agent", "weir")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body, 0, length))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() {
        queries.close();
        http.close();
    }
}
