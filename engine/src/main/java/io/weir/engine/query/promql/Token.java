package io.weir.engine.query.promql;

/**
 * One lexical token. {@code text} is the source text; {@code string} the unescaped value of a STRING,
 * {@code number} the value of a NUMBER and {@code millis} the value of a DURATION.
 */
record Token(TokenType type, String text, int pos, String string, double number, long millis) {

    static Token of(TokenType type, String text, int pos) { return new Token(type, text, pos, null, 0, 0); }

    boolean is(TokenType t) { return type == t; }

    /** True for an identifier spelling {@code keyword}, ignoring case. */
    boolean isKeyword(String keyword) { return type == TokenType.IDENTIFIER && text.equalsIgnoreCase(keyword); }

    /** How error messages name this token, in Prometheus' style. */
    String describe() {
        return switch (type) {
            case IDENTIFIER -> "identifier \"" + text + "\"";
            case NUMBER -> "number \"" + text + "\"";
            case DURATION -> "duration \"" + text + "\"";
            case STRING -> "string " + text;
            default -> type.description();
        };
    }
}
