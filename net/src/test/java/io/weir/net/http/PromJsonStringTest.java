package io.weir.net.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PromJson#string} writes what Prometheus' Go encoder writes (quotes, backslashes and control characters
 * escaped; {@code < > &} and U+2028/U+2029 as {@code \\u} escapes): checked against a character-by-character writer of
 * those rules and read back by Jackson, over random strings that mix plain runs with every escaped character.
 */
class PromJsonStringTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The rules one character at a time: what the bulk-append fast path must match. */
    private static String reference(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                default -> out.append(c < 0x20 || c == 0x2028 || c == 0x2029 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    @Test
    void stringsAreEscapedAsPrometheusEscapesThem() throws Exception {
        char[] special = {'"', '\\', '\n', '\r', '\t', '<', '>', '&', 0x2028, 0x2029, 0x00, 0x1f, 0x7f, 'é', '指', '\uD83D', '\uDE00'};
        SplittableRandom r = new SplittableRandom(5);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder s = new StringBuilder();
            for (int i = r.nextInt(12); i > 0; i--) {
                if (r.nextInt(4) == 0) {
                    s.append(special[r.nextInt(special.length)]);
                } else {
                    s.append((char) ('a' + r.nextInt(26)));
                }
            }
            if (r.nextInt(8) == 0 && !s.isEmpty()) {
                s.setCharAt(r.nextInt(s.length()), '"'); // an escape anywhere, the first character included
            }
            String in = s.toString();
            String written = PromJson.string(new StringBuilder(), in).toString();
            assertEquals(reference(in), written, in);
            if (in.chars().noneMatch(c -> Character.isSurrogate((char) c))) {
                assertEquals(in, JSON.readValue(written, String.class), in);
            }
        }
        assertEquals("\"up\"", PromJson.string(new StringBuilder(), "up").toString());
        assertEquals("\"\"", PromJson.string(new StringBuilder(), "").toString());
    }
}
