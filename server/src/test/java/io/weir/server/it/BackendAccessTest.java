package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Weir's backend client with Prometheus' client keys (basic_auth with password_file, tls_config.ca_file, headers)
 * against a real VictoriaMetrics that serves only TLS and only to its basic-auth user: forwarded samples arrive
 * exactly and backend queries are answered; with the wrong password the backend's 401 is what the client sees
 * and nothing is forwarded.
 */
class BackendAccessTest {
    @Test
    void forwardsAndQueriesOverTlsWithBasicAuth() throws Exception {
        Path dir = ExternalProcess.tempDir("backend-tls");
        Path cert = dir.resolve("vm.crt");
        Path key = dir.resolve("vm.key");
        Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=vm", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out",
                cert.toString())).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        Files.writeString(dir.resolve("password"), "vm-secret\n");
        HttpClient client = clientTrusting(cert);
        String vmAuth = "Basic " + Base64.getEncoder().encodeToString("weir:vm-secret".getBytes(StandardCharsets.UTF_8));
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.startSecured(cert, key, "weir", "vm-secret", client)) {
            String vmUrl = "https://127.0.0.1:" + vm.port();
            String config = """
                    wal: {fsync: never}
                    backend:
                      url: %s
                      basic_auth: {username: weir, %s}
                      tls_config: {ca_file: %s}
                      headers: {X-Scope-OrgID: tenant-1}
                    """;
            long t = (System.currentTimeMillis() / 1000 - 60) * 1000;
            byte[] body = RemoteWriteBodies.body(new Series(new String[] {"__name__", "ba_metric", "job", "x"},
                    new long[] {t - 20_000, t - 10_000, t}, new double[] {1.5, 2.5, 3.5}));
            try (WeirTestNode node = WeirTestNode.start(config.formatted(vmUrl, "password_file: " + dir.resolve("password"), cert))) {
                assertEquals(204, RemoteWriteBodies.post(node.url(), body).status());
                long deadline = System.currentTimeMillis() + 60_000;
                while (Http.get(node.url() + "/health").json().path("components").path("forwarder").path("samples_sent").asLong() < 3) {
                    if (System.currentTimeMillis() > deadline) {
                        fail("forwarder did not send over TLS: " + Http.get(node.url() + "/health").body());
                    }
                    Thread.sleep(100);
                }
                client.send(HttpRequest.newBuilder(URI.create(vmUrl + "/internal/force_flush")).header("Authorization", vmAuth).build(),
                        HttpResponse.BodyHandlers.discarding());
                // a raw-sample query goes to the backend, through Weir's credentials
                Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query", "ba_metric[1m]", "time", Long.toString(t / 1000)));
                assertEquals(200, r.status(), r.body());
                assertEquals("backend", r.header("X-Weir-Source"));
                JsonNode values = r.json().path("data").path("result").get(0).path("values");
                assertEquals(3, values.size(), r.body());
                assertEquals("3.5", values.get(2).get(1).asText());
            }
            try (WeirTestNode wrong = WeirTestNode.start(config.formatted(vmUrl, "password: not-it", cert))) {
                assertEquals(204, RemoteWriteBodies.post(wrong.url(), body).status());
                Http.Response r = Http.get(wrong.url(), "/api/v1/query", Http.params("query", "ba_metric[1m]", "time", Long.toString(t / 1000)));
                assertEquals(401, r.status(), r.body());
                assertEquals(0, Http.get(wrong.url() + "/health").json().path("components").path("forwarder").path("samples_sent").asLong());
            }
        } finally {
            client.close();
            ExternalProcess.deleteRecursively(dir);
        }
    }

    private static HttpClient clientTrusting(Path cert) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            ks.setCertificateEntry("vm", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
