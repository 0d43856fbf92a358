package io.weir.server.config;

import io.weir.net.security.Role;
import io.weir.net.security.ServerTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** server.web_config_file (Prometheus' format) and server.authorization: what is accepted, and every refusal. */
class WebConfigTest {
    private static final String HASH = "$2y$10$ylrIgXBEeeferArc5aH1oeSI0OeWW1a2Ftc/AAF/Lpwb5GZ40XWY6";
    private final ConfigLoader loader = new ConfigLoader(new SimpleSelectorParser());
    private Path dir;

    @BeforeEach
    void makeDir() throws Exception {
        dir = Files.createTempDirectory("weir-webcfg");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=t", "-keyout", dir.resolve("k.pem").toString(), "-out", dir.resolve("c.pem").toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    @AfterEach
    void removeDir() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private ConfigResult withWeb(String web, String authorization) throws Exception {
        Path f = dir.resolve("web.yml");
        Files.writeString(f, web);
        return loader.parse("server:\n  web_config_file: " + f + "\n" + authorization, "test");
    }

    @Test
    void acceptsTlsUsersAndRoles() throws Exception {
        Files.writeString(dir.resolve("t.token"), "0123456789abcdef0123\n");
        ConfigResult r = withWeb("""
                tls_server_config: {cert_file: c.pem, key_file: k.pem, min_version: TLS13}
                basic_auth_users: {alice: '%s'}
                """.formatted(HASH), """
                  authorization:
                    users: {alice: [write, read]}
                    bearer_tokens: [{name: t, token_file: %s, roles: [admin]}]
                """.formatted(dir.resolve("t.token")));
        assertTrue(r.isValid(), () -> r.problems().toString());
        WebSecurityConfig s = r.config().server().security();
        assertEquals(dir.resolve("c.pem"), s.tls().certFile());
        assertEquals(List.of("TLSv1.3"), s.tls().protocols());
        assertEquals(ServerTls.ClientCerts.NO_CLIENT_CERT, s.tls().clientCerts());
        assertEquals(Map.of("alice", HASH), s.basicAuthUsers());
        assertEquals(Map.of("alice", Set.of(Role.WRITE, Role.READ)), s.userRoles());
        assertEquals(Set.of(Role.ADMIN), s.bearerTokens().getFirst().roles());
    }

    @Test
    void withoutAWebConfigTheNodeIsOpen() {
        ConfigResult r = loader.parse("", "test");
        assertNull(r.config().server().security().tls());
        assertTrue(!r.config().server().security().authenticates());
    }

    @Test
    void refusesWhatItCannotHonour() throws Exception {
        Path web = dir.resolve("web.yml");
        assertProblems(withWeb("basic_auth_users: {alice: plain-password}\n", ""),
                web + ": basic_auth_users.alice: not a bcrypt hash (expected $2a$, $2b$ or $2y$, cost and 53 characters;"
                        + " e.g. from htpasswd -nbBC 10 USER PASSWORD)");
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem}\n", ""),
                web + ": tls_server_config.key_file: required");
        assertProblems(withWeb("tls_server_config: {cert_file: nope.pem, key_file: k.pem}\n", ""),
                web + ": tls_server_config.cert_file: file not found or not readable: " + dir.resolve("nope.pem"));
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem, key_file: k.pem, client_auth_type: RequireAnyClientCert}\n", ""),
                web + ": tls_server_config.client_auth_type: must be NoClientCert, VerifyClientCertIfGiven or"
                        + " RequireAndVerifyClientCert (got \"RequireAnyClientCert\")");
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem, key_file: k.pem, client_auth_type: RequireAndVerifyClientCert}\n", ""),
                web + ": tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert");
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem, key_file: k.pem, min_version: TLS10}\n", ""),
                web + ": tls_server_config.min_version: must be TLS12 or TLS13 (got \"TLS10\"; TLS 1.0 and 1.1 are disabled by the JDK)");
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem, key_file: k.pem, cipher_suites: [TLS_AES_128_GCM_SHA256]}\n", ""),
                web + ": tls_server_config.cipher_suites: not supported by Weir; remove it");
        assertProblems(withWeb("tls_server_config: {cert_file: c.pem, key_file: c.pem}\n", ""),
                web + ": tls_server_config: cannot use certificate " + dir.resolve("c.pem") + " with key "
                        + dir.resolve("c.pem") + " (the key must be an unencrypted PKCS#8 PEM, BEGIN PRIVATE KEY): ", true);
        assertProblems(withWeb("http_server_config: {http2: false}\n", ""),
                web + ": http_server_config: not supported by Weir (HTTP/1.1 only, no custom headers); remove it");
        assertProblems(withWeb("basic_auth_user: {}\n", ""),
                web + ": basic_auth_user: unknown key (expected one of tls_server_config, basic_auth_users, http_server_config)");
        assertProblems(loader.parse("server: {web_config_file: " + dir.resolve("none.yml") + "}", "t"),
                "web config file not found: " + dir.resolve("none.yml"));
    }

    @Test
    void refusesBadAuthorization() throws Exception {
        assertEquals(List.of(new ConfigProblem("server.authorization.users.bob",
                        "no such user in the web config's basic_auth_users")),
                withWeb("basic_auth_users: {alice: '" + HASH + "'}\n", "  authorization: {users: {bob: [read]}}\n").problems());
        assertEquals(List.of(new ConfigProblem("server.authorization.users.alice[0]",
                        "unknown role \"reader\" (expected write, read or admin)")),
                withWeb("basic_auth_users: {alice: '" + HASH + "'}\n", "  authorization: {users: {alice: [reader]}}\n").problems());
        assertEquals(List.of(new ConfigProblem("server.authorization.users.alice",
                        "no such user in the web config's basic_auth_users (server.web_config_file is not set)")),
                loader.parse("server: {authorization: {users: {alice: [read]}}}", "t").problems());
        Files.writeString(dir.resolve("short.token"), "short", StandardCharsets.UTF_8);
        assertEquals(List.of(new ConfigProblem("server.authorization.bearer_tokens[0].token_file",
                        "token in " + dir.resolve("short.token") + " is shorter than 16 characters")),
                loader.parse("server: {authorization: {bearer_tokens: [{name: x, token_file: " + dir.resolve("short.token")
                        + ", roles: [read]}]}}", "t").problems());
    }

    private static void assertProblems(ConfigResult r, String message) {
        assertProblems(r, message, false);
    }

    private static void assertProblems(ConfigResult r, String message, boolean prefix) {
        assertEquals(1, r.problems().size(), () -> r.problems().toString());
        ConfigProblem p = r.problems().getFirst();
        assertEquals("server.web_config_file", p.keyPath());
        assertTrue(prefix ? p.message().startsWith(message) : p.message().equals(message), () -> p.message());
    }
}
