package io.weir.net.relabel;

import io.weir.engine.series.InvalidRegexException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every relabel action against expected label sets, with the edge cases of Prometheus' relabeling semantics. */
class RelabelerTest {
    private static RelabelRule rule(RelabelAction a, List<String> src, String regex, String target, String replacement, long mod) {
        return RelabelRule.of(a, src, ";", regex, mod, target, replacement);
    }

    private static TreeMap<String, String> labels(String... kv) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Applies the rules; null when they drop the set. */
    private static Map<String, String> relabel(Map<String, String> in, RelabelRule... rules) {
        TreeMap<String, String> l = new TreeMap<>(in);
        return Relabeler.apply(List.of(rules), l) ? l : null;
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
        TreeMap<String, String> m = labels("a", "foo", "fx", "1");
        Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "(f)oo", "${1}x", "", 0)), m);
        assertEquals(Map.of("a", "foo"), m);
        // $1x is the (unknown) group "1x": expands to nothing
        TreeMap<String, String> n = labels("a", "foo");
        Relabeler.apply(List.of(rule(RelabelAction.REPLACE, List.of("a"), "(f)oo", "t", "$1x", 0)), n);
        assertFalse(n.containsKey("t"));
    }

    @Test
    void replaceEdgeCases() {
        Map<String, String> in = Map.of("__name__", "m", "a", "foo");
        // no source labels: the value is "", which the default regex matches: a constant label
        assertEquals(Map.of("__name__", "m", "a", "foo", "env", "prod"),
                relabel(in, rule(RelabelAction.REPLACE, List.of(), "(.*)", "env", "prod", 0)));
        // a missing source label joins as ""
        assertEquals(Map.of("__name__", "m", "a", "foo", "j", "foo;"),
                relabel(in, rule(RelabelAction.REPLACE, List.of("a", "zz"), "(.*)", "j", "$1", 0)));
        // an expanded target that is not a label name changes nothing
        assertEquals(in, relabel(in, rule(RelabelAction.REPLACE, List.of("a"), "(.*)", "${1}-x", "v", 0)));
        // '.' matches a newline (Prometheus 3: ^(?s:re)$)
        assertEquals(Map.of("a", "x\ny", "b", "x\ny"),
                relabel(Map.of("a", "x\ny"), rule(RelabelAction.REPLACE, List.of("a"), "x.y", "b", "$0", 0)));
        // the replacement may overwrite the source label, and __name__
        assertEquals(Map.of("__name__", "m_total", "a", "foo"),
                relabel(in, rule(RelabelAction.REPLACE, List.of("__name__"), "(.+)", "__name__", "${1}_total", 0)));
        // a malformed reference is kept literally, $$ is one $
        assertEquals(Map.of("__name__", "m", "a", "foo", "t", "${ $"),
                relabel(in, rule(RelabelAction.REPLACE, List.of("a"), "f(o)o", "t", "${ $$", 0)));
    }

    @Test
    void keepDropHashmodCase() {
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.KEEP, List.of("a"), "bar", null, "$1", 0)), labels("a", "foo")));
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.KEEP, List.of("a"), "f.*", null, "$1", 0)), labels("a", "foo")));
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.DROP, List.of("a"), "f.*", null, "$1", 0)), labels("a", "foo")));
        // anchored: a partial match does not drop
        assertTrue(Relabeler.apply(List.of(rule(RelabelAction.DROP, List.of("a"), "fo", null, "$1", 0)), labels("a", "foo")));
        // missing source label is the empty string
        assertFalse(Relabeler.apply(List.of(rule(RelabelAction.DROP, List.of("zzz"), "", null, "$1", 0)), labels("a", "foo")));
        // joined values with a custom separator
        assertNull(relabel(Map.of("a", "1", "b", "2"), RelabelRule.of(RelabelAction.DROP, List.of("a", "b"), "-", "1-2", 0, null, "$1")));
        TreeMap<String, String> h = labels("a", "foo");
        Relabeler.apply(List.of(rule(RelabelAction.HASHMOD, List.of("a"), "(.*)", "shard", "$1", 1000)), h);
        assertEquals(Long.toString(Long.remainderUnsigned(Relabeler.md5Low64("foo"), 1000)), h.get("shard"));
        TreeMap<String, String> c = labels("a", "FoO");
        Relabeler.apply(List.of(rule(RelabelAction.LOWERCASE, List.of("a"), "(.*)", "lo", "$1", 0),
                rule(RelabelAction.UPPERCASE, List.of("a"), "(.*)", "up", "$1", 0)), c);
        assertEquals("foo", c.get("lo"));
        assertEquals("FOO", c.get("up"));
        // lowercase of a missing label sets "", which deletes the target (labels.Builder.Set)
        assertEquals(Map.of("a", "x"), relabel(Map.of("a", "x", "lo", "old"), rule(RelabelAction.LOWERCASE, List.of("zz"), "(.*)", "lo", "$1", 0)));
    }

    @Test
    void keepEqualAndDropEqual() {
        Map<String, String> same = Map.of("a", "1", "b", "1");
        Map<String, String> differ = Map.of("a", "1", "b", "2");
        RelabelRule keepEq = RelabelRule.of(RelabelAction.KEEPEQUAL, List.of("a"), ";", "(.*)", 0, "b", "$1");
        RelabelRule dropEq = RelabelRule.of(RelabelAction.DROPEQUAL, List.of("a"), ";", "(.*)", 0, "b", "$1");
        assertEquals(same, relabel(same, keepEq));
        assertNull(relabel(differ, keepEq));
        assertNull(relabel(same, dropEq));
        assertEquals(differ, relabel(differ, dropEq));
        // a missing target compares as "": equal to a missing source
        assertNull(relabel(Map.of("c", "1"), dropEq));
    }

    @Test
    void hashmodMatchesPrometheus() {
        // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; low 8 bytes 0xedef654fccc4a4d8
        assertEquals(0xedef654fccc4a4d8L, Relabeler.md5Low64("foo"));
        assertEquals(Map.of("a", "foo", "s", Long.toUnsignedString(Long.remainderUnsigned(0xedef654fccc4a4d8L, 7))),
                relabel(Map.of("a", "foo"), rule(RelabelAction.HASHMOD, List.of("a"), "(.*)", "s", "$1", 7)));
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
        // labelmap overwrites an existing label with the mapped one; anchored: "xa" is not mapped by "a"
        assertEquals(Map.of("a", "1", "b", "1", "xa", "2"),
                relabel(Map.of("a", "1", "b", "0", "xa", "2"), rule(RelabelAction.LABELMAP, List.of(), "a", null, "b", 0)));
        // labeldrop of __name__ leaves a set without a name (the ingest path then drops the series)
        assertEquals(Map.of("a", "1"), relabel(Map.of("__name__", "m", "a", "1"), rule(RelabelAction.LABELDROP, List.of(), "__name__", null, "$1", 0)));
    }

    @Test
    void rulesRunInOrderAndStopAtADrop() {
        Map<String, String> in = Map.of("__name__", "http_requests_total", "code", "500");
        assertNull(relabel(in,
                rule(RelabelAction.REPLACE, List.of("code"), "5..", "class", "5xx", 0),
                rule(RelabelAction.DROP, List.of("class"), "5xx", null, "$1", 0)));
        assertEquals(Map.of("__name__", "http_requests_total", "class", "5xx"), relabel(in,
                rule(RelabelAction.REPLACE, List.of("code"), "(\\d)..", "class", "${1}xx", 0),
                rule(RelabelAction.LABELDROP, List.of(), "code", null, "$1", 0)));
    }

    @Test
    void invalidRegexIsRefused() {
        assertThrows(InvalidRegexException.class, () -> rule(RelabelAction.KEEP, List.of("a"), "(a", null, "$1", 0));
        assertThrows(InvalidRegexException.class, () -> rule(RelabelAction.KEEP, List.of("a"), "a(?=b)", null, "$1", 0));
        assertThrows(InvalidRegexException.class, () -> rule(RelabelAction.REPLACE, List.of("a"), "(a)\\1", "t", "$1", 0));
    }
}
