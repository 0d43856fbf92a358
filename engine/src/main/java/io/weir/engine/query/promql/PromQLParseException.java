package io.weir.engine.query.promql;

/** A query that does not parse or type-check; the message reads {@code line:col: parse error: ...}. */
public final class PromQLParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final String detail;

    PromQLParseException(int line, int column, String detail) {
        super(line + ":" + column + ": parse error: " + detail);
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    /** 1-based line of the offending token. */
    public int line() { return line; }

    /** 1-based column (in chars) of the offending token. */
    public int column() { return column; }

    /** The message without its position prefix. */
    public String detail() { return detail; }
}
