package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.RemoteWriteBodies.Series;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TLS and authentication from the shipped example web config (docs/web-config.example.yml), which promtool
 * accepts: a real Prometheus 2.42 remote-writes over TLS with basic auth and its samples arrive; a Prometheus with
 * the wrong password, requests without or with wrong credentials, and a read-only credential on the write path
 * are refused and nothing of theirs is ingested; the write credential cannot read; a renewed certificate is
 * served without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSecurityTest {
    private static final Path EXAMPLE = Path.of("..", "docs", "web-config.example.yml");
    private static final String WRITER = basic("prometheus", "write-secret");
    private static final String READER = basic("grafana", "read-secret");
    private static final String ADMIN_TOKEN = "an-admin-token-of-32-characters!";

    private Path dir;
    private WeirTestNode node;
    private HttpClient client;
    private String base;

    @BeforeAll
    void start() throws Exception {
        dir = ExternalProcess.tempDir("weir-tls");
        certificate(dir.resolve("weir.crt"), dir.resolve("weir.key"), "weir-1");
        Path web = dir.resolve("web-config.yml");
        Files.copy(EXAMPLE, web, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("admin.token"), ADMIN_TOKEN + "\n");
        node = WeirTestNode.start("""
                wal: {fsync: never}
                server:
                  web_config_file: %s
                  authorization:
                    users: {prometheus: [write], grafana: [read]}
                    bearer_tokens:
                      - {name: ops, token_file: %s, roles: [read, admin]}
                """.formatted(web, dir.resolve("admin.token")));
        base = "https://127.0.0.1:" + node.port();
        client = clientTrusting(dir.resolve("weir.crt"));
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        if (client != null) {
            client.close();
        }
        ExternalProcess.deleteRecursively(dir);
    }

    @Test
    void promtoolAcceptsTheExampleWebConfig() throws Exception {
        Process p = new ProcessBuilder("promtool", "check", "web-config", dir.resolve("web-config.yml").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SUCCESS"), out);
    }

    /**
     * The command-line clients of a secured node present credentials: {@code weir snapshot} is refused without the
     * admin role and taken with the admin bearer token; {@code weir backfill} reads a TLS + basic-auth
     * VictoriaMetrics with its {@code --from-*} credentials and posts to the node with the admin token, and the
     * samples are answered by the node; without the node credential it fails and posts nothing.
     */
    @Test
    void commandLineClientsPresentCredentials() throws Exception {
        String ca = dir.resolve("weir.crt").toString();
        String token = dir.resolve("admin.token").toString();
        assertEquals(1, cli("snapshot", "--url", base, "--ca-file", ca));
        assertEquals(1, cli("snapshot", "--url", base, "--ca-file", ca, "--basic-auth", "prometheus:write-secret"));
        assertEquals(0, cli("snapshot", "--url", base, "--ca-file", ca, "--bearer-token-file", token));

        long t = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.startSecured(dir.resolve("weir.crt"), dir.resolve("weir.key"),
                "vmuser", "vm-secret", client)) {
            String vmUrl = "https://127.0.0.1:" + vm.port();
            String vmAuth = basic("vmuser", "vm-secret");
            byte[] body = RemoteWriteBodies.body(new Series(new String[] {"__name__", "bf_secure", "job", "bf"},
                    new long[] {t, t + 15_000, t + 30_000, t + 45_000}, new double[] {1, 2, 3, 4}));
            HttpResponse<String> w = client.send(HttpRequest.newBuilder(URI.create(vmUrl + "/api/v1/write"))
                    .header("Authorization", vmAuth).header("Content-Encoding", "snappy")
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, w.statusCode(), w.body());
            client.send(HttpRequest.newBuilder(URI.create(vmUrl + "/internal/force_flush")).header("Authorization", vmAuth).build(),
                    HttpResponse.BodyHandlers.discarding());
            String start = Long.toString(t / 1000 - 1);
            String end = Long.toString(t / 1000 + 60);
            // the backend's credentials given, the node's not: refused by the node, nothing posted
            assertEquals(1, cli("backfill", "--from", vmUrl, "--from-basic-auth", "vmuser:vm-secret", "--from-ca-file", ca,
                    "--url", base, "--ca-file", ca, "--match", "{job=\"bf\"}", "--start", start, "--end", end));
            // the backend's credentials missing: refused by the backend
            assertEquals(1, cli("backfill", "--from", vmUrl, "--from-ca-file", ca, "--url", base, "--ca-file", ca,
                    "--bearer-token-file", token, "--match", "{job=\"bf\"}", "--start", start, "--end", end));
            assertEquals(0, cli("backfill", "--from", vmUrl, "--from-basic-auth", "vmuser:vm-secret", "--from-ca-file", ca,
                    "--url", base, "--ca-file", ca, "--bearer-token-file", token, "--match", "{job=\"bf\"}",
                    "--start", start, "--end", end));
        }
        HttpResponse<String> r = get("/api/v1/query?query=" + java.net.URLEncoder.encode("sum_over_time(bf_secure[5m])",
                StandardCharsets.UTF_8) + "&time=" + (t / 1000 + 50), READER);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"10\""), "1 + 2 + 3 + 4 backfilled once: " + r.body());
    }

    private static int cli(String... args) {
        return new picocli.CommandLine(new io.weir.server.Main()).execute(args);
    }

    @Test
    void credentialsAndRolesAreEnforced() throws Exception {
        // a fresh client: a keep-alive connection pooled by an earlier test may have been closed by the node since,
        // and the JDK client does not retry a POST on a connection that turns out dead
        client.close();
        client = clientTrusting(dir.resolve("weir.crt"));
        long t = System.currentTimeMillis();
        byte[] body = RemoteWriteBodies.body(Series.of(t, 1, "__name__", "refused_metric", "by", "nobody"));
        assertUnauthorized(write(body, null));
        assertUnauthorized(write(body, basic("prometheus", "wrong")));
        assertUnauthorized(write(body, basic("nobody", "write-secret")));
        assertUnauthorized(write(body, "Bearer not-a-known-token-at-all"));
        assertUnauthorized(write(body, "Basic !!!not-base64"));
        assertEquals(403, write(body, READER).statusCode());
        assertEquals(403, write(body, "Bearer " + ADMIN_TOKEN).statusCode());

        // the sender's credential cannot read or reach admin paths
        assertEquals(403, get("/api/v1/query?query=up", WRITER).statusCode());
        assertEquals(403, get("/api/v1/series?match[]=refused_metric", WRITER).statusCode());
        assertEquals(403, get("/api/v1/admin/tsdb/snapshot", WRITER).statusCode());
        assertEquals(403, get("/api/v1/admin/tsdb/snapshot", READER).statusCode());
        assertEquals(403, get("/metrics", WRITER).statusCode());
        assertUnauthorized(get("/metrics", null));

        // nothing of the refused writes was kept
        assertEquals(0, series("refused_metric").size());

        // the writer writes, and the same credential works again from the cache
        byte[] good = RemoteWriteBodies.body(Series.of(t, 2, "__name__", "accepted_metric", "by", "writer"));
        assertEquals(204, write(good, WRITER).statusCode());
        assertEquals(204, write(good, WRITER).statusCode());
        assertEquals(1, series("accepted_metric").size());
        assertEquals(200, get("/metrics", "Bearer " + ADMIN_TOKEN).statusCode());
        // the admin token passes the gate; no admin endpoint exists yet, so the router answers 404
        assertEquals(404, get("/api/v1/admin/tsdb/snapshot", "Bearer " + ADMIN_TOKEN).statusCode());
    }

    @Test
    void plainHttpIsNotServed() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + "/-/healthy")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()));
        plain.close();
    }

    @Test
    void prometheusRemoteWritesOverTlsWithBasicAuth() throws Exception {
        String config = """
                global: {scrape_interval: 1s, external_labels: {sender: %s}}
                scrape_configs:
                  - job_name: self
                    static_configs: [{targets: ['127.0.0.1:%%PORT%%']}]
                remote_write:
                  - url: %s/api/v1/write
                    basic_auth: {username: prometheus, password: %s}
                    tls_config: {ca_file: %s}
                    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
                """;
        Path ca = dir.resolve("weir.crt");
        try (PrometheusProcess good = PrometheusProcess.start(config.formatted("good", base, "write-secret", ca))) {
            long deadline = System.currentTimeMillis() + 90_000;
            while (series("{sender=\"good\"}").isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    fail("no sample from Prometheus arrived over TLS: " + good.logTail(30));
                }
                Thread.sleep(200);
            }
        }
        double refusedBefore = refusals();
        try (PrometheusProcess wrong = PrometheusProcess.start(config.formatted("wrong", base, "not-the-password", ca))) {
            long deadline = System.currentTimeMillis() + 90_000;
            while (refusals() <= refusedBefore) { // the wrong sender has tried and been refused
                if (System.currentTimeMillis() > deadline) {
                    fail("the sender with the wrong password never reached Weir: " + wrong.logTail(30));
                }
                Thread.sleep(200);
            }
        }
        assertEquals(0, series("{sender=\"wrong\"}").size());
        assertTrue(series("{sender=\"good\"}").size() > 0);
    }

    @Test
    void aRenewedCertificateIsServedWithoutRestart() throws Exception {
        Path fresh = dir.resolve("fresh");
        Files.createDirectories(fresh);
        certificate(fresh.resolve("weir.crt"), fresh.resolve("weir.key"), "weir-2");
        HttpClient freshClient = clientTrusting(fresh.resolve("weir.crt"));
        // the old certificate is served until the files change
        assertThrows(SSLHandshakeException.class, () -> freshClient.send(request("/-/healthy", READER).build(),
                HttpResponse.BodyHandlers.ofString()));
        Files.copy(fresh.resolve("weir.key"), dir.resolve("weir.key"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fresh.resolve("weir.crt"), dir.resolve("weir.crt"), StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            HttpClient c = clientTrusting(fresh.resolve("weir.crt")); // a new client: a new connection, a new handshake
            try {
                assertEquals(200, c.send(request("/-/healthy", READER).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                break;
            } catch (SSLHandshakeException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            } finally {
                c.close();
            }
        }
        freshClient.close();
        client.close();
        client = clientTrusting(dir.resolve("weir.crt"));
    }

    // ---- helpers ----

    private HttpResponse<String> write(byte[] body, String authorization) throws Exception {
        HttpRequest.Builder b = request("/api/v1/write", authorization).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        RemoteWriteBodies.HEADERS.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery, String authorization) throws Exception {
        return client.send(request(pathAndQuery, authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String pathAndQuery, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private JsonNode series(String selector) throws Exception {
        HttpResponse<String> r = get("/api/v1/series?" + Http.form(Map.of("match[]", selector)), READER);
        assertEquals(200, r.statusCode(), r.body());
        return Http.JSON.readTree(r.body()).path("data");
    }

    private double refusals() throws Exception {
        HttpResponse<String> r = get("/metrics", READER);
        for (String line : r.body().split("\n")) {
            if (line.startsWith("weir_http_auth_refusals_total ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no weir_http_auth_refusals_total in /metrics");
    }

    private static void assertUnauthorized(HttpResponse<String> r) {
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="), r.headers().toString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A self-signed certificate for 127.0.0.1 with an unencrypted PKCS#8 key, made by the openssl CLI. */
    private static void certificate(Path cert, Path key, String cn) throws Exception {
        Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", cert.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    private static HttpClient clientTrusting(Path cert) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            ks.setCertificateEntry("weir", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
