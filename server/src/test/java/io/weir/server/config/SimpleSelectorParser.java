package io.weir.server.config;

import io.weir.engine.series.LabelMatcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Test stand-in for the PromQL selector parser: {@code metric}, {@code {name op "value", ...}} or
 * {@code metric{...}}, with ops {@code = != =~ !~}, single or double quotes and backslash escapes.
 */
final class SimpleSelectorParser implements SelectorParser {
    private String text;
    private int pos;

    @Override
    public synchronized List<LabelMatcher> parse(String selector) {
        text = selector;
        pos = 0;
        List<LabelMatcher> matchers = new ArrayList<>();
        skipSpace();
        if (pos < text.length() && isNameStart(text.charAt(pos), true)) {
            matchers.add(LabelMatcher.equal("__name__", name(true)));
            skipSpace();
        }
        if (pos < text.length() && text.charAt(pos) == '{') {
            pos++;
            skipSpace();
            while (peek() != '}') {
                String label = name(false);
                skipSpace();
                LabelMatcher.Type type = op();
                skipSpace();
                matchers.add(LabelMatcher.of(type, label, string()));
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw error("expected \",\" or \"}\"");
                }
            }
            pos++;
            skipSpace();
        }
        if (pos != text.length()) {
            throw error("unexpected character");
        }
        if (matchers.isEmpty()) {
            throw error("empty selector");
        }
        return matchers;
    }

    private LabelMatcher.Type op() {
        for (LabelMatcher.Type t : new LabelMatcher.Type[]{LabelMatcher.Type.NEQ, LabelMatcher.Type.RE,
                LabelMatcher.Type.NRE, LabelMatcher.Type.EQ}) {
            if (text.startsWith(t.symbol(), pos)) {
                pos += t.symbol().length();
                return t;
            }
        }
        throw error("expected a matcher operator");
    }

    private String name(boolean metric) {
        int start = pos;
        while (pos < text.length() && isNameStart(text.charAt(pos), metric)
                || pos > start && pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("expected a label name");
        }
        return text.substring(start, pos);
    }

    private String string() {
        char quote = peek();
        if (quote != '"' && quote != '\'') {
            throw error("expected a quoted string");
        }
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char e = text.charAt(pos++);
                sb.append(e == 'n' ? '\n' : e);
            } else {
                sb.append(c);
            }
        }
    }

    private static boolean isNameStart(char c, boolean metric) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || metric && c == ':';
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end of selector");
        }
        return text.charAt(pos);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at position " + (pos + 1));
    }
}
