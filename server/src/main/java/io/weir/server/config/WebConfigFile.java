package io.weir.server.config;

import io.weir.net.security.ServerTls;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a web config file in Prometheus' format (exporter-toolkit, what {@code --web.config.file} takes):
 * {@code tls_server_config} ({@code cert_file}, {@code key_file}, {@code client_auth_type}, {@code client_ca_file},
 * {@code min_version}, {@code max_version}) and {@code basic_auth_users} (bcrypt hashes). Keys Prometheus knows
 * but Weir does not implement (cipher suites, curves, SANs, {@code http_server_config}) are refused by name rather
 * than ignored: a security setting must never be silently dropped.
 */
final class WebConfigFile {
    private static final List<String> TOP_KEYS = List.of("tls_server_config", "basic_auth_users", "http_server_config");
    private static final List<String> TLS_KEYS = List.of("cert_file", "key_file", "client_auth_type", "client_ca_file",
            "min_version", "max_version");
    private static final List<String> TLS_UNSUPPORTED = List.of("cert", "key", "cipher_suites", "curve_preferences",
            "prefer_server_cipher_suites", "client_allowed_sans");
    private static final Map<String, String> VERSIONS = Map.of("TLS12", "TLSv1.2", "TLS13", "TLSv1.3");

    private final Path file;
    private final List<String> problems = new ArrayList<>();

    private WebConfigFile(Path file) {
        this.file = file;
    }

    /** The parsed file, or the problems found (each a sentence naming the key in the file). */
    record Result(WebSecurityConfig.Tls tls, Map<String, String> users, List<String> problems) {}

    static Result read(Path file) {
        WebConfigFile w = new WebConfigFile(file);
        return w.parse();
    }

    private Result parse() {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return new Result(null, Map.of(), List.of("web config file not found: " + file));
        } catch (IOException e) {
            return new Result(null, Map.of(), List.of("cannot read web config file " + file + ": " + e));
        }
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            return new Result(null, Map.of(), List.of("YAML syntax error in web config file " + file + ": " + e.getMessage()));
        }
        if (root == null) {
            return new Result(null, Map.of(), List.of()); // an empty web config: plain HTTP, no auth, as Prometheus
        }
        Map<String, Object> top = mapping(root, "", TOP_KEYS);
        if (top == null) {
            return new Result(null, Map.of(), problems);
        }
        if (top.get("http_server_config") != null) {
            problem("http_server_config", "not supported by Weir (HTTP/1.1 only, no custom headers); remove it");
        }
        WebSecurityConfig.Tls tls = top.get("tls_server_config") == null ? null : tls(top.get("tls_server_config"));
        Map<String, String> users = users(top.get("basic_auth_users"));
        return new Result(tls, users, problems);
    }

    private WebSecurityConfig.Tls tls(Object node) {
        List<String> allowed = new ArrayList<>(TLS_KEYS);
        allowed.addAll(TLS_UNSUPPORTED);
        Map<String, Object> m = mapping(node, "tls_server_config", allowed);
        if (m == null) {
            return null;
        }
        for (String k : TLS_UNSUPPORTED) {
            if (m.get(k) != null) {
                problem("tls_server_config." + k, "not supported by Weir; remove it"
                        + (k.equals("cert") || k.equals("key") ? " and use cert_file/key_file" : ""));
            }
        }
        Path cert = existingFile(m, "cert_file", true);
        Path key = existingFile(m, "key_file", true);
        String authType = string(m, "client_auth_type", "NoClientCert");
        ServerTls.ClientCerts clientCerts = ServerTls.ClientCerts.byConfigName(authType);
        if (clientCerts == null) {
            problem("tls_server_config.client_auth_type", "must be NoClientCert, VerifyClientCertIfGiven or "
                    + "RequireAndVerifyClientCert (got " + Quote.of(authType) + ")");
        }
        Path ca = existingFile(m, "client_ca_file", false);
        if (clientCerts != null && clientCerts != ServerTls.ClientCerts.NO_CLIENT_CERT && ca == null
                && m.get("client_ca_file") == null) {
            problem("tls_server_config.client_ca_file", "required when client_auth_type is " + authType);
        }
        String min = string(m, "min_version", "TLS12");
        String max = string(m, "max_version", "TLS13");
        List<String> protocols = new ArrayList<>();
        for (String[] v : new String[][] {{"min_version", min}, {"max_version", max}}) {
            if (!VERSIONS.containsKey(v[1])) {
                problem("tls_server_config." + v[0], "must be TLS12 or TLS13 (got " + Quote.of(v[1])
                        + "; TLS 1.0 and 1.1 are disabled by the JDK)");
            }
        }
        if (VERSIONS.containsKey(min) && VERSIONS.containsKey(max)) {
            if (min.compareTo(max) > 0) {
                problem("tls_server_config.min_version", "is above max_version (" + min + " > " + max + ")");
            }
            for (String v : List.of("TLS13", "TLS12")) {
                if (v.compareTo(min) >= 0 && v.compareTo(max) <= 0) {
                    protocols.add(VERSIONS.get(v));
                }
            }
        }
        if (cert == null || key == null || clientCerts == null || protocols.isEmpty()) {
            return null;
        }
        WebSecurityConfig.Tls tls = new WebSecurityConfig.Tls(cert, key, clientCerts, ca, protocols);
        try {
            new ServerTls(cert, key, ca, clientCerts, protocols); // refuse at start-up what a handshake would fail on
        } catch (IOException e) {
            problem("tls_server_config", e.getMessage());
            return null;
        }
        return tls;
    }

    private Map<String, String> users(Object node) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof Map<?, ?> m)) {
            problem("basic_auth_users", "must be a mapping of user name to bcrypt hash");
            return Map.of();
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String user = String.valueOf(e.getKey());
            String path = "basic_auth_users." + user;
            if (!(e.getValue() instanceof String hash)) {
                problem(path, "must be a bcrypt hash string");
            } else if (user.indexOf(':') >= 0) {
                problem(path, "a user name cannot contain ':' (basic auth separates user and password with it)");
            } else if (!hash.matches("\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}")) {
                problem(path, "not a bcrypt hash (expected $2a$, $2b$ or $2y$, cost and 53 characters; e.g. from "
                        + "htpasswd -nbBC 10 USER PASSWORD)");
            } else {
                users.put(user, hash);
            }
        }
        return users;
    }

    private Path existingFile(Map<String, Object> m, String key, boolean required) {
        Object v = m.get(key);
        String path = "tls_server_config." + key;
        if (v == null || v.toString().isBlank()) {
            if (required) {
                problem(path, "required");
            }
            return null;
        }
        Path p = file.toAbsolutePath().getParent().resolve(v.toString()); // relative to the web config, as Prometheus
        if (!Files.isReadable(p)) {
            problem(path, "file not found or not readable: " + p);
            return null;
        }
        return p;
    }

    private String string(Map<String, Object> m, String key, String defaultValue) {
        Object v = m.get(key);
        return v == null ? defaultValue : v.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> mapping(Object node, String path, List<String> keys) {
        if (!(node instanceof Map<?, ?> m)) {
            problem(path.isEmpty() ? "(document)" : path, "must be a mapping with keys " + String.join(", ", keys));
            return null;
        }
        for (Object k : m.keySet()) {
            if (!keys.contains(String.valueOf(k))) {
                problem(path.isEmpty() ? String.valueOf(k) : path + "." + k, "unknown key (expected one of "
                        + String.join(", ", keys) + ")");
            }
        }
        return (Map<String, Object>) m;
    }

    private void problem(String key, String message) {
        problems.add(file + ": " + key + ": " + message);
    }
}
