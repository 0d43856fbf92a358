package io.weir.server.config;

import io.weir.engine.query.Durations;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.relabel.Relabeler;
import io.weir.net.scrape.FileSdConfig;
import io.weir.net.scrape.ScrapeJob;
import io.weir.net.scrape.TargetGroup;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code scrape_configs} section: Prometheus' format and semantics, checked with key paths such as
 * {@code scrape_configs[0].scrape_interval}. Defaults are Prometheus' own (there is no {@code global} section):
 * interval 1m, timeout 10s (or the interval when that is shorter), path /metrics, scheme http,
 * honor_timestamps true, file_sd refresh 5m.
 */
final class ScrapeConfigReader {
    private static final List<String> JOB_KEYS = List.of("job_name", "scrape_interval", "scrape_timeout", "metrics_path",
            "scheme", "params", "static_configs", "file_sd_configs", "relabel_configs", "metric_relabel_configs",
            "honor_labels", "honor_timestamps", "sample_limit", "basic_auth", "authorization", "tls_config");
    private static final List<String> STATIC_KEYS = List.of("targets", "labels");
    private static final List<String> FILE_SD_KEYS = List.of("files", "refresh_interval");
    private static final List<String> BASIC_AUTH_KEYS = List.of("username", "password", "password_file");
    private static final List<String> AUTHORIZATION_KEYS = List.of("type", "credentials", "credentials_file");
    private static final List<String> TLS_KEYS = List.of("ca_file", "insecure_skip_verify");

    private final ConfigLoader.Checker c;

    ScrapeConfigReader(ConfigLoader.Checker checker) {
        this.c = checker;
    }

    List<ScrapeJob> read(Node node) {
        List<ScrapeJob> jobs = new ArrayList<>();
        if (ConfigLoader.isNull(node)) {
            return jobs;
        }
        if (!(node instanceof SequenceNode seq)) {
            c.problem("scrape_configs", "must be a list of scrape jobs (got " + ConfigLoader.describe(node) + ")");
            return jobs;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            String path = "scrape_configs[" + i + "]";
            ScrapeJob job = job(seq.getValue().get(i), path);
            if (job != null) {
                if (!names.add(job.jobName())) {
                    c.problem(path + ".job_name", "duplicate job name " + Quote.of(job.jobName()));
                } else {
                    jobs.add(job);
                }
            }
        }
        return jobs;
    }

    private ScrapeJob job(Node node, String path) {
        if (ConfigLoader.isNull(node)) {
            c.problem(path, "empty scrape job: needs at least job_name");
            return null;
        }
        ConfigLoader.Section s = c.section(node, path, JOB_KEYS);
        if (s.malformed) {
            return null;
        }
        int before = c.problems.size();
        String name = c.text(s, "job_name");
        if (name == null && s.get("job_name") == null) {
            c.problem(s.pathOf("job_name"), "required");
        } else if (name != null && name.isBlank()) {
            c.problem(s.pathOf("job_name"), "must not be empty");
        }
        long interval = c.duration(s, "scrape_interval", ScrapeJob.DEFAULT_INTERVAL_MILLIS);
        long timeout;
        if (s.get("scrape_timeout") == null) {
            timeout = Math.min(ScrapeJob.DEFAULT_TIMEOUT_MILLIS, interval); // Prometheus: the global timeout, capped by the interval
        } else {
            timeout = c.duration(s, "scrape_timeout", ScrapeJob.DEFAULT_TIMEOUT_MILLIS);
            if (timeout > interval) {
                c.problem(s.pathOf("scrape_timeout"), "must not be greater than scrape_interval (got "
                        + Durations.format(timeout) + " > " + Durations.format(interval) + ")");
            }
        }
        String metricsPath = c.text(s, "metrics_path");
        if (metricsPath == null) {
            metricsPath = "/metrics";
        } else if (!metricsPath.startsWith("/")) {
            c.problem(s.pathOf("metrics_path"), "must start with / (got " + Quote.of(metricsPath) + ")");
        }
        String scheme = c.text(s, "scheme");
        if (scheme == null) {
            scheme = "http";
        } else if (!scheme.equals("http") && !scheme.equals("https")) {
            c.problem(s.pathOf("scheme"), "must be http or https (got " + Quote.of(scheme) + ")");
        }
        Map<String, List<String>> params = params(s);
        List<TargetGroup> statics = list(s, "static_configs", this::staticConfig);
        List<FileSdConfig> fileSd = list(s, "file_sd_configs", this::fileSd);
        RelabelConfigReader rules = new RelabelConfigReader(c);
        List<RelabelRule> relabel = rules.read(s, "relabel_configs");
        List<RelabelRule> metricRelabel = rules.read(s, "metric_relabel_configs");
        boolean honorLabels = bool(s, "honor_labels", false);
        boolean honorTimestamps = bool(s, "honor_timestamps", true);
        int sampleLimit = 0;
        String limit = c.text(s, "sample_limit");
        if (limit != null) {
            try {
                sampleLimit = Integer.parseInt(limit);
                if (sampleLimit < 0) {
                    c.problem(s.pathOf("sample_limit"), "must be 0 (no limit) or more (got " + Quote.of(limit) + ")");
                }
            } catch (NumberFormatException e) {
                c.problem(s.pathOf("sample_limit"), "must be a whole number (got " + Quote.of(limit) + ")");
            }
        }
        ScrapeJob.BasicAuth basic = basicAuth(s);
        ScrapeJob.Authorization auth = authorization(s);
        if (basic != null && auth != null) {
            c.problem(s.pathOf("authorization"), "at most one of basic_auth and authorization may be set");
        }
        ScrapeJob.TlsConfig tls = tls(s);
        if (c.problems.size() > before || name == null) {
            return null;
        }
        return new ScrapeJob(name, interval, timeout, metricsPath, scheme, params, statics, fileSd, relabel, metricRelabel,
                honorLabels, honorTimestamps, sampleLimit, basic, auth, tls);
    }

