package io.weir.server.config;

import java.util.Objects;

/**
 * The {@code server} section.
 *
 * @param host            interface to bind; empty means all interfaces; an IPv6 literal is stored without brackets
 * @param port            0..65535 (0 = an ephemeral port, for tests)
 * @param maxRequestBytes limit on a request body, compressed and decompressed; 1..1GiB, so it always fits an int
 * @param security        TLS and authentication ({@code web_config_file}, {@code authorization})
 */
public record ServerConfig(String host, int port, long maxRequestBytes, WebSecurityConfig security) {
    public static final String DEFAULT_HOST = "";
    public static final int DEFAULT_PORT = 9201;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 32L << 20;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(security, "security");
    }

    /** Plain HTTP without authentication. */
    public ServerConfig(String host, int port, long maxRequestBytes) {
        this(host, port, maxRequestBytes, WebSecurityConfig.NONE);
    }

    public static ServerConfig defaults() {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_REQUEST_BYTES);
    }

    /** True when bound to every interface ({@code listen: ":9201"}). */
    public boolean allInterfaces() { return host.isEmpty(); }

    /** The listen address as written in the config: {@code :9201}, {@code 127.0.0.1:9201}, {@code [::1]:9201}. */
    public String listen() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
