package io.weir.server;

import io.weir.net.security.ClientTls;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * What a command-line client of a node or a backend presents: an https trust anchor and one credential (basic
 * auth or a bearer token read from a file, as Prometheus' {@code credentials_file}), so {@code weir snapshot},
 * {@code weir backfill} and {@code weir bench insert} work against a node with a web config (and backfill against
 * a protected backend) with the same options.
 *
 * @param basicAuth       {@code USER:PASSWORD}, or null
 * @param bearerTokenFile file holding a bearer token (surrounding whitespace trimmed), or null
 * @param caFile          PEM CA certificate to trust for https, or null for the JDK's default trust
 */
record HttpCredentials(String basicAuth, Path bearerTokenFile, Path caFile) {
    HttpCredentials {
        if (basicAuth != null && bearerTokenFile != null) {
            throw new IllegalArgumentException("give basic auth or a bearer token file, not both");
        }
        if (basicAuth != null && basicAuth.indexOf(':') < 0) {
            throw new IllegalArgumentException("basic auth must be USER:PASSWORD");
        }
    }

    /** The Authorization header value, or null when there is no credential. */
    String authorization() throws IOException {
        if (basicAuth != null) {
            return "Basic " + Base64.getEncoder().encodeToString(basicAuth.getBytes(StandardCharsets.UTF_8));
        }
        if (bearerTokenFile != null) {
            String token = Files.readString(bearerTokenFile, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("bearer token file " + bearerTokenFile + " is empty");
            }
            return "Bearer " + token;
        }
        return null;
    }

    /** An HTTP client trusting {@link #caFile} (when given). */
    HttpClient client(Duration connectTimeout) throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (caFile != null) {
            b.sslContext(ClientTls.context(caFile, null, null));
        }
        return b.build();
    }

    /** {@code builder} with the Authorization header when there is a credential. */
    HttpRequest.Builder authorize(HttpRequest.Builder builder) throws IOException {
        String a = authorization();
        return a == null ? builder : builder.header("Authorization", a);
    }
}
