package io.weir.net.scrape;

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
 * Applies relabel rules to a label set with Prometheus 2.42's semantics: source label values joined by the
 * separator, fully anchored RE2 matching, {@code $1}, {@code ${1}}, {@code $name} and {@code $$} expansion in
 * {@code target_label} and {@code replacement}, an empty result deleting the target label. Stateless; allocates
 * (used for target discovery and, only where configured, per scraped series).
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
                return !r.regex().matcher(value).find();
            }
            case KEEP -> {
                return r.regex().matcher(value).find();
            }
            case REPLACE -> {
                Matcher m = r.regex().matcher(value);
                if (!m.find()) {
                    return true;
                }
                String target = expand(m, r.targetLabel());
                if (!isLabelName(target)) {
                    return true;
                }
                String result = expand(m, r.replacement());
                if (result.isEmpty()) {
                    labels.remove(target);
                } else {
                    labels.put(target, result);
                }
            }
            case LOWERCASE -> labels.put(r.targetLabel(), value.toLowerCase(Locale.ROOT));
            case UPPERCASE -> labels.put(r.targetLabel(), value.toUpperCase(Locale.ROOT));
            case HASHMOD -> labels.put(r.targetLabel(), Long.toUnsignedString(Long.remainderUnsigned(md5Low64(value), r.modulus())));
            case LABELMAP -> {
                for (Map.Entry<String, String> e : new ArrayList<>(labels.entrySet())) {
                    Matcher m = r.regex().matcher(e.getKey());
                    if (m.find()) {
                        labels.put(expand(m, r.replacement()), e.getValue());
                    }
                }
            }
            case LABELDROP -> labels.keySet().removeIf(name -> r.regex().matcher(name).find());
            case LABELKEEP -> labels.keySet().removeIf(name -> !r.regex().matcher(name).find());
        }
        return true;
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
