package io.weir.server.config;

import io.weir.engine.query.Durations;
import io.weir.engine.series.LabelMatcher;
import io.weir.engine.sketch.SketchFunction;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Reads the YAML config file (format in {@code interface.md}) into a {@link WeirConfig}, checking everything once so
 * that the rest of the server can trust it. Every problem is collected, not just the first, each with the key path
 * and the bad value. Unknown keys are problems: a typo must not silently fall back to a default.
 *
 * <p>The YAML is read as a node tree rather than as Java objects, so that values are checked as written
 * ({@code timeout: 30} is a duration without a unit, not the number 30) and duplicate keys can be named. A key
 * with an empty or {@code null} value counts as absent.
 *
 * <p>Stateless apart from the injected selector parser; safe to share.
 */
public final class ConfigLoader {
    /** Request bodies are held in one byte array, so the limit must fit an int with room to spare. */
    public static final long MAX_REQUEST_BYTES_CEILING = 1L << 30;

    private static final List<String> ROOT_KEYS = List.of("server", "storage", "wal", "backend", "sketch", "snapshot");
    private static final List<String> SERVER_KEYS = List.of("listen", "max_request_bytes");
    private static final List<String> STORAGE_KEYS = List.of("data_dir", "memory_limit");
    private static final List<String> WAL_KEYS = List.of("fsync", "fsync_interval", "max_disk");
    private static final List<String> BACKEND_KEYS = List.of("url", "remote_write_url", "timeout");
    private static final List<String> SKETCH_KEYS = List.of("default_window", "targets");
    private static final List<String> SNAPSHOT_KEYS = List.of("interval", "keep");
    private static final List<String> TARGET_KEYS = List.of("match", "window", "functions");

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");
    private static final String ALL_FUNCTIONS = Arrays.stream(SketchFunction.values())
            .map(SketchFunction::promqlName).collect(Collectors.joining(", "));
    private static final String FSYNC_VALUES = Arrays.stream(FsyncPolicy.values())
            .map(FsyncPolicy::configName).collect(Collectors.joining(", "));

    private final SelectorParser selectorParser;

    public ConfigLoader(SelectorParser selectorParser) {
        this.selectorParser = Objects.requireNonNull(selectorParser, "selectorParser");
    }

    /** The embedded defaults, used for every key a file does not set. */
    public WeirConfig defaults() {
        return WeirConfig.defaults();
    }

