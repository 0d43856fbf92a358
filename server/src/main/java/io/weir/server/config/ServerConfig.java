package io.weir.server.config;

import java.util.Objects;

/**
 * The {@code server} section.
 *
 * @param host            interface to bind; empty means all interfaces; an IPv6 literal is stored without brackets
 * @param port            0..65535 (0 = an ephemeral port, for tests)
 * @param maxRequestBytes limit on a request body, compressed and decompressed; 1..1GiB, so it always fits an int
 * @param security        TLS and authentication ({@code web_config_file}, {@code authorization})
 * @param responseCompressionLevel gzip/deflate level (1..9) of JSON and text answers to clients that accept it, as
 *                        Prometheus and VictoriaMetrics compress theirs; 0 = never ({@code response_compression_level})
 */
public record ServerConfig(String host, int port, long maxRequestBytes, WebSecurityConfig security, int responseCompressionLevel) {
    public static final String DEFAULT_HOST = "";
    public static final int DEFAULT_PORT = 9201;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 32L << 20;
    /**
     * The fastest level: a dashboard's JSON (digits, repeated keys and labels) still shrinks several times, and a day-long
     * panel of tens of megabytes costs one core a fraction of what higher levels take.
     */
    public static final int DEFAULT_RESPONSE_COMPRESSION_LEVEL = 1;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(security, "security");
        if (responseCompressionLevel < 0 || responseCompressionLevel > 9) {
            throw new IllegalArgumentException("response compression level must be 0..9, got " + responseCompressionLevel);
        }
    }

    public ServerConfig(String host, int port, long maxRequestBytes, WebSecurityConfig security) {
        this(host, port, maxRequestBytes, security, DEFAULT_RESPONSE_COMPRESSION_LEVEL);
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
