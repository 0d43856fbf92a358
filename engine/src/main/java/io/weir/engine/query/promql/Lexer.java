package io.weir.engine.query.promql;

import io.weir.engine.query.Durations;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a query into tokens up front. Tracks paren and bracket depth so that unbalanced input is reported
 * the way Prometheus reports it, and so that {@code :} inside brackets is the subquery colon rather than part
 * of a metric name.
 */
final class Lexer {
    private static final String DURATION_UNITS = "smhdwy";

    private final String input;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int parenDepth;
    private int bracketDepth;
    private int braceDepth;

    private Lexer(String input) { this.input = input; }

    static List<Token> tokenize(String input) {
        Lexer lexer = new Lexer(input);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        while (true) {
            skipSpaceAndComments();
            if (pos >= input.length()) {
                if (braceDepth > 0) {
                    throw error(pos, "unexpected end of input inside braces");
                }
                if (bracketDepth > 0) {
                    throw error(pos, "unclosed left bracket");
                }
                if (parenDepth > 0) {
                    throw error(pos, "unclosed left parenthesis");
                }
                tokens.add(Token.of(TokenType.EOF, "", pos));
                return;
            }
            lexOne();
        }
    }

    private void skipSpaceAndComments() {
        while (pos < input.length()) {
            char c = input.charAt(pos);
            if (c == '#') {
                while (pos < input.length() && input.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else {
                return;
            }
        }
    }

    private void lexOne() {
        int start = pos;
        char c = input.charAt(pos);
        char next = pos + 1 < input.length() ? input.charAt(pos + 1) : 0;
        switch (c) {
            case '(' -> { parenDepth++; single(TokenType.LEFT_PAREN); }
            case ')' -> {
                if (parenDepth == 0) {
                    throw error(pos, "unexpected right parenthesis ')'");
                }
                parenDepth--;
                single(TokenType.RIGHT_PAREN);
            }
            case '{' -> {
                if (braceDepth > 0) {
                    throw error(pos, "unexpected left brace '{' inside braces");
                }
                braceDepth++;
                single(TokenType.LEFT_BRACE);
            }
            case '}' -> {
                if (braceDepth == 0) {
                    throw error(pos, "unexpected right brace '}'");
                }
                braceDepth--;
                single(TokenType.RIGHT_BRACE);
            }
            case '[' -> {
                if (bracketDepth > 0) {
                    throw error(pos, "unexpected left bracket '[' inside brackets");
                }
                bracketDepth++;
                single(TokenType.LEFT_BRACKET);
            }
            case ']' -> {
                if (bracketDepth == 0) {
                    throw error(pos, "unexpected right bracket ']'");
                }
                bracketDepth--;
                single(TokenType.RIGHT_BRACKET);
            }
            case ',' -> single(TokenType.COMMA);
            case '@' -> single(TokenType.AT);
            case '+' -> single(TokenType.ADD);
            case '-' -> single(TokenType.SUB);
            case '*' -> single(TokenType.MUL);
            case '/' -> single(TokenType.DIV);
            case '%' -> single(TokenType.MOD);
            case '^' -> single(TokenType.POW);
            case '=' -> {
                if (next == '=') {
                    pair(TokenType.EQLC);
                } else if (next == '~') {
                    pair(TokenType.EQL_REGEX);
                } else {
                    single(TokenType.EQL);
                }
            }
            case '!' -> {
                if (next == '=') {
                    pair(TokenType.NEQ);
                } else if (next == '~') {
                    pair(TokenType.NEQ_REGEX);
                } else {
                    throw error(pos, "unexpected character after '!': " + describeChar(next));
                }
            }
            case '<' -> { if (next == '=') { pair(TokenType.LTE); } else { single(TokenType.LSS); } }
            case '>' -> { if (next == '=') { pair(TokenType.GTE); } else { single(TokenType.GTR); } }
            case '"', '\'' -> lexQuoted(c);
            case '`' -> lexRaw();
            default -> {
                if (c == ':' && bracketDepth > 0) {
                    single(TokenType.COLON);
                } else if (isDigit(c) || (c == '.' && isDigit(next))) {
                    lexNumberOrDuration();
                } else if (isIdentifierStart(c)) {
                    while (pos < input.length() && isIdentifierPart(input.charAt(pos))) {
                        pos++;
                    }
                    tokens.add(Token.of(TokenType.IDENTIFIER, input.substring(start, pos), start));
                } else {
                    throw error(pos, "unexpected character: " + describeChar(c));
                }
            }
        }
    }

    private void single(TokenType type) {
        tokens.add(Token.of(type, input.substring(pos, pos + 1), pos));
        pos++;
    }

    private void pair(TokenType type) {
        tokens.add(Token.of(type, input.substring(pos, pos + 2), pos));
        pos += 2;
    }

    private void lexNumberOrDuration() {
        int start = pos;
        int digitsEnd = pos;
        while (digitsEnd < input.length() && isDigit(input.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd > start && digitsEnd < input.length() && DURATION_UNITS.indexOf(input.charAt(digitsEnd)) >= 0) {
            pos = digitsEnd;
            while (pos < input.length() && (isDigit(input.charAt(pos)) || isLetter(input.charAt(pos)))) {
                pos++;
            }
            String text = input.substring(start, pos);
            long millis;
            try {
                millis = Durations.parseMillis(text);
            } catch (IllegalArgumentException e) {
                throw error(start, "bad duration syntax: \"" + text + "\"");
            }
            tokens.add(new Token(TokenType.DURATION, text, start, null, 0, millis));
            return;
        }
        double value;
        if (input.startsWith("0x", pos) || input.startsWith("0X", pos)) {
            pos += 2;
            while (pos < input.length() && Character.digit(input.charAt(pos), 16) >= 0) {
                pos++;
            }
            if (pos == start + 2) {
                throw error(start, "bad number syntax: \"" + input.substring(start, pos) + "\"");
            }
            value = parseHex(start, input.substring(start + 2, pos));
        } else {
            skipDigits();
            if (pos < input.length() && input.charAt(pos) == '.') {
                pos++;
                skipDigits();
            }
            if (pos < input.length() && (input.charAt(pos) == 'e' || input.charAt(pos) == 'E')) {
                int e = pos + 1;
                if (e < input.length() && (input.charAt(e) == '+' || input.charAt(e) == '-')) {
                    e++;
                }
                if (e < input.length() && isDigit(input.charAt(e))) {
                    pos = e;
                    skipDigits();
                }
            }
            value = Double.parseDouble(input.substring(start, pos));
        }
        if (pos < input.length() && isNumberTail(input.charAt(pos))) {
            int end = pos;
            while (end < input.length() && isNumberTail(input.charAt(end))) {
                end++;
            }
            throw error(start, "bad number or duration syntax: \"" + input.substring(start, end) + "\"");
        }
        tokens.add(new Token(TokenType.NUMBER, input.substring(start, pos), start, null, value, 0));
    }

    private double parseHex(int start, String digits) {
        try {
            return Long.parseLong(digits, 16);
        } catch (NumberFormatException e) {
            return new java.math.BigInteger(digits, 16).doubleValue();
        }
    }

    private void skipDigits() {
        while (pos < input.length() && isDigit(input.charAt(pos))) {
            pos++;
        }
    }

    private void lexRaw() {
        int start = pos;
        int end = input.indexOf('`', pos + 1);
        if (end < 0) {
            throw error(start, "unterminated raw string");
        }
        pos = end + 1;
        tokens.add(new Token(TokenType.STRING, input.substring(start, pos), start, input.substring(start + 1, end), 0, 0));
    }

    /** Go string syntax, for both quote characters (Prometheus allows multi-char single-quoted strings). */
    private void lexQuoted(char quote) {
        int start = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= input.length() || input.charAt(pos) == '\n') {
                throw error(start, "unterminated quoted string");
            }
            char c = input.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= input.length()) {
                throw error(start, "unterminated quoted string");
            }
            char e = input.charAt(pos++);
            switch (e) {
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case '\\', '"', '\'' -> sb.append(e);
                case 'x' -> sb.append((char) escapeValue(pos - 2, 2, 16));
                case 'u' -> sb.appendCodePoint(escapeValue(pos - 2, 4, 16));
                case 'U' -> {
                    int cp = escapeValue(pos - 2, 8, 16);
                    if (!Character.isValidCodePoint(cp)) {
                        throw error(pos - 10, "invalid Unicode code point in escape sequence");
                    }
                    sb.appendCodePoint(cp);
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    pos--;
                    int v = escapeValue(pos - 1, 3, 8);
                    if (v > 255) {
                        throw error(pos - 4, "octal escape value > 255");
                    }
                    sb.append((char) v);
                }
                default -> throw error(pos - 2, "unknown escape sequence " + describeChar(e));
            }
        }
        tokens.add(new Token(TokenType.STRING, input.substring(start, pos), start, sb.toString(), 0, 0));
    }

    private int escapeValue(int escapeStart, int digits, int radix) {
        if (pos + digits > input.length()) {
            throw error(escapeStart, "illegal character in escape sequence");
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(input.charAt(pos + i), radix);
            if (d < 0) {
                throw error(escapeStart, "illegal character in escape sequence");
            }
            v = v * radix + d;
        }
        pos += digits;
        return v;
    }

    private PromQLParseException error(int at, String message) { return PromQLParser.error(input, at, message); }

    private static String describeChar(char c) { return c == 0 ? "end of input" : "'" + c + "'"; }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private static boolean isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

    /** Characters that may not directly follow a number ({@code :} may: it is the subquery colon). */
    private static boolean isNumberTail(char c) { return isLetter(c) || isDigit(c) || c == '_' || c == '.'; }

    private static boolean isIdentifierStart(char c) { return isLetter(c) || c == '_' || c == ':'; }

    private static boolean isIdentifierPart(char c) { return isIdentifierStart(c) || isDigit(c); }
}
