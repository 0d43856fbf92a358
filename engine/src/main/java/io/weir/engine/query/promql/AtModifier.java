package io.weir.engine.query.promql;

import java.util.Objects;

/** The {@code @} modifier: a fixed evaluation timestamp, or the query's {@code start()} / {@code end()}. */
public record AtModifier(Kind kind, long timestampMillis) {
    public enum Kind { TIMESTAMP, START, END }

    private static final AtModifier START = new AtModifier(Kind.START, 0);
    private static final AtModifier END = new AtModifier(Kind.END, 0);

    public AtModifier {
        Objects.requireNonNull(kind);
        if (kind != Kind.TIMESTAMP && timestampMillis != 0) {
            throw new IllegalArgumentException("start()/end() carry no timestamp");
        }
    }

    public static AtModifier at(long timestampMillis) { return new AtModifier(Kind.TIMESTAMP, timestampMillis); }

    public static AtModifier start() { return START; }

    public static AtModifier end() { return END; }

    /** The evaluation time this modifier pins to, for a query over [start, end]. */
    public long resolve(long queryStartMillis, long queryEndMillis) {
        return switch (kind) {
            case TIMESTAMP -> timestampMillis;
            case START -> queryStartMillis;
            case END -> queryEndMillis;
        };
    }
}
