package io.weir.net.scrape;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Relabel actions against expected label sets (cases after Prometheus' relabel_test.go semantics). */
class RelabelerTest {
    private static RelabelRule rule(RelabelAction a, List<String> src, String regex, String target, String replacement, long mod) {
        return new RelabelRule(src, ";", regex, RelabelRule.compile(regex), mod, target, replacement, a);
    }

    private static TreeMap<String, String> labels(String... kv) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void replaceWithGroupsAndNames() {
        TreeMap<String, String> l = labels("a", "foo", "b", "bar");
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a", "b"), "f(.*);(?P<second>.*)", "d", "${1}-$second-$$-$9", 0)), l));
        assertEquals(Map.of("a", "foo", "b", "bar", "d", "oo-bar-$-"), l);
        // anchored: "o" does not match "foo"
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "o", "e", "x", 0)), l));
        assertFalse(l.containsKey("e"));
        // empty result deletes; target label from a group
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "(f)oo", "${1}x", "", 0)), labels("a", "foo", "fx", "1")));
        TreeMap<String, String> m = labels("a", "foo", "fx", "1");
        Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "(f)oo", "${1}x", "", 0)), m);
        assertEquals(Map.of("a", "foo"), m);
        // $1x is the (unknown) group "1x": expands to nothing
        TreeMap<String, String> n = labels("a", "foo");
        Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "(f)oo", "t", "$1x", 0)), n);
        assertFalse(n.containsKey("t"));
    }

    @Test
    void keepDropHashmodCase() {
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.KEEP, List.of("a"), "bar", null, "$1", 0)), labels("a", "foo")));
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.KEEP, List.of("a"), "f.*", null, "$1", 0)), labels("a", "foo")));
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.DROP, List.of("a"), "f.*", null, "$1", 0)), labels("a", "foo")));
        // missing source label is the empty string
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.DROP, List.of("zzz"), "", null, "$1", 0)), labels("a", "foo")));
        TreeMap<String, String> h = labels("a", "foo");
        Relabeler.apply(List.of(rule(RelabelAction.HASHMOD, List.of("a"), "(.*)", "shard", "$1", 1000)), h);
        assertEquals(Long.toString(Long.remainderUnsigned(Relabeler.md5Low64("foo"), 1000)), h.get("shard"));
        TreeMap<String, String> c = labels("a", "FoO");
        Relabeler.apply(List.of(rule(RelabelAction.LOWERCASE, List.of("a"), "(.*)", "lo", "$1", 0),
                rule(RelabelAction.UPPERCASE, List.of("a"), "(.*)", "up", "$1", 0)), c);
        assertEquals("foo", c.get("lo"));
        assertEquals("FOO", c.get("up"));
    }

    @Test
    void hashmodMatchesPrometheus() {
        // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; low 8 bytes 0xedef654fccc4a4d8
        assertEquals(0xedef654fccc4a4d8L, Relabeler.md5Low64("foo"));
    }

    @Test
    void labelmapDropKeep() {
        TreeMap<String, String> l = labels("__meta_x_a", "1", "__meta_x_b", "2", "c", "3");
        Relabeler.apply(List.of(rule(RelabelAction.LABELMAP, List.of(), "__meta_x_(.+)", null, "$1", 0)), l);
        assertEquals(Map.of("__meta_x_a", "1", "__meta_x_b", "2", "a", "1", "b", "2", "c", "3"), l);
        Relabeler.apply(List.of(rule(RelabelAction.LABELDROP, List.of(), "__meta_.*", null, "$1", 0)), l);
        assertEquals(Map.of("a", "1", "b", "2", "c", "3"), l);
        Relabeler.apply(List.of(rule(RelabelAction.LABELKEEP, List.of(), "a|c", null, "$1", 0)), l);
        assertEquals(Map.of("a", "1", "c", "3"), l);
    }

    @Test
    void targetLabelsFollowPrometheus() {
        ScrapeJob job = new ScrapeJob("j", 15_000, 10_000, "/metrics", "http", Map.of("module", List.of("m1")),
                List.of(), List.of(), List.of(
                        rule(RelabelAction.REPLACE, List.of("__address__"), "(.*):9100", "__param_target", "$1", 0),
                        rule(RelabelAction.DROP, List.of("drop"), "yes", null, "$1", 0)),
                List.of(), false, true, 0, null, null, ScrapeJob.TlsConfig.DEFAULT);
        ScrapeTarget t = TargetLabels.resolve(job, "host:9100", Map.of("env", "x", "__meta_filepath", "/f"));
        assertEquals("http://host:9100/metrics?module=m1&target=host", t.url().toString());
        assertEquals(Map.of("env", "x", "instance", "host:9100", "job", "j"), t.labels());
        assertEquals(null, TargetLabels.resolve(job, "h:9100", Map.of("drop", "yes")));
        assertEquals("http://plain:80/metrics?module=m1", TargetLabels.resolve(job, "plain", Map.of()).url().toString());
    }
}