    private interface Item<T> {
        T read(Node node, String path);
    }

    private <T> List<T> list(ConfigLoader.Section s, String key, Item<T> item) {
        List<T> out = new ArrayList<>();
        Node node = s.get(key);
        if (node == null) {
            return out;
        }
        String path = s.pathOf(key);
        if (!(node instanceof SequenceNode seq)) {
            c.problem(path, "must be a list (got " + ConfigLoader.describe(node) + ")");
            return out;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            T t = item.read(seq.getValue().get(i), path + "[" + i + "]");
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private Map<String, List<String>> params(ConfigLoader.Section s) {
        Map<String, List<String>> out = new TreeMap<>();
        Node node = s.get("params");
        if (node == null) {
            return out;
        }
        String path = s.pathOf("params");
        if (!(node instanceof MappingNode m)) {
            c.problem(path, "must be a mapping of parameter name to a list of values (got " + ConfigLoader.describe(node) + ")");
            return out;
        }
        for (NodeTuple t : m.getValue()) {
            String k = t.getKeyNode() instanceof ScalarNode sk ? sk.getValue() : "?";
            List<String> values = c.strings(t.getValueNode(), path + "." + k);
            if (values != null) {
                out.put(k, values);
            }
        }
        return out;
    }

    private TargetGroup staticConfig(Node node, String path) {
        ConfigLoader.Section s = c.section(node, path, STATIC_KEYS);
        if (s.malformed) {
            return null;
        }
        List<String> targets = List.of();
        Node t = s.get("targets");
        if (t != null) {
            targets = c.strings(t, s.pathOf("targets"));
            if (targets == null) {
                return null;
            }
            for (int i = 0; i < targets.size(); i++) {
                String a = targets.get(i);
                if (a.isBlank() || a.contains("/") || a.contains("@") || a.contains(" ")) {
                    c.problem(s.pathOf("targets") + "[" + i + "]", "must be host:port (got " + Quote.of(a) + ")");
                    return null;
                }
            }
        }
        Map<String, String> labels = labels(s, "labels");
        return labels == null ? null : new TargetGroup(targets, labels, path);
    }

    private Map<String, String> labels(ConfigLoader.Section s, String key) {
        Map<String, String> out = new LinkedHashMap<>();
        Node node = s.get(key);
        if (node == null) {
            return out;
        }
        String path = s.pathOf(key);
        if (!(node instanceof MappingNode m)) {
            c.problem(path, "must be a mapping of label name to value (got " + ConfigLoader.describe(node) + ")");
            return null;
        }
        boolean ok = true;
        for (NodeTuple t : m.getValue()) {
            String k = t.getKeyNode() instanceof ScalarNode sk ? sk.getValue() : "?";
            if (!Relabeler.isLabelName(k)) {
                c.problem(path + "." + k, "invalid label name " + Quote.of(k));
                ok = false;
                continue;
            }
            String v = c.scalar(t.getValueNode(), path + "." + k);
            if (v == null) {
                ok = false;
            } else {
                out.put(k, v);
            }
        }
        return ok ? out : null;
    }

    private FileSdConfig fileSd(Node node, String path) {
        ConfigLoader.Section s = c.section(node, path, FILE_SD_KEYS);
        if (s.malformed) {
            return null;
        }
        List<String> files = s.get("files") == null ? null : c.strings(s.get("files"), s.pathOf("files"));
        if (files == null) {
            if (s.get("files") == null) {
                c.problem(s.pathOf("files"), "required: the target files (JSON or YAML; the last element may be a glob)");
            }
            return null;
        }
        for (int i = 0; i < files.size(); i++) {
            String f = files.get(i);
            String name = f.substring(f.lastIndexOf('/') + 1);
            if (!(name.endsWith(".json") || name.endsWith(".yml") || name.endsWith(".yaml"))) {
                c.problem(s.pathOf("files") + "[" + i + "]", "must end in .json, .yml or .yaml (got " + Quote.of(f) + ")");
                return null;
            }
            try {
                Path.of(f.replace('*', 'x').replace('?', 'x'));
            } catch (InvalidPathException e) {
                c.problem(s.pathOf("files") + "[" + i + "]", "not a valid path: " + Quote.of(f));
                return null;
            }
        }
        long refresh = c.duration(s, "refresh_interval", FileSdConfig.DEFAULT_REFRESH_MILLIS);
        return new FileSdConfig(files, refresh);
    }

    private ScrapeJob.BasicAuth basicAuth(ConfigLoader.Section job) {
        Node node = job.get("basic_auth");
        if (node == null) {
            return null;
        }
        ConfigLoader.Section s = c.section(node, job.pathOf("basic_auth"), BASIC_AUTH_KEYS);
        String user = c.text(s, "username");
        String password = c.text(s, "password");
        Path file = readableFile(s, "password_file");
        if (user == null) {
            c.problem(s.pathOf("username"), "required");
        }
        if (password != null && s.get("password_file") != null) {
            c.problem(s.pathOf("password_file"), "at most one of password and password_file may be set");
        }
        return new ScrapeJob.BasicAuth(user, password, file);
    }

    private ScrapeJob.Authorization authorization(ConfigLoader.Section job) {
        Node node = job.get("authorization");
        if (node == null) {
            return null;
        }
        ConfigLoader.Section s = c.section(node, job.pathOf("authorization"), AUTHORIZATION_KEYS);
        String type = orDefault(c.text(s, "type"), "Bearer");
        if (type.equalsIgnoreCase("basic")) {
            c.problem(s.pathOf("type"), "must not be Basic (use basic_auth)");
        }
        String cred = c.text(s, "credentials");
        Path file = readableFile(s, "credentials_file");
        if (cred != null && s.get("credentials_file") != null) {
            c.problem(s.pathOf("credentials_file"), "at most one of credentials and credentials_file may be set");
        }
        return new ScrapeJob.Authorization(type, cred, file);
    }

    private ScrapeJob.TlsConfig tls(ConfigLoader.Section job) {
        Node node = job.get("tls_config");
        if (node == null) {
            return ScrapeJob.TlsConfig.DEFAULT;
        }
        ConfigLoader.Section s = c.section(node, job.pathOf("tls_config"), TLS_KEYS);
        Path ca = readableFile(s, "ca_file");
        return new ScrapeJob.TlsConfig(ca, bool(s, "insecure_skip_verify", false));
    }

    private Path readableFile(ConfigLoader.Section s, String key) {
        String f = c.text(s, key);
        if (f == null) {
            return null;
        }
        try {
            Path p = Path.of(f);
            if (!Files.isReadable(p)) {
                c.problem(s.pathOf(key), "cannot read " + Quote.of(f));
                return null;
            }
            return p;
        } catch (InvalidPathException e) {
            c.problem(s.pathOf(key), "not a valid path: " + Quote.of(f));
            return null;
        }
    }

    private boolean bool(ConfigLoader.Section s, String key, boolean defaultValue) {
        String v = c.text(s, key);
        if (v == null) {
            return defaultValue;
        }
        if (v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        c.problem(s.pathOf(key), "must be true or false (got " + Quote.of(v) + ")");
        return defaultValue;
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    /** For {@code ./weir check-config}. */
    static String summary(List<ScrapeJob> jobs) {
        if (jobs.isEmpty()) {
            return ""; // nothing scraped: the summary stays as it was before scrape_configs existed
        }
        StringBuilder sb = new StringBuilder("scrape jobs:    ").append(jobs.size()).append('\n');
        for (ScrapeJob j : jobs) {
            int statics = j.staticConfigs().stream().mapToInt(g -> g.targets().size()).sum();
            sb.append("  ").append(j.jobName()).append(": every ").append(Durations.format(j.intervalMillis()))
                    .append(" (timeout ").append(Durations.format(j.timeoutMillis())).append("), ")
                    .append(j.scheme()).append("://<target>").append(j.metricsPath()).append(", ")
                    .append(statics).append(" static target(s)");
            if (!j.fileSdConfigs().isEmpty()) {
                sb.append(", file_sd ").append(j.fileSdConfigs().stream().flatMap(f -> f.files().stream())
                        .collect(Collectors.joining(", ")));
            }
            if (!j.relabelConfigs().isEmpty()) {
                sb.append(", ").append(j.relabelConfigs().size()).append(" relabel rule(s)");
            }
            if (!j.metricRelabelConfigs().isEmpty()) {
                sb.append(", ").append(j.metricRelabelConfigs().size()).append(" metric relabel rule(s)");
            }
            if (j.sampleLimit() > 0) {
                sb.append(", sample_limit ").append(j.sampleLimit());
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
