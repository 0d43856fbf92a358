package io.weir.server.config;

import io.weir.net.security.Authenticator;
import io.weir.net.security.Role;
import io.weir.net.security.ServerTls;
import io.weir.net.security.WebSecurity;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * TLS and authentication of the HTTP port: the web config file in Prometheus' format ({@code server.web_config_file}:
 * {@code tls_server_config}, {@code basic_auth_users}) plus Weir's extension in its own config
 * ({@code server.authorization}: roles per user, bearer tokens), kept out of the web config so that
 * {@code promtool check web-config} still accepts that file.
 *
 * @param webConfigFile  the web config file, or null
 * @param tls            null for plain HTTP
 * @param basicAuthUsers user -> bcrypt hash; empty when none
 * @param userRoles      user -> roles; null when {@code server.authorization.users} is absent (every user has every role)
 * @param bearerTokens   tokens by SHA-256, with roles
 */
public record WebSecurityConfig(Path webConfigFile, Tls tls, Map<String, String> basicAuthUsers,
                                Map<String, Set<Role>> userRoles, List<Authenticator.BearerToken> bearerTokens) {
    public static final WebSecurityConfig NONE = new WebSecurityConfig(null, null, Map.of(), null, List.of());

    /** {@code tls_server_config}, as far as Weir supports it. */
    public record Tls(Path certFile, Path keyFile, ServerTls.ClientCerts clientCerts, Path clientCaFile,
                      List<String> protocols) {}

    /** True when requests must carry credentials. */
    public boolean authenticates() { return !basicAuthUsers.isEmpty() || !bearerTokens.isEmpty(); }

    /**
     * The runtime form for the HTTP server: the TLS context (files read now) and an authenticator whose bcrypt
     * checks run on two threads with a bounded queue (beyond it a login is answered 503, not queued forever).
     */
    public WebSecurity start() throws IOException {
        ServerTls serverTls = tls == null ? null
                : new ServerTls(tls.certFile(), tls.keyFile(), tls.clientCaFile(), tls.clientCerts(), tls.protocols());
        Authenticator authenticator = null;
        if (authenticates()) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024),
                    Thread.ofPlatform().name("weir-bcrypt-", 0).daemon(true).factory());
            authenticator = new Authenticator(basicAuthUsers, userRoles, bearerTokens, pool);
        }
        return new WebSecurity(serverTls, authenticator, new LongAdder());
    }

    public WebSecurityConfig withWebConfig(Path file, Tls newTls, Map<String, String> users) {
        return new WebSecurityConfig(file, newTls, users, userRoles, bearerTokens);
    }
}
