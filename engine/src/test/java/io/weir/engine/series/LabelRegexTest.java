package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelRegexTest {
    /** Regexes whose meaning is the same in RE2 and java.util.regex, so the JDK serves as the oracle. */
    private static final String[] SHARED_SYNTAX = {
        "", ".*", ".+", "a", "a|b|", "|x", "a\\.b", "a.b", "a.*", "ab.*", "a\\.*", "a\\\\.*", "a|b.*", "(a|b)c?",
        "[a-c]+", "[^a]*", "a{2,3}", "a{2,}", "x{0}", "(?i)AB", "\\d+", "\\w\\s", "ä.|ü", "a\\|b", "\\Qa.b\\E",
        "a.{0,2}b", "(?:a|ab)(?:c|bcd)", "10\\.0\\.0\\.1|10\\.0\\.0\\.2",
    };
    private static final String[] VALUES = {
        "", "a", "b", "x", "ab", "abc", "a.b", "axb", "a\nb", "aa", "aaa", "aaaa", "AB", "ab.", "a|b", "12", "a b",
        "ä1", "ü", "abcd", "10.0.0.1", "10x0x0x1", "\n", "a..", "a\\", "a\\x",
    };

    @Test
    void matchesLikeAnAnchoredDotAllJdkRegex() {
        for (String re : SHARED_SYNTAX) {
            Pattern oracle = Pattern.compile("^(?:" + re + ")$", Pattern.DOTALL);
            LabelRegex regex = LabelRegex.compile(re);
            for (String v : VALUES) {
                assertEquals(oracle.matcher(v).matches(), regex.matches(v), () -> "/" + re + "/ on " + quote(v));
            }
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 2000; i++) {
            String re = SHARED_SYNTAX[rnd.nextInt(SHARED_SYNTAX.length)];
            StringBuilder v = new StringBuilder();
            for (int k = rnd.nextInt(6); k > 0; k--) {
                v.append("ab.\n|x\\1ä".charAt(rnd.nextInt(9)));
            }
            assertEquals(Pattern.compile("^(?:" + re + ")$", Pattern.DOTALL).matcher(v).matches(),
                    LabelRegex.compile(re).matches(v.toString()), () -> "/" + re + "/ on " + quote(v.toString()));
        }
    }

    @Test
    void literalShapesSkipTheAutomaton() {
        assertEquals(Set.of("a", "b", ""), LabelRegex.compile("a|b|").literals());
        assertEquals(Set.of("10.0.0.1", "a|b"), LabelRegex.compile("10\\.0\\.0\\.1|a\\|b").literals());
        assertEquals(Set.of(""), LabelRegex.compile("").literals());
        assertNull(LabelRegex.compile("a.b").literals());
        assertNull(LabelRegex.compile("(a|b)").literals());
        assertNull(LabelRegex.compile("a\\d").literals());
        assertNull(LabelRegex.compile("ab.*").literals());
        assertTrue(LabelRegex.compile("ab.*").matches("ab\nc"));
        assertTrue(LabelRegex.compile("[[:alpha:]]+").matches("ab"));  // POSIX classes: RE2, not java.util.regex
        assertFalse(LabelRegex.compile("[[:alpha:]]+").matches("a1"));
        assertFalse(LabelRegex.compile("ab.*").matches("a"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\u0000', textBlock = """
            (a)\\1          | error parsing regexp: invalid escape sequence: `\\1`
            (?=a)           | error parsing regexp: invalid or unsupported Perl syntax: `(?=`
            (?<!a)b         | error parsing regexp: invalid named capture: `(?<!a)b)$`
            a*+             | error parsing regexp: invalid nested repetition operator: `*+`
            a++             | error parsing regexp: invalid nested repetition operator: `++`
            (               | error parsing regexp: missing closing ): `^(?s:()$`
            [a              | error parsing regexp: missing closing ]: `[a)$`
            a{1001}         | error parsing regexp: invalid repeat count: `{1001}`
            \\C             | error parsing regexp: invalid escape sequence: `\\C`
            """)
    void refusesWhatRe2Refuses(String regex, String message) {
        InvalidRegexException e = assertThrows(InvalidRegexException.class, () -> LabelRegex.compile(regex));
        assertEquals(message, e.getMessage());
    }

    @Test
    void refusesShapesBeyondTheLimits() {
        String deep = "(".repeat(1001) + "a" + ")".repeat(1001);
        assertEquals("expression nests too deeply", assertThrows(InvalidRegexException.class,
                () -> LabelRegex.compile(deep)).description());
        String veryDeep = "(".repeat(100_000) + ")".repeat(100_000);
        assertEquals("expression nests too deeply", assertThrows(InvalidRegexException.class,
                () -> LabelRegex.compile(veryDeep)).description());
        assertTrue(LabelRegex.compile("(".repeat(1000) + "a" + ")".repeat(1000)).matches("a"));

        assertEquals("expression too large", assertThrows(InvalidRegexException.class,
                () -> LabelRegex.compile("((a{1000}){1000}){1000}")).description());
        assertEquals("expression too large", assertThrows(InvalidRegexException.class,
                () -> LabelRegex.compile("(((((a{10}){10}){10}){10}){10}){10}b")).description());
        assertTrue(LabelRegex.compile("(a{100}){10}").matches("a".repeat(1000)));

        String longRun = "[ab]".repeat(LabelRegex.MAX_CONCATENATION + 1);
        assertTrue(assertThrows(InvalidRegexException.class, () -> LabelRegex.compile(longRun)).description()
                .startsWith("expression too large"));
        // a long plain literal is set membership, not a concatenation to compile
        assertTrue(LabelRegex.compile("x".repeat(200_000)).matches("x".repeat(200_000)));
    }

    @Test
    void hostilePatternsMatchInLinearTime() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            LabelRegex catastrophic = LabelRegex.compile("(.*a){25}b");
            assertFalse(catastrophic.matches("a".repeat(40)));
            assertFalse(catastrophic.matches("a".repeat(100_000)));
            assertFalse(LabelRegex.compile("(a+)+$b").matches("a".repeat(100_000)));
            assertFalse(LabelRegex.compile("(a|aa)*c").matches("a".repeat(100_000)));

            List<String> branches = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                branches.add("pod-" + i + "-[a-z]+");
            }
            LabelRegex alternation = LabelRegex.compile(String.join("|", branches));
            assertTrue(alternation.matches("pod-9999-abc"));
            for (int i = 0; i < 1000; i++) {
                assertFalse(alternation.matches("pod-" + i + "-ABC"));
            }
        });
    }

    private static String quote(String s) { return '"' + s.replace("\n", "\\n") + '"'; }
}
