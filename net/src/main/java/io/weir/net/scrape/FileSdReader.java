package io.weir.net.scrape;

import io.weir.net.relabel.Relabeler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads {@code file_sd_configs} files as Prometheus does: each file a JSON or YAML list of
 * {@code {targets: [...], labels: {...}}}; every group gets {@code __meta_filepath}. A file that cannot be read or
 * parsed keeps its previous groups (and is reported), as Prometheus keeps the last good state. Used by one thread.
 */
final class FileSdReader {
    private static final System.Logger LOG = System.getLogger(FileSdReader.class.getName());

    private final FileSdConfig config;
    private final Map<Path, List<TargetGroup>> lastGood = new LinkedHashMap<>();
    private final Map<Path, Long> stamps = new LinkedHashMap<>();
    private long lastFullRead;

    FileSdReader(FileSdConfig config) {
        this.config = config;
    }

    /** @return true when a full re-read is due or a file changed, appeared or vanished since the last read */
    boolean changed(long nowMillis) {
        if (nowMillis - lastFullRead >= config.refreshIntervalMillis()) {
            return true;
        }
        Map<Path, Long> now = new LinkedHashMap<>();
        for (Path p : files()) {
            now.put(p, stamp(p));
        }
        return !now.equals(stamps);
    }

    /** Re-reads every file; @return the groups of all files */
    List<TargetGroup> read(long nowMillis) {
        lastFullRead = nowMillis;
        stamps.clear();
        List<Path> files = files();
        lastGood.keySet().retainAll(files);
        for (Path p : files) {
            stamps.put(p, stamp(p));
            try {
                lastGood.put(p, parse(p));
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "file_sd: cannot read " + p + ": " + e.getMessage()
                        + " (keeping its previous targets)");
            }
        }
        List<TargetGroup> all = new ArrayList<>();
        lastGood.values().forEach(all::addAll);
        return all;
    }

    private List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String pattern : config.files()) {
            Path p = Path.of(pattern);
            String last = p.getFileName() == null ? "" : p.getFileName().toString();
            if (last.contains("*") || last.contains("?") || last.contains("[")) {
                Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + last);
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path f : ds) {
                        if (m.matches(f.getFileName()) && Files.isRegularFile(f)) {
                            out.add(f);
                        }
                    }
                } catch (IOException e) {
                    // a missing directory has no files yet
                }
            } else if (Files.exists(p)) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    private static long stamp(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis() * 31 + Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static List<TargetGroup> parse(Path p) throws IOException {
        String text = Files.readString(p);
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        List<TargetGroup> groups = new ArrayList<>();
        if (doc == null) {
            return groups;
        }
        if (!(doc instanceof List<?> list)) {
            throw new IOException("expected a list of target groups");
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> g)) {
                throw new IOException("expected a target group mapping, got " + o);
            }
            List<String> targets = new ArrayList<>();
            if (g.get("targets") instanceof List<?> ts) {
                for (Object t : ts) {
                    targets.add(String.valueOf(t));
                }
            } else if (g.get("targets") != null) {
                throw new IOException("targets must be a list");
            }
            Map<String, String> labels = new TreeMap<>();
            if (g.get("labels") instanceof Map<?, ?> ls) {
                for (Map.Entry<?, ?> e : ls.entrySet()) {
                    String name = String.valueOf(e.getKey());
                    if (!Relabeler.isLabelName(name)) {
                        throw new IOException("invalid label name " + name);
                    }
                    labels.put(name, String.valueOf(e.getValue()));
                }
            } else if (g.get("labels") != null) {
                throw new IOException("labels must be a mapping");
            }
            labels.put("__meta_filepath", p.toString());
            groups.add(new TargetGroup(targets, labels, p.toString()));
        }
        return groups;
    }
}
