package io.weir.net.security;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the HTTP port enforces: TLS (null = plain HTTP) and authentication (null = open, as Prometheus without a
 * web config). {@code refusals} counts requests refused for credentials or roles.
 */
public record WebSecurity(ServerTls tls, Authenticator authenticator, LongAdder refusals) implements AutoCloseable {
    public static final WebSecurity NONE = new WebSecurity(null, null, new LongAdder());

    @Override
    public void close() {
        if (authenticator != null) {
            authenticator.close();
        }
    }
}
