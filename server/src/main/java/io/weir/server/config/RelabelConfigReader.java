package io.weir.server.config;

import com.google.re2j.Pattern;
import io.weir.engine.series.InvalidRegexException;
import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.relabel.Relabeler;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A list of relabel rules in Prometheus' {@code relabel_config} format, checked as Prometheus checks it, with key
 * paths such as {@code ingest.relabel_configs[2].target_label}. One reader for every place that takes rules:
 * {@code scrape_configs[].relabel_configs}, {@code metric_relabel_configs} and {@code ingest.relabel_configs}.
 */
final class RelabelConfigReader {
    private static final List<String> RELABEL_KEYS = List.of("source_labels", "separator", "regex", "modulus",
            "target_label", "replacement", "action");
    private static final String ACTIONS = Arrays.stream(RelabelAction.values()).map(RelabelAction::configName)
            .collect(Collectors.joining(", "));
    /**
     * Prometheus' check of a labelmap replacement: label name characters and group references only. RE2: the nested
     * repeats would backtrack exponentially in java.util.regex on a long replacement that fails near its end.
     */
    private static final Pattern LABELMAP_REPLACEMENT = Pattern.compile("^(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+$");

    private final ConfigLoader.Checker c;

    RelabelConfigReader(ConfigLoader.Checker checker) {
        this.c = checker;
    }

    /** The rules at {@code key} of {@code s}; empty when absent; the valid ones when some have problems. */
    List<RelabelRule> read(ConfigLoader.Section s, String key) {
        List<RelabelRule> out = new ArrayList<>();
        Node node = s.get(key);
        if (node == null) {
            return out;
        }
        String path = s.pathOf(key);
        if (!(node instanceof SequenceNode seq)) {
            c.problem(path, "must be a list of relabel rules (got " + ConfigLoader.describe(node) + ")");
            return out;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            RelabelRule r = rule(seq.getValue().get(i), path + "[" + i + "]");
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private RelabelRule rule(Node node, String path) {
        ConfigLoader.Section s = c.section(node, path, RELABEL_KEYS);
        if (s.malformed) {
            return null;
        }
        int before = c.problems.size();
        RelabelAction action = RelabelAction.REPLACE;
        String a = c.text(s, "action");
        if (a != null) {
            action = RelabelAction.byConfigName(a.toLowerCase(Locale.ROOT));
            if (action == null) {
                c.problem(s.pathOf("action"), "unknown relabel action " + Quote.of(a) + " (supported: " + ACTIONS + ")");
                return null;
            }
        }
        List<String> sources = List.of();
        if (s.get("source_labels") != null) {
            sources = c.strings(s.get("source_labels"), s.pathOf("source_labels"));
            if (sources == null) {
                return null;
            }
            for (int i = 0; i < sources.size(); i++) {
                if (!Relabeler.isLabelName(sources.get(i))) {
                    c.problem(s.pathOf("source_labels") + "[" + i + "]", "invalid label name " + Quote.of(sources.get(i)));
                }
            }
        }
        String separator = orDefault(c.text(s, "separator"), RelabelRule.DEFAULT_SEPARATOR);
        String regexText = orDefault(c.text(s, "regex"), RelabelRule.DEFAULT_REGEX);
        long modulus = 0;
        boolean modulusRead = true;
        String mod = c.text(s, "modulus");
        if (mod != null) {
            try {
                modulus = Long.parseUnsignedLong(mod);
            } catch (NumberFormatException e) {
                c.problem(s.pathOf("modulus"), "must be a positive whole number (got " + Quote.of(mod) + ")");
                modulusRead = false;
            }
        }
        String target = c.text(s, "target_label");
        String replacement = orDefault(c.text(s, "replacement"), RelabelRule.DEFAULT_REPLACEMENT);
        String name = action.configName();
        switch (action) {
            case REPLACE -> {
                if (target == null) {
                    c.problem(s.pathOf("target_label"), "required for action replace");
                } else if (!target.contains("$") && !Relabeler.isLabelName(target)) {
                    c.problem(s.pathOf("target_label"), "invalid label name " + Quote.of(target));
                }
            }
            case LOWERCASE, UPPERCASE, HASHMOD, KEEPEQUAL, DROPEQUAL -> {
                if (target == null) {
                    c.problem(s.pathOf("target_label"), "required for action " + name);
                } else if (!Relabeler.isLabelName(target)) {
                    c.problem(s.pathOf("target_label"), "invalid label name " + Quote.of(target));
                }
                if (action == RelabelAction.HASHMOD && modulus == 0 && mod == null) {
                    c.problem(s.pathOf("modulus"), "required (and > 0) for action hashmod");
                } else if (action == RelabelAction.HASHMOD && modulus == 0 && modulusRead) {
                    c.problem(s.pathOf("modulus"), "must be greater than 0");
                }
                if (action != RelabelAction.HASHMOD && !replacement.equals(RelabelRule.DEFAULT_REPLACEMENT)) {
                    c.problem(s.pathOf("replacement"), "not allowed with action " + name);
                }
                if ((action == RelabelAction.KEEPEQUAL || action == RelabelAction.DROPEQUAL)
                        && (!regexText.equals(RelabelRule.DEFAULT_REGEX) || modulus != 0
                        || !separator.equals(RelabelRule.DEFAULT_SEPARATOR))) {
                    c.problem(path, "action " + name + " takes only source_labels and target_label");
                }
            }
            case LABELDROP, LABELKEEP -> {
                for (String k : List.of("source_labels", "target_label", "modulus", "separator", "replacement")) {
                    if (s.get(k) != null) {
                        c.problem(s.pathOf(k), "not allowed with action " + name + " (it takes only regex)");
                    }
                }
            }
            case LABELMAP -> {
                if (!LABELMAP_REPLACEMENT.matcher(replacement).matches()) {
                    c.problem(s.pathOf("replacement"), "not a label name or group reference: " + Quote.of(replacement));
                }
            }
            case KEEP, DROP -> {
                // as in Prometheus: keep/drop without source_labels match the regex against ""
            }
        }
        RelabelRule rule = null;
        try {
            rule = RelabelRule.of(action, sources, separator, regexText, modulus, target, replacement);
        } catch (InvalidRegexException e) {
            c.problem(s.pathOf("regex"), "not a valid RE2 regular expression: " + Quote.of(regexText) + " (" + e.description() + ")");
        }
        return c.problems.size() > before ? null : rule;
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }
}
