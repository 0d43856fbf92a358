package io.weir.net.scrape;

import io.weir.net.relabel.RelabelRule;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code scrape_configs} entry with Prometheus' format, semantics and defaults (interval 1m, timeout 10s or the
 * interval when that is shorter, path /metrics, scheme http, honor_timestamps true). Validated by the config loader;
 * immutable.
 *
 * @param sampleLimit 0 = no limit
 */
public record ScrapeJob(String jobName, long intervalMillis, long timeoutMillis, String metricsPath, String scheme,
                        Map<String, List<String>> params, List<TargetGroup> staticConfigs, List<FileSdConfig> fileSdConfigs,
                        List<RelabelRule> relabelConfigs, List<RelabelRule> metricRelabelConfigs, boolean honorLabels,
                        boolean honorTimestamps, int sampleLimit, BasicAuth basicAuth, Authorization authorization,
                        TlsConfig tls) {
    public static final long DEFAULT_INTERVAL_MILLIS = 60_000;
    public static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

    public ScrapeJob {
        Objects.requireNonNull(jobName, "jobName");
        params = Map.copyOf(params);
        staticConfigs = List.copyOf(staticConfigs);
        fileSdConfigs = List.copyOf(fileSdConfigs);
        relabelConfigs = List.copyOf(relabelConfigs);
        metricRelabelConfigs = List.copyOf(metricRelabelConfigs);
        Objects.requireNonNull(tls, "tls");
    }

    /** {@code basic_auth}: the password is given inline or read from a file at every scrape (as Prometheus does). */
    public record BasicAuth(String username, String password, Path passwordFile) {}

    /** {@code authorization}: {@code type} (default Bearer) and credentials inline or from a file. */
    public record Authorization(String type, String credentials, Path credentialsFile) {}

    /** {@code tls_config}: a CA bundle to trust instead of the JDK's, or no verification at all. */
    public record TlsConfig(Path caFile, boolean insecureSkipVerify) {
        public static final TlsConfig DEFAULT = new TlsConfig(null, false);
    }
}
