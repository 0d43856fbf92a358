package io.weir.server.config;

import io.weir.net.security.ClientTls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How Weir authenticates to its backend, with Prometheus' remote-write client keys under {@code backend:}:
 * {@code basic_auth} ({@code username}, {@code password} or {@code password_file}), {@code authorization}
 * ({@code type}, default Bearer; {@code credentials} or {@code credentials_file}), {@code tls_config}
 * ({@code ca_file}, {@code cert_file}, {@code key_file}) and {@code headers}. Secrets from files are read once, at
 * start-up. At most one of basic_auth and authorization.
 *
 * @param authorization the {@code Authorization} header value, or null
 * @param headers       custom headers (never {@code Authorization})
 */
public record BackendAccess(String authorization, Path caFile, Path certFile, Path keyFile, Map<String, String> headers) {
    public static final BackendAccess NONE = new BackendAccess(null, null, null, null, Map.of());

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Every header sent with each backend request. */
    public Map<String, String> requestHeaders() {
        Map<String, String> all = new LinkedHashMap<>(headers);
        if (authorization != null) {
            all.put("Authorization", authorization);
        }
        return all;
    }

    /** @return the TLS context for the backend, or null for the JDK's defaults */
    public SSLContext sslContext() throws IOException {
        return caFile == null && certFile == null ? null : ClientTls.context(caFile, certFile, keyFile);
    }

    @Override
    public String toString() { // never print the credentials
        return "BackendAccess[authorization=" + (authorization == null ? "none" : authorization.split(" ")[0] + " ***")
                + ", caFile=" + caFile + ", certFile=" + certFile + ", headers=" + headers.keySet() + "]";
    }
}
