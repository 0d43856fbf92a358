package io.weir.server.config;

import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ingest.relabel_configs}: off by default, every action read, every problem named with its key path. */
class IngestRelabelConfigTest {
    private final ConfigLoader loader = new ConfigLoader(new SimpleSelectorParser());

    @Test
    void offByDefault() {
        WeirConfig c = loader.parse("", "t").config();
        assertTrue(c.ingest().relabelConfigs().isEmpty());
        assertFalse(ConfigLoader.summary(c).contains("relabeling"));
    }

    @Test
    void everyActionIsRead() {
        ConfigResult r = loader.parse("""
                ingest:
                  relabel_configs:
                    - source_labels: [__name__]
                      regex: 'go_.*'
                      action: drop
                    - source_labels: [env, region]
                      separator: '/'
                      regex: '(.+)/(.+)'
                      target_label: where
                      replacement: '${1}-$2'
                    - {source_labels: [a], target_label: b, action: keepequal}
                    - {source_labels: [a], target_label: b, action: dropequal}
                    - {source_labels: [instance], modulus: 4, target_label: shard, action: hashmod}
                    - {regex: 'meta_(.+)', replacement: '$1', action: labelmap}
                    - {regex: 'meta_.*', action: labeldrop}
                    - {regex: '__name__|job|.*', action: labelkeep}
                    - {source_labels: [job], target_label: job, action: lowercase}
                    - {source_labels: [job], target_label: JOB, action: uppercase}
                    - {source_labels: [job], regex: 'keep.*', action: KEEP}
                """, "t");
        assertTrue(r.isValid(), () -> r.problems().toString());
        List<RelabelRule> rules = r.config().ingest().relabelConfigs();
        assertEquals(List.of(RelabelAction.DROP, RelabelAction.REPLACE, RelabelAction.KEEPEQUAL, RelabelAction.DROPEQUAL,
                RelabelAction.HASHMOD, RelabelAction.LABELMAP, RelabelAction.LABELDROP, RelabelAction.LABELKEEP,
                RelabelAction.LOWERCASE, RelabelAction.UPPERCASE, RelabelAction.KEEP), rules.stream().map(RelabelRule::action).toList());
        RelabelRule replace = rules.get(1);
        assertEquals(List.of("env", "region"), replace.sourceLabels());
        assertEquals("/", replace.separator());
        assertEquals("(.+)/(.+)", replace.regexText());
        assertEquals("where", replace.targetLabel());
        assertEquals("${1}-$2", replace.replacement());
        assertEquals(4, rules.get(4).modulus());
        String summary = ConfigLoader.summary(r.config());
        assertTrue(summary.contains("relabeling:     11 rule(s) on remote write, OTLP and scrapes, before the WAL"), summary);
        assertTrue(summary.contains("  [0] drop [__name__] =~ go_.*"), summary);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ingest: {relabel_configs: {action: drop}}|ingest.relabel_configs|must be a list of relabel rules (got a mapping)",
        "ingest: {relabel_configs: [{action: explode}]}|ingest.relabel_configs[0].action|unknown relabel action \"explode\" (supported: replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)",
        "ingest: {relabel_configs: [{action: replace}]}|ingest.relabel_configs[0].target_label|required for action replace",
        "ingest: {relabel_configs: [{action: replace, target_label: 1x}]}|ingest.relabel_configs[0].target_label|invalid label name \"1x\"",
        "ingest: {relabel_configs: [{action: keep, source_labels: [x], regex: '(a'}]}|ingest.relabel_configs[0].regex|not a valid RE2 regular expression: \"(a\" (missing closing ))",
        "ingest: {relabel_configs: [{action: drop, source_labels: [x], regex: 'a(?=b)'}]}|ingest.relabel_configs[0].regex|not a valid RE2 regular expression: \"a(?=b)\" (invalid or unsupported Perl syntax)",
        "ingest: {relabel_configs: [{action: keep, source_labels: [1a]}]}|ingest.relabel_configs[0].source_labels[0]|invalid label name \"1a\"",
        "ingest: {relabel_configs: [{action: hashmod, target_label: s, source_labels: [x]}]}|ingest.relabel_configs[0].modulus|required (and > 0) for action hashmod",
        "ingest: {relabel_configs: [{action: hashmod, target_label: s, modulus: -1}]}|ingest.relabel_configs[0].modulus|must be a positive whole number (got \"-1\")",
        "ingest: {relabel_configs: [{action: keepequal, source_labels: [a]}]}|ingest.relabel_configs[0].target_label|required for action keepequal",
        "ingest: {relabel_configs: [{action: dropequal, source_labels: [a], target_label: b, regex: x}]}|ingest.relabel_configs[0]|action dropequal takes only source_labels and target_label",
        "ingest: {relabel_configs: [{action: lowercase, source_labels: [a], target_label: b, replacement: x}]}|ingest.relabel_configs[0].replacement|not allowed with action lowercase",
        "ingest: {relabel_configs: [{action: labelmap, regex: 'a(.*)', replacement: 'b-$1'}]}|ingest.relabel_configs[0].replacement|not a label name or group reference: \"b-$1\"",
        "ingest: {relabel_configs: [{action: labelmap, regex: 'a(.*)', replacement: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-'}]}|ingest.relabel_configs[0].replacement|not a label name or group reference: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-\"",
        "ingest: {relabel_configs: [{action: labeldrop, regex: x, source_labels: [y]}]}|ingest.relabel_configs[0].source_labels|not allowed with action labeldrop (it takes only regex)",
        "ingest: {relabel_configs: [{action: drop, regexp: x}]}|ingest.relabel_configs[0].regexp|unknown key (did you mean \"regex\"?)",
    })
    void oneProblem(String yaml, String keyPath, String message) {
        ConfigResult r = loader.parse(yaml, "t");
        assertFalse(r.isValid(), yaml);
        assertEquals(List.of(new ConfigProblem(keyPath, message)), r.problems());
    }
}