    /** Reads and checks a UTF-8 config file; an unreadable file is a (document-level) problem, not an exception. */
    public ConfigResult load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return documentProblem("config file not found: " + file);
        } catch (CharacterCodingException e) {
            return documentProblem("config file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            return documentProblem("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /**
     * Checks YAML text. An empty document gives the defaults.
     *
     * @param sourceName names the text in syntax-error messages, e.g. the file name
     */
    public ConfigResult parse(String yaml, String sourceName) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? sourceName
                    : sourceName + " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            String what = e.getProblem() != null ? e.getProblem() : e.getContext();
            if (what != null && what.startsWith("but ") && e.getContext() != null) {
                what = e.getContext() + " " + what; // "expected a single document in the stream but found another document"
            }
            return documentProblem("YAML syntax error in " + where + ": " + what);
        } catch (YAMLException e) {
            return documentProblem("YAML syntax error in " + sourceName + ": " + e.getMessage());
        }
        Checker checker = new Checker();
        WeirConfig config = checker.config(root);
        return checker.problems.isEmpty() ? ConfigResult.valid(config) : ConfigResult.invalid(checker.problems);
    }

    /**
     * Applies the {@code serve} flags on top of a config (file or defaults), checked like the file's keys; a null
     * argument means the flag was not given. {@code --backend-url} replaces the whole backend target: the
     * remote-write URL becomes its default ({@code url + /api/v1/write}); an empty value means no backend.
     *
     * @throws InvalidConfigException naming each bad flag, e.g. {@code --listen: port 70000 out of range}
     */
    public WeirConfig withOverrides(WeirConfig base, String listen, Path dataDir, String backendUrl) {
        Checker checker = new Checker();
        ServerConfig server = base.server();
        if (listen != null) {
            HostPort hp = checker.listen(listen, "--listen");
            if (hp != null) {
                server = new ServerConfig(hp.host(), hp.port(), server.maxRequestBytes());
            }
        }
        StorageConfig storage = base.storage();
        if (dataDir != null) {
            if (dataDir.toString().isBlank()) {
                checker.problem("--data-dir", "must not be empty");
            } else {
                storage = new StorageConfig(dataDir, storage.memoryLimitBytes());
            }
        }
        BackendConfig backend = base.backend();
        if (backendUrl != null) {
            if (backendUrl.isBlank()) {
                backend = new BackendConfig(null, null, backend.timeoutMillis());
            } else {
                URI url = checker.backendUrl(backendUrl, "--backend-url");
                if (url != null) {
                    backend = BackendConfig.at(url, backend.timeoutMillis());
                }
            }
        }
        if (!checker.problems.isEmpty()) {
            throw new InvalidConfigException(checker.problems);
        }
        return new WeirConfig(server, storage, base.wal(), backend, base.sketch(), base.snapshot());
    }

    /** A few lines for {@code ./weir check-config}: what the node will do with this config. */
    public static String summary(WeirConfig config) {
        ServerConfig server = config.server();
        WalConfig wal = config.wal();
        BackendConfig backend = config.backend();
        SketchConfig sketch = config.sketch();
        StringBuilder sb = new StringBuilder();
        sb.append("listen:         ").append(server.listen())
                .append(server.allInterfaces() ? " (all interfaces)" : "")
                .append(", max request ").append(ByteSize.format(server.maxRequestBytes())).append('\n');
        sb.append("data dir:       ").append(config.storage().dataDir()).append('\n');
        sb.append("memory limit:   ").append(ByteSize.format(config.storage().memoryLimitBytes())).append('\n');
        sb.append("wal:            fsync ").append(wal.fsync().configName());
        if (wal.fsync() == FsyncPolicy.INTERVAL) {
            sb.append(" every ").append(Durations.format(wal.fsyncIntervalMillis()));
        }
        sb.append(", max disk ").append(ByteSize.format(wal.maxDiskBytes())).append('\n');
        if (backend.enabled()) {
            sb.append("backend:        ").append(backend.url())
                    .append(" (remote write ").append(backend.remoteWriteUrl())
                    .append(", timeout ").append(Durations.format(backend.timeoutMillis())).append(")\n");
        } else {
            sb.append("backend:        none (sketch-only)\n");
        }
        sb.append("snapshots:      every ").append(Durations.format(config.snapshot().intervalMillis()))
                .append(", keep ").append(config.snapshot().keep()).append('\n');
        sb.append("sketch window:  ").append(Durations.format(sketch.defaultWindowMillis())).append(" by default\n");
        if (sketch.targets().isEmpty()) {
            sb.append("sketch targets: none (no series is sketched; all are only forwarded)\n");
        } else {
            sb.append("sketch targets: ").append(sketch.targets().size()).append(" (first match wins)\n");
            for (int i = 0; i < sketch.targets().size(); i++) {
                SketchTarget t = sketch.targets().get(i);
                sb.append("  [").append(i).append("] ").append(t.match())
                        .append("  window ").append(Durations.format(t.windowMillis())).append("  functions ")
                        .append(t.functions().size() == SketchFunction.values().length ? "all"
                                : t.functions().stream().map(SketchFunction::promqlName)
                                        .collect(Collectors.joining(", ")))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    private static ConfigResult documentProblem(String message) {
        return ConfigResult.invalid(List.of(new ConfigProblem("", message)));
    }

    private record HostPort(String host, int port) {}

    /**
     * One pass over a document, collecting problems. Each reader returns the default (or null) for a bad value so
     * that checking goes on; the values of a pass with problems are thrown away.
     */
    private final class Checker {
        final List<ConfigProblem> problems = new ArrayList<>();

        void problem(String keyPath, String message) {
            problems.add(new ConfigProblem(keyPath, message));
        }

        WeirConfig config(Node root) {
            Section top = section(root, "", ROOT_KEYS);
            return new WeirConfig(server(top.get("server")), storage(top.get("storage")), wal(top.get("wal")),
                    backend(top.get("backend")), sketch(top.get("sketch")), snapshot(top.get("snapshot")));
        }

        SnapshotConfig snapshot(Node node) {
            Section s = section(node, "snapshot", SNAPSHOT_KEYS);
            long interval = duration(s, "interval", SnapshotConfig.DEFAULT_INTERVAL_MILLIS);
            int keep = SnapshotConfig.DEFAULT_KEEP;
            String text = text(s, "keep");
            if (text != null) {
                try {
                    keep = Integer.parseInt(text.strip());
                    if (keep < 1 || keep > SnapshotConfig.MAX_KEEP) {
                        problem(s.pathOf("keep"), "must be between 1 and " + SnapshotConfig.MAX_KEEP + " (got " + Quote.of(text) + ")");
                        keep = SnapshotConfig.DEFAULT_KEEP;
                    }
                } catch (NumberFormatException e) {
                    problem(s.pathOf("keep"), "must be a whole number (got " + Quote.of(text) + ")");
                }
            }
            return new SnapshotConfig(interval, keep);
        }

        ServerConfig server(Node node) {
            Section s = section(node, "server", SERVER_KEYS);
            ServerConfig d = ServerConfig.defaults();
            HostPort hp = new HostPort(d.host(), d.port());
            String listen = text(s, "listen");
            if (listen != null) {
                HostPort parsed = listen(listen, s.pathOf("listen"));
                if (parsed != null) {
                    hp = parsed;
                }
            }
            long maxRequest = size(s, "max_request_bytes", d.maxRequestBytes());
            if (maxRequest > MAX_REQUEST_BYTES_CEILING) {
                problem(s.pathOf("max_request_bytes"), "must be at most "
                        + ByteSize.format(MAX_REQUEST_BYTES_CEILING) + " (got " + ByteSize.format(maxRequest) + ")");
            }
            return new ServerConfig(hp.host(), hp.port(), maxRequest);
        }

        StorageConfig storage(Node node) {
            Section s = section(node, "storage", STORAGE_KEYS);
            StorageConfig d = StorageConfig.defaults();
            Path dataDir = d.dataDir();
            String dir = text(s, "data_dir");
            if (dir != null) {
                if (dir.isBlank()) {
                    problem(s.pathOf("data_dir"), "must not be empty");
                } else {
                    try {
                        dataDir = Path.of(dir);
                    } catch (InvalidPathException e) {
                        problem(s.pathOf("data_dir"), "not a valid path: " + Quote.of(dir) + " (" + e.getReason() + ")");
                    }
                }
            }
            return new StorageConfig(dataDir, size(s, "memory_limit", d.memoryLimitBytes()));
        }

        WalConfig wal(Node node) {
            Section s = section(node, "wal", WAL_KEYS);
            WalConfig d = WalConfig.defaults();
            FsyncPolicy fsync = d.fsync();
            String text = text(s, "fsync");
            if (text != null) {
                FsyncPolicy p = FsyncPolicy.byConfigName(text);
                if (p == null) {
                    problem(s.pathOf("fsync"), "must be one of " + FSYNC_VALUES + " (got " + Quote.of(text) + ")");
                } else {
                    fsync = p;
                }
            }
            return new WalConfig(fsync, duration(s, "fsync_interval", d.fsyncIntervalMillis()),
                    size(s, "max_disk", d.maxDiskBytes()));
        }

        BackendConfig backend(Node node) {
            Section s = section(node, "backend", BACKEND_KEYS);
            URI url = null;
            String urlText = text(s, "url");
            if (urlText != null && !urlText.isEmpty()) {
                url = backendUrl(urlText, s.pathOf("url"));
            }
            URI remoteWrite = null;
            String rwText = text(s, "remote_write_url");
            if (rwText != null && !rwText.isEmpty()) {
                remoteWrite = httpUrl(rwText, s.pathOf("remote_write_url"), true);
                if (urlText == null || urlText.isEmpty()) {
                    // Both or neither: "no backend" must mean nothing is forwarded and nothing is queried.
                    problem(s.pathOf("remote_write_url"), "set without backend.url (got " + Quote.of(rwText)
                            + "); set backend.url to the backend's query API as well");
                }
            }
            long timeout = duration(s, "timeout", BackendConfig.DEFAULT_TIMEOUT_MILLIS);
            if (url == null || (remoteWrite == null && rwText != null && !rwText.isEmpty())) {
                return new BackendConfig(null, null, timeout);
            }
            return new BackendConfig(url, remoteWrite != null ? remoteWrite : BackendConfig.defaultRemoteWriteUrl(url),
                    timeout);
        }

        SketchConfig sketch(Node node) {
            Section s = section(node, "sketch", SKETCH_KEYS);
            long defaultWindow = duration(s, "default_window", SketchConfig.DEFAULT_WINDOW_MILLIS);
            List<SketchTarget> targets = new ArrayList<>();
            Node list = s.get("targets");
            if (list == null) {
                // Without a targets list every series is sketched: a node with no backend and no sketches would
                // keep nothing. An explicit empty list ("targets: []") sketches nothing.
                return new SketchConfig(defaultWindow, List.of(SketchConfig.everything(defaultWindow)));
            }
            {
                String path = s.pathOf("targets");
                if (list instanceof SequenceNode seq) {
                    for (int i = 0; i < seq.getValue().size(); i++) {
                        SketchTarget t = target(seq.getValue().get(i), path + "[" + i + "]", defaultWindow);
                        if (t != null) {
                            targets.add(t);
                        }
                    }
                } else {
                    problem(path, "must be a list of targets (got " + describe(list) + ")");
                }
            }
            return new SketchConfig(defaultWindow, targets);
        }

        SketchTarget target(Node node, String path, long defaultWindow) {
            if (isNull(node)) {
                problem(path, "empty target: needs at least a \"match\" selector");
                return null;
            }
            Section s = section(node, path, TARGET_KEYS);
            if (s.malformed) {
                return null;
            }
            String match = text(s, "match");
            List<LabelMatcher> matchers = null;
            if (match == null) {
                if (s.get("match") == null) {
                    problem(s.pathOf("match"), "required: the selector of the series this target sketches");
                }
            } else if (match.isBlank()) {
                problem(s.pathOf("match"), "must not be empty (use '{__name__=~\".+\"}' for all series)");
            } else {
                matchers = selector(match, s.pathOf("match"));
            }
            long window = duration(s, "window", defaultWindow);
            Set<SketchFunction> functions = functions(s);
            if (matchers == null || functions == null) {
                return null;
            }
            return new SketchTarget(match, matchers, window, functions);
        }

        List<LabelMatcher> selector(String match, String path) {
            List<LabelMatcher> matchers;
            try {
                matchers = selectorParser.parse(match);
            } catch (PatternSyntaxException e) {
                // its own message spans lines (pattern and a caret); the description is what a reader needs
                problem(path, "not a valid selector: " + Quote.of(match) + " (bad regex " + Quote.of(e.getPattern())
                        + ": " + e.getDescription() + ")");
                return null;
            } catch (IllegalArgumentException e) {
                problem(path, "not a valid selector: " + Quote.of(match) + " (" + e.getMessage() + ")");
                return null;
            }
            // Prometheus refuses such selectors too: they would select every series, including ones without a name.
            if (matchers.stream().allMatch(LabelMatcher::matchesEmpty)) {
                problem(path, "selector must contain at least one matcher that does not match the empty string"
                        + " (got " + Quote.of(match) + "; use '{__name__=~\".+\"}' for all series)");
                return null;
            }
            return matchers;
        }

        /** @return all functions when absent, null after a problem */
        Set<SketchFunction> functions(Section s) {
            Node node = s.get("functions");
            if (node == null) {
                return EnumSet.allOf(SketchFunction.class);
            }
            String path = s.pathOf("functions");
            if (!(node instanceof SequenceNode seq)) {
                problem(path, "must be a list of function names, e.g. [avg_over_time, quantile_over_time] (got "
                        + describe(node) + ")");
                return null;
            }
            if (seq.getValue().isEmpty()) {
                problem(path, "must not be empty (leave it out for all functions)");
                return null;
            }
            Set<SketchFunction> functions = EnumSet.noneOf(SketchFunction.class);
            boolean ok = true;
            for (int i = 0; i < seq.getValue().size(); i++) {
                String itemPath = path + "[" + i + "]";
                String name = scalar(seq.getValue().get(i), itemPath);
                if (name == null) {
                    ok = false;
                    continue;
                }
                SketchFunction f = SketchFunction.byPromqlName(name);
                if (f == null) {
                    problem(itemPath, "unknown sketch function " + Quote.of(name) + " (supported: " + ALL_FUNCTIONS + ")");
                    ok = false;
                } else if (!functions.add(f)) {
                    problem(itemPath, "duplicate function " + Quote.of(name));
                    ok = false;
                }
            }
            return ok ? functions : null;
        }

        HostPort listen(String text, String path) {
            String hostPart;
            String portPart;
            if (text.startsWith("[")) {
                int close = text.indexOf("]:");
                if (close < 0) {
                    problem(path, "expected [IPV6]:PORT (got " + Quote.of(text) + ")");
                    return null;
                }
                hostPart = text.substring(1, close);
                portPart = text.substring(close + 2);
                if (!IPV6_LITERAL.matcher(hostPart).matches()) {
                    problem(path, "not a valid IPv6 address: " + Quote.of(hostPart));
                    return null;
                }
            } else {
                int colon = text.lastIndexOf(':');
                if (colon < 0) {
                    problem(path, "expected HOST:PORT or :PORT (got " + Quote.of(text) + ")");
                    return null;
                }
                hostPart = text.substring(0, colon);
                portPart = text.substring(colon + 1);
                if (hostPart.indexOf(':') >= 0) {
                    problem(path, "an IPv6 address needs brackets, e.g. \"[::1]:9201\" (got " + Quote.of(text) + ")");
                    return null;
                }
                if (!hostPart.isEmpty() && !HOST_NAME.matcher(hostPart).matches()) {
                    problem(path, "not a valid host: " + Quote.of(hostPart));
                    return null;
                }
            }
            if (portPart.isEmpty()) {
                problem(path, "missing port (got " + Quote.of(text) + ")");
                return null;
            }
            if (!portPart.chars().allMatch(c -> c >= '0' && c <= '9')) {
                problem(path, "port " + Quote.of(portPart) + " is not a number");
                return null;
            }
            String digits = portPart.replaceFirst("^0+(?=.)", "");
            if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
                problem(path, "port " + digits + " out of range");
                return null;
            }
            return new HostPort(hostPart, Integer.parseInt(digits));
        }

        /** The query API base: no query string, trailing slashes dropped so that paths can be appended. */
        URI backendUrl(String text, String path) {
            URI uri = httpUrl(text, path, false);
            if (uri == null) {
                return null;
            }
            String s = uri.toString();
            int end = s.length();
            while (end > 0 && s.charAt(end - 1) == '/') {
                end--;
            }
            return end == s.length() ? uri : URI.create(s.substring(0, end));
        }

        URI httpUrl(String text, String path, boolean allowQuery) {
            if (!text.contains("://")) {
                problem(path, "must be an http:// or https:// URL (got " + Quote.of(text) + ")");
                return null;
            }
            URI uri;
            try {
                uri = new URI(text.strip());
            } catch (URISyntaxException e) {
                problem(path, "not a valid URL: " + Quote.of(text) + " (" + e.getReason() + ")");
                return null;
            }
            String scheme = uri.getScheme();
            if (scheme == null || uri.isOpaque()
                    || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                problem(path, "must be an http:// or https:// URL (got " + Quote.of(text) + ")");
                return null;
            }
            if (uri.getHost() == null) {
                problem(path, "URL has no valid host (got " + Quote.of(text) + ")");
                return null;
            }
            if (!allowQuery && uri.getRawQuery() != null) {
                problem(path, "must not have a query string (got " + Quote.of(text) + ")");
                return null;
            }
            if (uri.getRawFragment() != null) {
                problem(path, "must not have a #fragment (got " + Quote.of(text) + ")");
                return null;
            }
            return uri;
        }

        long size(Section s, String key, long defaultValue) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            long bytes;
            try {
                bytes = ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                problem(s.pathOf(key), e.getMessage());
                return defaultValue;
            }
            if (bytes <= 0) {
                problem(s.pathOf(key), "must be greater than 0 (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return bytes;
        }

        long duration(Section s, String key, long defaultValue) {
            String text = text(s, key);
            if (text == null) {
                return defaultValue;
            }
            long millis;
            try {
                millis = Durations.parseMillis(text);
            } catch (IllegalArgumentException e) {
                String hint = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')
                        ? " (a unit is required, e.g. \"" + text + "s\")" : "";
                String what = e.getMessage() != null && e.getMessage().contains("out of range")
                        ? "duration out of range: " : "not a valid duration: ";
                problem(s.pathOf(key), what + Quote.of(text) + hint);
                return defaultValue;
            }
            if (millis <= 0) {
                problem(s.pathOf(key), "must be greater than 0 (got " + Quote.of(text) + ")");
                return defaultValue;
            }
            return millis;
        }

        /** The scalar at {@code key}, or null when absent or after a problem. */
        String text(Section s, String key) {
            Node node = s.get(key);
            return node == null ? null : scalar(node, s.pathOf(key));
        }

        String scalar(Node node, String path) {
            if (node instanceof ScalarNode scalar) {
                if (isNull(node)) {
                    problem(path, "must not be null");
                    return null;
                }
                return scalar.getValue();
            }
            problem(path, "must be a single value (got " + describe(node) + ")");
            return null;
        }

        Section section(Node node, String path, List<String> keys) {
            Section s = new Section(path);
            if (isNull(node)) {
                return s;
            }
            if (!(node instanceof MappingNode mapping)) {
                problem(path, (path.isEmpty() ? "the document must" : "must") + " be a mapping with keys "
                        + String.join(", ", keys) + " (got " + describe(node) + ")");
                s.malformed = true;
                return s;
            }
            for (NodeTuple t : mapping.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
                if (!keys.contains(key)) {
                    problem(s.pathOf(key), "unknown key" + suggestion(key, keys));
                } else if (s.entries.containsKey(key)) {
                    problem(s.pathOf(key), "duplicate key");
                } else {
                    s.entries.put(key, t.getValueNode());
                }
            }
            return s;
        }
    }

    /** A mapping's known keys, as found; absent and null-valued keys read as null. */
    private static final class Section {
        final String path;
        final Map<String, Node> entries = new LinkedHashMap<>();
        boolean malformed;

        Section(String path) {
            this.path = path;
        }

        String pathOf(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        Node get(String key) {
            Node n = entries.get(key);
            return isNull(n) ? null : n;
        }
    }

    private static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode && Tag.NULL.equals(node.getTag()));
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return Quote.of(((ScalarNode) node).getValue());
    }

    /** Typos are the common case of an unknown key: name the closest known key when it is close. */
    private static String suggestion(String key, List<String> keys) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : keys) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (best != null && bestDistance <= Math.max(1, best.length() / 3)) {
            return " (did you mean \"" + best + "\"?)";
        }
        return " (expected one of " + String.join(", ", keys) + ")";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
