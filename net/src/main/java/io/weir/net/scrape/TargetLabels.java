package io.weir.net.scrape;

import io.weir.net.relabel.Relabeler;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a discovered address and its group labels into a {@link ScrapeTarget} as Prometheus 2.42's
 * {@code populateLabels} does: the job's {@code __scheme__}, {@code __metrics_path__}, {@code __scrape_interval__},
 * {@code __scrape_timeout__}, {@code __param_*} and {@code job} are set where the group does not set them,
 * {@code relabel_configs} run, the default port of the scheme is added, {@code instance} defaults to the address and
 * every {@code __} label is dropped from the target's labels. Stateless; allocates.
 */
public final class TargetLabels {
    private TargetLabels() {}

    /**
     * @return the target, or null when relabeling dropped it
     * @throws IllegalArgumentException for a target that cannot be scraped (no address, bad address)
     */
    public static ScrapeTarget resolve(ScrapeJob job, String address, Map<String, String> groupLabels) {
        TreeMap<String, String> l = new TreeMap<>(groupLabels);
        l.put("__address__", address);
        l.putIfAbsent("job", job.jobName());
        l.putIfAbsent("__scrape_interval__", DurationText.format(job.intervalMillis()));
        l.putIfAbsent("__scrape_timeout__", DurationText.format(job.timeoutMillis()));
        l.putIfAbsent("__metrics_path__", job.metricsPath());
        l.putIfAbsent("__scheme__", job.scheme());
        for (Map.Entry<String, List<String>> p : job.params().entrySet()) {
            if (!p.getValue().isEmpty()) {
                l.putIfAbsent("__param_" + p.getKey(), p.getValue().get(0));
            }
        }
        if (!Relabeler.apply(job.relabelConfigs(), l)) {
            return null;
        }
        l.values().removeIf(String::isEmpty);
        String addr = l.get("__address__");
        if (addr == null) {
            throw new IllegalArgumentException("no address");
        }
        String scheme = l.getOrDefault("__scheme__", "http");
        if (!addr.contains("/") && !hasPort(addr)) {
            addr = addr + (scheme.equals("https") ? ":443" : ":80");
            l.put("__address__", addr);
        }
        if (addr.contains("/") || addr.contains("@") || addr.isBlank()) {
            throw new IllegalArgumentException("invalid address \"" + addr + "\" (want host:port)");
        }
        l.putIfAbsent("instance", addr);
        URI url = url(job, l, scheme, addr);
        TreeMap<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : l.entrySet()) {
            if (!e.getKey().startsWith("__")) {
                labels.put(e.getKey(), e.getValue());
            }
        }
        return new ScrapeTarget(job.jobName(), url, labels, url + " " + labels);
    }

    private static boolean hasPort(String addr) {
        if (addr.startsWith("[")) {
            return addr.contains("]:");
        }
        int colon = addr.lastIndexOf(':');
        return colon >= 0 && addr.indexOf(':') == colon;
    }

    private static URI url(ScrapeJob job, TreeMap<String, String> l, String scheme, String addr) {
        // params: the job's, with any __param_<name> label replacing the first value, as Prometheus' URL() does
        Map<String, List<String>> params = new TreeMap<>();
        job.params().forEach((k, v) -> params.put(k, new ArrayList<>(v)));
        for (Map.Entry<String, String> e : l.entrySet()) {
            if (e.getKey().startsWith("__param_")) {
                String name = e.getKey().substring("__param_".length());
                List<String> vs = params.computeIfAbsent(name, k -> new ArrayList<>());
                if (vs.isEmpty()) {
                    vs.add(e.getValue());
                } else {
                    vs.set(0, e.getValue());
                }
            }
        }
        StringBuilder q = new StringBuilder();
        params.forEach((k, vs) -> {
            for (String v : vs) {
                q.append(q.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        String path = l.getOrDefault("__metrics_path__", job.metricsPath());
        try {
            return new URI(scheme + "://" + addr + path + (q.isEmpty() ? "" : "?" + q));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid scrape URL: " + e.getMessage());
        }
    }
}
