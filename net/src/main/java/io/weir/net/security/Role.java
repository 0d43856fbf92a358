package io.weir.net.security;

import java.util.Locale;

/**
 * What a credential may do, by endpoint group: a sender gets {@link #WRITE} only, so its password can neither
 * read series nor reach admin operations such as snapshots.
 */
public enum Role {
    /** Remote write (every ingest path). */
    WRITE,
    /** Queries, metadata, health, metrics. */
    READ,
    /** Admin operations: {@code /api/v1/admin/...} (snapshots, deletes) and lifecycle endpoints. */
    ADMIN;

    public String configName() { return name().toLowerCase(Locale.ROOT); }

    /** @return the role named as in the config ({@code write}, {@code read}, {@code admin}), or null */
    public static Role byConfigName(String name) {
        for (Role r : values()) {
            if (r.configName().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** The role a request to {@code path} needs; unknown paths need {@link #READ} (they answer 404 anyway). */
    public static Role requiredFor(String path) {
        if (path.equals("/api/v1/write") || path.equals("/opentelemetry/v1/metrics") || path.equals("/v1/metrics")
                || path.startsWith("/api/v1/otlp/") || path.startsWith("/api/v2/write")) {
            return WRITE;
        }
        if (path.startsWith("/api/v1/admin/") || path.equals("/-/reload") || path.equals("/-/quit")
                || path.startsWith("/debug/")) {
            return ADMIN;
        }
        return READ;
    }
}
