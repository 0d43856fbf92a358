package io.weir.server.it;

import io.weir.net.security.ClientTls;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code client_auth_type: RequireAndVerifyClientCert}: a client with a certificate signed by {@code client_ca_file}
 * is served; one without a certificate, or with a certificate from another CA, is not.
 */
class ClientCertificateTest {
    @Test
    void onlyClientsWithACertificateFromTheCaAreServed() throws Exception {
        Path dir = ExternalProcess.tempDir("mtls");
        try {
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=server",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "server.key", "-out", "server.crt");
            for (String ca : List.of("ca", "other-ca")) {
                openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + ca,
                        "-keyout", ca + ".key", "-out", ca + ".crt");
                openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=client-of-" + ca,
                        "-keyout", ca + "-client.key", "-out", ca + "-client.csr");
                openssl(dir, "x509", "-req", "-in", ca + "-client.csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                        "-CAcreateserial", "-days", "2", "-out", ca + "-client.crt");
            }
            Files.writeString(dir.resolve("web.yml"), """
                    tls_server_config:
                      cert_file: server.crt
                      key_file: server.key
                      client_auth_type: RequireAndVerifyClientCert
                      client_ca_file: ca.crt
                    """);
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: never}\nserver: {web_config_file: " + dir.resolve("web.yml") + "}\n")) {
                URI healthy = URI.create("https://127.0.0.1:" + node.port() + "/-/healthy");
                assertEquals(200, get(ClientTls.context(dir.resolve("server.crt"), dir.resolve("ca-client.crt"),
                        dir.resolve("ca-client.key")), healthy));
                refused(() -> get(ClientTls.context(dir.resolve("server.crt"), null, null), healthy));
                refused(() -> get(ClientTls.context(dir.resolve("server.crt"),
                        dir.resolve("other-ca-client.crt"), dir.resolve("other-ca-client.key")), healthy));
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /** Refused by the handshake, not left to time out. */
    private static void refused(org.junit.jupiter.api.function.Executable call) {
        IOException e = assertThrows(IOException.class, call);
        assertTrue(!(e instanceof java.net.http.HttpTimeoutException), e.toString());
    }

    private static int get(SSLContext ssl, URI uri) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build()) {
            return c.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
