package io.weir.net.scrape;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * One target after relabeling: the URL to scrape and the labels every series of it gets (no {@code __} labels;
 * {@code job} and {@code instance} always present). Immutable; {@link #key()} identifies it across target updates.
 */
public record ScrapeTarget(String jobName, URI url, TreeMap<String, String> labels, String key) {
    /** Target label names, sorted, as UTF-8. */
    public byte[][] labelNameBytes() {
        byte[][] out = new byte[labels.size()][];
        int i = 0;
        for (String n : labels.keySet()) {
            out[i++] = n.getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    public byte[][] labelValueBytes() {
        byte[][] out = new byte[labels.size()][];
        int i = 0;
        for (String v : labels.values()) {
            out[i++] = v.getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    public String instance() { return labels.get("instance"); }

    /** A stable 64-bit hash of the target, for spreading scrapes over the interval (as Prometheus' offset does). */
    public long hash() {
        long h = 0xcbf29ce484222325L;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            h = fnv(h, e.getKey());
            h = fnv(h, e.getValue());
        }
        return fnv(h, url.toString());
    }

    private static long fnv(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= 0xff;
        return h * 0x100000001b3L;
    }
}
