package io.weir.engine.query.promql;

import io.weir.engine.query.Durations;
import io.weir.engine.series.LabelMatcher;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders an expression as canonical PromQL. Parentheses are printed only where the tree has a
 * {@link ParenExpr}, so for any parsed tree {@code parse(print(e))} equals {@code e}.
 */
public final class PromQLPrinter {
    private PromQLPrinter() {}

    public static String print(Expr expr) {
        StringBuilder sb = new StringBuilder();
        append(sb, expr);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Expr expr) {
        switch (expr) {
            case NumberLiteral n -> sb.append(formatNumber(n.value()));
            case StringLiteral s -> appendQuoted(sb, s.value());
            case VectorSelector vs -> {
                appendSelector(sb, vs);
                appendModifiers(sb, vs.at(), vs.offsetMillis());
            }
            case MatrixSelector ms -> {
                appendSelector(sb, ms.selector());
                sb.append('[').append(Durations.format(ms.rangeMillis())).append(']');
                appendModifiers(sb, ms.selector().at(), ms.selector().offsetMillis());
            }
            case SubqueryExpr sq -> {
                append(sb, sq.expr());
                sb.append('[').append(Durations.format(sq.rangeMillis())).append(':');
                if (sq.stepMillis() != 0) {
                    sb.append(Durations.format(sq.stepMillis()));
                }
                sb.append(']');
                appendModifiers(sb, sq.at(), sq.offsetMillis());
            }
            case Call c -> {
                sb.append(c.function().name()).append('(');
                appendList(sb, c.args());
                sb.append(')');
            }
            case AggregateExpr a -> {
                sb.append(a.op().promqlName());
                if (a.groupingGiven() || a.without()) {
                    sb.append(a.without() ? " without (" : " by (");
                    appendLabels(sb, a.grouping());
                    sb.append(") ");
                }
                sb.append('(');
                if (a.param() != null) {
                    append(sb, a.param());
                    sb.append(", ");
                }
                append(sb, a.expr());
                sb.append(')');
            }
            case BinaryExpr b -> {
                append(sb, b.lhs());
                sb.append(' ').append(b.op().symbol());
                if (b.returnBool()) {
                    sb.append(" bool");
                }
                appendMatching(sb, b.matching());
                sb.append(' ');
                append(sb, b.rhs());
            }
            case UnaryExpr u -> {
                sb.append(u.op());
                append(sb, u.expr());
            }
            case ParenExpr p -> {
                sb.append('(');
                append(sb, p.expr());
                sb.append(')');
            }
        }
    }

    private static void appendList(StringBuilder sb, List<Expr> exprs) {
        for (int i = 0; i < exprs.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            append(sb, exprs.get(i));
        }
    }

    private static void appendMatching(StringBuilder sb, VectorMatching m) {
        if (m == null) {
            return;
        }
        boolean grouped = m.card() == VectorMatching.Cardinality.MANY_TO_ONE
                || m.card() == VectorMatching.Cardinality.ONE_TO_MANY;
        if (m.on() || !m.matchingLabels().isEmpty() || grouped) {
            sb.append(m.on() ? " on (" : " ignoring (");
            appendLabels(sb, m.matchingLabels());
            sb.append(')');
        }
        if (grouped) {
            sb.append(m.card() == VectorMatching.Cardinality.MANY_TO_ONE ? " group_left" : " group_right");
            if (!m.include().isEmpty()) {
                sb.append(" (");
                appendLabels(sb, m.include());
                sb.append(')');
            }
        }
    }

    private static void appendModifiers(StringBuilder sb, AtModifier at, long offsetMillis) {
        if (at != null) {
            sb.append(" @ ");
            switch (at.kind()) {
                case START -> sb.append("start()");
                case END -> sb.append("end()");
                case TIMESTAMP -> sb.append(BigDecimal.valueOf(at.timestampMillis(), 3).stripTrailingZeros().toPlainString());
            }
        }
        if (offsetMillis != 0) {
            sb.append(" offset ").append(Durations.format(offsetMillis));
        }
    }

    private static void appendSelector(StringBuilder sb, VectorSelector vs) {
        String name = vs.metricName();
        List<LabelMatcher> rest = new ArrayList<>(vs.matchers());
        boolean nameDropped = false;
        if (name != null) {
            nameDropped = rest.remove(LabelMatcher.equal(PromQLParser.METRIC_NAME, name));
        }
        boolean otherNameMatchers = rest.stream().anyMatch(m -> m.name().equals(PromQLParser.METRIC_NAME));
        boolean bare = nameDropped && isMetricIdentifier(name) && !isKeyword(name) && !otherNameMatchers;
        List<String> items = new ArrayList<>();
        if (bare) {
            sb.append(name);
        } else if (nameDropped) {
            items.add(quote(name));
        }
        for (LabelMatcher m : rest) {
            String label = isLabelName(m.name()) ? m.name() : quote(m.name());
            items.add(label + m.type().symbol() + quote(m.value()));
        }
        if (!bare || !items.isEmpty()) {
            sb.append('{').append(String.join(", ", items)).append('}');
        }
    }

    private static void appendLabels(StringBuilder sb, List<String> labels) {
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            String l = labels.get(i);
            sb.append(isLabelName(l) ? l : quote(l));
        }
    }

    /** Integers without a fraction, other finite values in Java's shortest round-tripping form. */
    static String formatNumber(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0" : "0";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        appendQuoted(sb, s);
        return sb.toString();
    }

    /** Double-quoted with Go escapes, readable back by the lexer. */
    private static void appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean isKeyword(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return PromQLParser.RESERVED.contains(lower) || AggregateOp.byName(lower) != null
                || lower.equals("inf") || lower.equals("nan");
    }

    private static boolean isMetricIdentifier(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                    || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLabelName(String s) { return isMetricIdentifier(s) && s.indexOf(':') < 0; }
}
