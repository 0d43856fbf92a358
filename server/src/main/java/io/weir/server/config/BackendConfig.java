package io.weir.server.config;

import java.net.URI;

/**
 * The {@code backend} section. Either both URLs are null (no backend: sketch-only) or both are set.
 *
 * @param url            http(s) base URL of the backend's Prometheus API, without a trailing slash, query or fragment;
 *                       null when there is no backend
 * @param remoteWriteUrl where raw samples are forwarded; defaults to {@code url + "/api/v1/write"}; null iff url is
 * @param timeoutMillis  per-request timeout towards the backend; &gt; 0
 * @param access         credentials, TLS and headers for the backend
 * @param forwardBatchSamples samples the forwarder puts in one remote-write request at most
 *                       ({@code backend.forward_batch_samples}); a WAL record is never split, so a request holds
 *                       whole records and may pass it by the last one; in [1, {@value #MAX_FORWARD_BATCH_SAMPLES}]
 */
public record BackendConfig(URI url, URI remoteWriteUrl, long timeoutMillis, BackendAccess access, int forwardBatchSamples) {
    public static final String REMOTE_WRITE_PATH = "/api/v1/write";
    public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    /**
     * Five times Prometheus' own remote-write default ({@code queue_config.max_samples_per_send: 2000}): a forwarder
     * catching up after a backend outage needs fewer round trips.
     */
    public static final int DEFAULT_FORWARD_BATCH_SAMPLES = 10_000;
    public static final int MAX_FORWARD_BATCH_SAMPLES = 1_000_000;

    public BackendConfig {
        if ((url == null) != (remoteWriteUrl == null)) {
            throw new IllegalArgumentException("url and remoteWriteUrl must be both null or both set");
        }
        java.util.Objects.requireNonNull(access, "access");
    }

    /** Without credentials, TLS settings or headers, with the default forward batch. */
    public BackendConfig(URI url, URI remoteWriteUrl, long timeoutMillis) {
        this(url, remoteWriteUrl, timeoutMillis, BackendAccess.NONE, DEFAULT_FORWARD_BATCH_SAMPLES);
    }

    /** The same settings towards another backend (both null: none). */
    public BackendConfig withTarget(URI newUrl, URI newRemoteWriteUrl) {
        return new BackendConfig(newUrl, newRemoteWriteUrl, timeoutMillis, access, forwardBatchSamples);
    }

    public static BackendConfig defaults() {
        return new BackendConfig(null, null, DEFAULT_TIMEOUT_MILLIS);
    }

    /** A backend at {@code url} with the default remote-write endpoint. */
    public static BackendConfig at(URI url, long timeoutMillis) {
        return new BackendConfig(url, defaultRemoteWriteUrl(url), timeoutMillis);
    }

    public static URI defaultRemoteWriteUrl(URI url) {
        return URI.create(url.toString() + REMOTE_WRITE_PATH);
    }

    /** False for a sketch-only node: queries that need raw data get an error, nothing is forwarded. */
    public boolean enabled() { return url != null; }
}
