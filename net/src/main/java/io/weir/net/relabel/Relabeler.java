package io.weir.net.relabel;

import com.google.re2j.Matcher;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies relabel rules to a label set with Prometheus' semantics: source label values joined by the separator,
 * fully anchored RE2 matching ({@link RelabelRule}), {@code $1}, {@code ${1}}, {@code $name} and {@code $$}
 * expansion in {@code target_label} and {@code replacement}, an empty value deleting the label (as Prometheus'
 * {@code labels.Builder.Set} does), {@code keepequal}/{@code dropequal} comparing the joined value with the target
 * label's. Stateless; allocates (used for target discovery, per scraped series where configured, and per distinct
 * label set on the ingest path, whose {@code IngestRelabeler} caches the results).
 */
public final class Relabeler {
    private Relabeler() {}

    /**
     * @param labels changed in place
     * @return false when a keep/drop rule dropped the set
     */
    public static boolean apply(List<RelabelRule> rules, TreeMap<String, String> labels) {
        for (RelabelRule r : rules) {
            if (!apply(r, labels)) {
                return false;
            }
        }
        return true;
    }

    static boolean apply(RelabelRule r, TreeMap<String, String> labels) {
        String value = sourceValue(r, labels);
        switch (r.action()) {
            case DROP -> {
                return !r.regex().matches(value);
            }
            case KEEP -> {
                return r.regex().matches(value);
            }
            case DROPEQUAL -> {
                return !labels.getOrDefault(r.targetLabel(), "").equals(value);
            }
            case KEEPEQUAL -> {
                return labels.getOrDefault(r.targetLabel(), "").equals(value);
            }
            case REPLACE -> {
                Matcher m = r.groups().matcher(value);
                if (!m.matches()) {
                    return true;
                }
                String target = expand(m, r.targetLabel());
                if (isLabelName(target)) {
                    set(labels, target, expand(m, r.replacement()));
                }
            }
            case LOWERCASE -> set(labels, r.targetLabel(), value.toLowerCase(Locale.ROOT));
            case UPPERCASE -> set(labels, r.targetLabel(), value.toUpperCase(Locale.ROOT));
            case HASHMOD -> set(labels, r.targetLabel(),
                    Long.toUnsignedString(Long.remainderUnsigned(md5Low64(value), r.modulus())));
            case LABELMAP -> {
                // over a copy: Prometheus ranges over the labels as they were before this rule
                for (Map.Entry<String, String> e : new ArrayList<>(labels.entrySet())) {
                    Matcher m = r.groups().matcher(e.getKey());
                    if (m.matches()) {
                        String name = expand(m, r.replacement());
                        if (!name.isEmpty()) {
                            labels.put(name, e.getValue());
                        }
                    }
                }
            }
            case LABELDROP -> labels.keySet().removeIf(name -> r.regex().matches(name));
            case LABELKEEP -> labels.keySet().removeIf(name -> !r.regex().matches(name));
        }
        return true;
    }

    /** Prometheus' labels.Builder.Set: an empty value deletes the label. */
    private static void set(TreeMap<String, String> labels, String name, String value) {
        if (value.isEmpty()) {
            labels.remove(name);
        } else {
            labels.put(name, value);
        }
    }

    private static String sourceValue(RelabelRule r, Map<String, String> labels) {
        List<String> src = r.sourceLabels();
        if (src.size() == 1) {
            return labels.getOrDefault(src.get(0), "");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < src.size(); i++) {
            if (i > 0) {
                sb.append(r.separator());
            }
            sb.append(labels.getOrDefault(src.get(i), ""));
        }
        return sb.toString();
    }

    /** Go's regexp.Expand: $1, ${1}, $name, ${name}, $$; an unknown group or a bad reference expands to nothing. */
    static String expand(Matcher m, String template) {
        if (template.indexOf('$') < 0) {
            return template;
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c != '$') {
                sb.append(c);
                i++;
                continue;
            }
            i++;
            if (i < n && template.charAt(i) == '$') {
                sb.append('$');
                i++;
                continue;
            }
            String name;
            if (i < n && template.charAt(i) == '{') {
                int close = template.indexOf('}', i + 1);
                if (close < 0 || close == i + 1 || !isGroupName(template, i + 1, close)) {
                    sb.append('$'); // Go: a malformed reference is kept as written
                    continue;
                }
                name = template.substring(i + 1, close);
                i = close + 1;
            } else {
                int start = i;
                while (i < n && isWordChar(template.charAt(i))) {
                    i++;
                }
                if (i == start) {
                    sb.append('$');
                    continue;
                }
                name = template.substring(start, i);
            }
            String group = group(m, name);
            if (group != null) {
                sb.append(group);
            }
        }
        return sb.toString();
    }

    private static String group(Matcher m, String name) {
        boolean numeric = name.chars().allMatch(ch -> ch >= '0' && ch <= '9');
        if (numeric) {
            if (name.length() > 9) {
                return null;
            }
            int g = Integer.parseInt(name);
            return g <= m.groupCount() ? m.group(g) : null;
        }
        try {
            return m.group(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isGroupName(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!isWordChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    public static boolean isLabelName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Prometheus' hashmod: the low 8 bytes of the MD5 digest, big-endian. */
    static long md5Low64(String value) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long s = 0;
        for (int i = 8; i < 16; i++) {
            s = (s << 8) | (d[i] & 0xff);
        }
        return s;
    }
}
