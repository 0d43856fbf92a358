package io.weir.engine.query.promql;

import io.weir.engine.series.InvalidRegexException;
import io.weir.engine.series.LabelMatcher;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recursive-descent PromQL parser with precedence climbing for binary operators, following Prometheus 3's
 * grammar and type checks. One instance parses one query; use the static entry points.
 */
public final class PromQLParser {
    static final String METRIC_NAME = "__name__";

    /** Words that cannot start an expression (aggregators and inf/nan are handled separately). */
    static final Set<String> RESERVED = Set.of("and", "or", "unless", "atan2", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset");

    /**
     * Deepest expression tree accepted. Prometheus has none (Go stacks grow), but here the parser, the records'
     * equals/hashCode/toString and the evaluator all recurse on the tree. Measured on a 512 KiB thread stack,
     * parsing alone overflows at about 500 levels of nested calls ({@code abs(abs(...))}, interpreted code) and
     * 630 of parentheses, so 256 leaves half the stack to evaluation while staying far beyond any real query.
     */
    public static final int MAX_DEPTH = 256;

    private final String input;
    private final List<Token> tokens;
    private int index;
    /** Current parseExpr recursion; bounds the parser's own stack before any node exists. */
    private int recursion;
    /** Depth of each inner node built so far (leaves are 1), to bound trees that grow by iteration, e.g. 1+1+1+... */
    private final IdentityHashMap<Expr, Integer> depths = new IdentityHashMap<>();

    private PromQLParser(String input) {
        this.input = input;
        this.tokens = Lexer.tokenize(input);
    }

    /**
     * Parses and type-checks a PromQL expression.
     *
     * @throws PromQLParseException when the query is not valid PromQL
     */
    public static Expr parse(String query) {
        PromQLParser parser = new PromQLParser(query);
        if (parser.peek().is(TokenType.EOF)) {
            throw parser.unexpected(parser.peek(), null);
        }
        Expr expr = parser.parseExpr(0);
        parser.expectEnd();
        return expr;
    }

    /**
     * Parses a series selector such as {@code {__name__=~"http_.*", job!="test"}} or {@code up{job="x"}}, without
     * range, offset or {@code @}.
     *
     * @throws PromQLParseException when the text is not a valid series selector
     */
    public static VectorSelector parseSelector(String selector) {
        PromQLParser parser = new PromQLParser(selector);
        Token first = parser.peek();
        if (!first.is(TokenType.IDENTIFIER) && !first.is(TokenType.LEFT_BRACE)) {
            throw parser.unexpected(first, "in series selector");
        }
        VectorSelector vs = parser.parseVectorSelector();
        parser.expectEnd();
        return vs;
    }

    // ---- expressions ----

    private Expr parseExpr(int minPrecedence) {
        if (++recursion > MAX_DEPTH) {
            throw tooDeep(peek());
        }
        try {
            Expr lhs = parseUnary();
            while (true) {
                Token opToken = peek();
                BinaryOp op = binaryOp(opToken);
                if (op == null || op.precedence() < minPrecedence) {
                    return lhs;
                }
                index++;
                lhs = parseBinaryRest(op, opToken, lhs);
            }
        } finally {
            recursion--;
        }
    }

    /** Records {@code node}'s depth from its children's and refuses it beyond {@link #MAX_DEPTH}. */
    private <E extends Expr> E nested(E node, Token at, Expr... children) {
        int depth = 0;
        for (Expr child : children) {
            if (child != null) {
                depth = Math.max(depth, depths.getOrDefault(child, 1));
            }
        }
        if (depth + 1 > MAX_DEPTH) {
            throw tooDeep(at);
        }
        depths.put(node, depth + 1);
        return node;
    }

    private PromQLParseException tooDeep(Token at) {
        return error(at, "expression nesting too deep (more than " + MAX_DEPTH + " levels)");
    }

    private Expr parseBinaryRest(BinaryOp op, Token opToken, Expr lhs) {
        boolean returnBool = false;
        if (peek().isKeyword("bool")) {
            if (!op.isComparison()) {
                throw error(peek(), "bool modifier can only be used on comparison operators");
            }
            index++;
            returnBool = true;
        }
        VectorMatching matching = null;
        if (peek().isKeyword("on") || peek().isKeyword("ignoring")) {
            boolean on = next().isKeyword("on");
            List<String> labels = parseLabelList();
            VectorMatching.Cardinality card = VectorMatching.defaultFor(op).card();
            List<String> include = List.of();
            Token group = peek();
            if (group.isKeyword("group_left") || group.isKeyword("group_right")) {
                index++;
                if (op.isSetOperator()) {
                    throw error(group, "no grouping allowed for \"" + op.symbol() + "\" operation");
                }
                card = group.isKeyword("group_left")
                        ? VectorMatching.Cardinality.MANY_TO_ONE : VectorMatching.Cardinality.ONE_TO_MANY;
                if (peek().is(TokenType.LEFT_PAREN)) {
                    include = parseLabelList();
                }
                if (on) {
                    for (String label : include) {
                        if (labels.contains(label)) {
                            throw error(group, "label \"" + label + "\" must not occur in ON and GROUP clause at once");
                        }
                    }
                }
            }
            matching = new VectorMatching(card, labels, on, include);
        }
        int rhsPrecedence = op.isRightAssociative() ? op.precedence() : op.precedence() + 1;
        Expr rhs = parseExpr(rhsPrecedence);
        return binary(op, opToken, lhs, rhs, returnBool, matching);
    }

    private BinaryExpr binary(BinaryOp op, Token at, Expr lhs, Expr rhs, boolean returnBool, VectorMatching matching) {
        ValueType lt = lhs.type();
        ValueType rt = rhs.type();
        if ((lt != ValueType.SCALAR && lt != ValueType.VECTOR) || (rt != ValueType.SCALAR && rt != ValueType.VECTOR)) {
            throw error(at, "binary expression must contain only scalar and instant vector types");
        }
        boolean bothVectors = lt == ValueType.VECTOR && rt == ValueType.VECTOR;
        if (op.isSetOperator() && !bothVectors) {
            throw error(at, "set operator \"" + op.symbol() + "\" not allowed in binary scalar expression");
        }
        if (matching != null && !bothVectors) {
            throw error(at, "vector matching only allowed between instant vectors");
        }
        if (op.isComparison() && !returnBool && lt == ValueType.SCALAR && rt == ValueType.SCALAR) {
            throw error(at, "comparisons between scalars must use BOOL modifier");
        }
        if (bothVectors && matching == null) {
            matching = VectorMatching.defaultFor(op);
        }
        return nested(new BinaryExpr(op, lhs, rhs, returnBool, matching), at, lhs, rhs);
    }

    private static BinaryOp binaryOp(Token t) {
        return switch (t.type()) {
            case ADD -> BinaryOp.ADD;
            case SUB -> BinaryOp.SUB;
            case MUL -> BinaryOp.MUL;
            case DIV -> BinaryOp.DIV;
            case MOD -> BinaryOp.MOD;
            case POW -> BinaryOp.POW;
            case EQLC -> BinaryOp.EQL;
            case NEQ -> BinaryOp.NEQ;
            case LTE -> BinaryOp.LTE;
            case LSS -> BinaryOp.LSS;
            case GTE -> BinaryOp.GTE;
            case GTR -> BinaryOp.GTR;
            case IDENTIFIER -> switch (t.text().toLowerCase(Locale.ROOT)) {
                case "and" -> BinaryOp.AND;
                case "or" -> BinaryOp.OR;
                case "unless" -> BinaryOp.UNLESS;
                case "atan2" -> BinaryOp.ATAN2;
                default -> null;
            };
            default -> null;
        };
    }

    private Expr parseUnary() {
        Token t = peek();
        if (!t.is(TokenType.ADD) && !t.is(TokenType.SUB)) {
            return parsePostfix(parsePrimary());
        }
        index++;
        Expr operand = parseExpr(BinaryOp.UNARY_PRECEDENCE + 1);
        if (operand instanceof NumberLiteral n) {
            // Prometheus folds the sign into the literal: "-1" is the number -1, not a negation.
            return t.is(TokenType.SUB) ? new NumberLiteral(-n.value()) : n;
        }
        ValueType type = operand.type();
        if (type != ValueType.SCALAR && type != ValueType.VECTOR) {
            throw error(t, "unary expression only allowed on expressions of type scalar or instant vector, got \""
                    + type.documentedName() + "\"");
        }
        return nested(new UnaryExpr(t.is(TokenType.SUB) ? '-' : '+', operand), t, operand);
    }

    private Expr parsePrimary() {
        Token t = peek();
        switch (t.type()) {
            case NUMBER -> {
                index++;
                return new NumberLiteral(t.number());
            }
            case DURATION -> {
                index++;
                return new NumberLiteral(t.millis() / 1000.0);
            }
            case STRING -> {
                index++;
                return new StringLiteral(t.string());
            }
            case LEFT_PAREN -> {
                index++;
                Expr inner = parseExpr(0);
                expect(TokenType.RIGHT_PAREN, "in parenthesized expression");
                return nested(new ParenExpr(inner), t, inner);
            }
            case LEFT_BRACE -> {
                return parseVectorSelector();
            }
            case IDENTIFIER -> {
                String lower = t.text().toLowerCase(Locale.ROOT);
                AggregateOp agg = AggregateOp.byName(t.text());
                if (agg != null) {
                    index++;
                    return parseAggregate(agg, t);
                }
                if (lower.equals("inf") || lower.equals("nan")) {
                    index++;
                    return new NumberLiteral(lower.equals("inf") ? Double.POSITIVE_INFINITY : Double.NaN);
                }
                if (RESERVED.contains(lower)) {
                    throw unexpected(t, null);
                }
                if (peekAt(1).is(TokenType.LEFT_PAREN)) {
                    index++;
                    return parseCall(t);
                }
                return parseVectorSelector();
            }
            default -> throw unexpected(t, null);
        }
    }

    private Expr parseCall(Token nameToken) {
        String name = nameToken.text();
        FunctionDef f = FunctionTable.lookup(name);
        if (f == null) {
            throw error(nameToken, "unknown function with name \"" + name + "\"");
        }
        List<Expr> args = parseArgs("in call to function \"" + name + "\"");
        int n = args.size();
        if (f.variadic() == 0 && n != f.minArgs()) {
            throw error(nameToken, "expected " + f.minArgs() + " argument(s) in call to \"" + name + "\", got " + n);
        }
        if (n < f.minArgs()) {
            throw error(nameToken, "expected at least " + f.minArgs() + " argument(s) in call to \"" + name + "\", got " + n);
        }
        if (n > f.maxArgs()) {
            throw error(nameToken, "expected at most " + f.maxArgs() + " argument(s) in call to \"" + name + "\", got " + n);
        }
        for (int i = 0; i < n; i++) {
            ValueType want = f.argType(i);
            if (args.get(i).type() != want) {
                throw error(nameToken, "expected type " + want.documentedName() + " in call to function \"" + name
                        + "\", got " + args.get(i).type().documentedName());
            }
        }
        return nested(new Call(f, args), nameToken, args.toArray(Expr[]::new));
    }

    /** {@code ( [expr {, expr} [,]] )}: the argument list of a call or aggregation. */
    private List<Expr> parseArgs(String context) {
        expect(TokenType.LEFT_PAREN, context);
        List<Expr> args = new ArrayList<>();
        while (!peek().is(TokenType.RIGHT_PAREN)) {
            args.add(parseExpr(0));
            if (!accept(TokenType.COMMA)) {
                break;
            }
        }
        expect(TokenType.RIGHT_PAREN, context);
        return args;
    }

    private Expr parseAggregate(AggregateOp op, Token opToken) {
        List<String> grouping = List.of();
        boolean without = false;
        boolean groupingGiven = false;
        if (peek().isKeyword("by") || peek().isKeyword("without")) {
            without = next().isKeyword("without");
            grouping = parseLabelList();
            groupingGiven = true;
        }
        if (!peek().is(TokenType.LEFT_PAREN)) {
            throw unexpected(peek(), "in aggregation, expected \"(\"");
        }
        List<Expr> args = parseArgs("in aggregation");
        if (!groupingGiven && (peek().isKeyword("by") || peek().isKeyword("without"))) {
            without = next().isKeyword("without");
            grouping = parseLabelList();
            groupingGiven = true;
        }
        int expected = op.hasParam() ? 2 : 1;
        if (args.size() != expected) {
            throw error(opToken, "wrong number of arguments for aggregate expression provided, expected " + expected
                    + ", got " + args.size());
        }
        Expr param = op.hasParam() ? args.get(0) : null;
        Expr expr = args.get(expected - 1);
        if (param != null && param.type() != op.paramType()) {
            throw error(opToken, "expected type " + op.paramType().documentedName()
                    + " in aggregation parameter, got " + param.type().documentedName());
        }
        if (expr.type() != ValueType.VECTOR) {
            throw error(opToken, "expected type instant vector in aggregation expression, got "
                    + expr.type().documentedName());
        }
        return nested(new AggregateExpr(op, param, expr, grouping, without, groupingGiven), opToken, param, expr);
    }

    /** {@code ( [label {, label} [,]] )}; labels may be keywords or, as in Prometheus 3, quoted strings. */
    private List<String> parseLabelList() {
        expect(TokenType.LEFT_PAREN, "in grouping opts");
        List<String> labels = new ArrayList<>();
        while (!peek().is(TokenType.RIGHT_PAREN)) {
            Token t = next();
            if (t.is(TokenType.IDENTIFIER)) {
                labels.add(labelName(t));
            } else if (t.is(TokenType.STRING)) {
                labels.add(t.string());
            } else {
                throw unexpected(t, "in grouping opts, expected label");
            }
            if (!accept(TokenType.COMMA)) {
                break;
            }
        }
        expect(TokenType.RIGHT_PAREN, "in grouping opts");
        return List.copyOf(labels);
    }

    private String labelName(Token t) {
        if (t.text().indexOf(':') >= 0) {
            throw error(t, "invalid label name \"" + t.text() + "\"");
        }
        return t.text();
    }

    // ---- postfix: range, subquery, offset, @ ----

    private Expr parsePostfix(Expr expr) {
        while (true) {
            Token t = peek();
            if (t.is(TokenType.LEFT_BRACKET)) {
                expr = parseRangeOrSubquery(expr, t);
            } else if (t.isKeyword("offset")) {
                expr = parseOffset(expr);
            } else if (t.is(TokenType.AT)) {
                expr = parseAt(expr);
            } else {
                return expr;
            }
        }
    }

    private Expr parseRangeOrSubquery(Expr expr, Token bracket) {
        index++;
        long range = durationMillis(next(), "in range or subquery");
        if (accept(TokenType.COLON)) {
            long step = 0;
            if (!peek().is(TokenType.RIGHT_BRACKET)) {
                step = durationMillis(next(), "in subquery step");
            }
            expect(TokenType.RIGHT_BRACKET, "in subquery selector");
            if (expr.type() != ValueType.VECTOR) {
                throw error(bracket, "subquery is only allowed on instant vector, got "
                        + expr.type().documentedName() + " instead");
            }
            return nested(new SubqueryExpr(expr, range, step, 0, null), bracket, expr);
        }
        expect(TokenType.RIGHT_BRACKET, "in range selector");
        if (!(expr instanceof VectorSelector vs)) {
            throw error(bracket, "ranges only allowed for vector selectors");
        }
        if (vs.offsetMillis() != 0) {
            throw error(bracket, "no offset modifiers allowed before range");
        }
        if (vs.at() != null) {
            throw error(bracket, "no @ modifiers allowed before range");
        }
        return new MatrixSelector(vs, range);
    }

    /** A duration, or (Prometheus 3) a plain number of seconds. */
    private long durationMillis(Token t, String context) {
        if (t.is(TokenType.DURATION)) {
            return t.millis();
        }
        if (t.is(TokenType.NUMBER)) {
            double millis = t.number() * 1000;
            if (!Double.isFinite(millis) || millis > Long.MAX_VALUE) {
                throw error(t, "duration out of range: \"" + t.text() + "\"");
            }
            return Math.round(millis);
        }
        throw unexpected(t, context + ", expected duration");
    }

    private Expr parseOffset(Expr expr) {
        Token keyword = next();
        boolean negative = false;
        if (peek().is(TokenType.SUB)) {
            index++;
            negative = true;
        } else if (peek().is(TokenType.ADD)) {
            index++;
        }
        long millis = durationMillis(next(), "in offset");
        if (negative) {
            millis = -millis;
        }
        return switch (expr) {
            case VectorSelector vs -> {
                checkOffsetUnset(vs.offsetMillis(), keyword);
                yield vs.withOffset(millis);
            }
            case MatrixSelector ms -> {
                checkOffsetUnset(ms.selector().offsetMillis(), keyword);
                yield new MatrixSelector(ms.selector().withOffset(millis), ms.rangeMillis());
            }
            case SubqueryExpr sq -> {
                checkOffsetUnset(sq.offsetMillis(), keyword);
                yield nested(sq.withOffset(millis), keyword, sq.expr());
            }
            default -> throw error(keyword, "offset modifier must be preceded by an instant vector selector or range "
                    + "vector selector or a subquery");
        };
    }

    private void checkOffsetUnset(long current, Token keyword) {
        if (current != 0) {
            throw error(keyword, "offset may not be set multiple times");
        }
    }

    private Expr parseAt(Expr expr) {
        Token at = next();
        AtModifier modifier = parseAtValue();
        return switch (expr) {
            case VectorSelector vs -> {
                checkAtUnset(vs.at(), at);
                yield vs.withAt(modifier);
            }
            case MatrixSelector ms -> {
                checkAtUnset(ms.selector().at(), at);
                yield new MatrixSelector(ms.selector().withAt(modifier), ms.rangeMillis());
            }
            case SubqueryExpr sq -> {
                checkAtUnset(sq.at(), at);
                yield nested(sq.withAt(modifier), at, sq.expr());
            }
            default -> throw error(at, "@ modifier must be preceded by an instant vector selector or range vector "
                    + "selector or a subquery");
        };
    }

    private void checkAtUnset(AtModifier current, Token at) {
        if (current != null) {
            throw error(at, "@ <timestamp> may not be set multiple times");
        }
    }

    private AtModifier parseAtValue() {
        Token t = peek();
        if (t.isKeyword("start") || t.isKeyword("end")) {
            index++;
            expect(TokenType.LEFT_PAREN, "in @");
            expect(TokenType.RIGHT_PAREN, "in @");
            return t.isKeyword("start") ? AtModifier.start() : AtModifier.end();
        }
        boolean negative = false;
        if (t.is(TokenType.SUB) || t.is(TokenType.ADD)) {
            negative = t.is(TokenType.SUB);
            index++;
            t = peek();
        }
        double seconds;
        if (t.is(TokenType.NUMBER)) {
            seconds = t.number();
        } else if (t.isKeyword("inf") || t.isKeyword("nan")) {
            seconds = Double.NaN;
        } else {
            throw unexpected(t, "in @, expected timestamp");
        }
        index++;
        double millis = (negative ? -seconds : seconds) * 1000;
        if (!Double.isFinite(millis) || Math.abs(millis) >= Long.MAX_VALUE) {
            throw error(t, "timestamp out of bounds for @ modifier: " + t.text());
        }
        return AtModifier.at(Math.round(millis));
    }

    // ---- selectors ----

    private VectorSelector parseVectorSelector() {
        Token start = peek();
        String name = null;
        if (start.is(TokenType.IDENTIFIER)) {
            index++;
            name = start.text();
        }
        List<LabelMatcher> matchers = new ArrayList<>();
        if (accept(TokenType.LEFT_BRACE)) {
            while (!peek().is(TokenType.RIGHT_BRACE)) {
                matchers.add(parseMatcher());
                if (!accept(TokenType.COMMA)) {
                    break;
                }
            }
            expect(TokenType.RIGHT_BRACE, "in label matching");
        }
        if (name != null) {
            for (LabelMatcher m : matchers) {
                if (m.name().equals(METRIC_NAME)) {
                    throw error(start, "metric name must not be set twice: \"" + name + "\" or \"" + m.value() + "\"");
                }
            }
            matchers.addFirst(LabelMatcher.equal(METRIC_NAME, name));
        } else {
            for (int i = 0; i < matchers.size(); i++) {
                LabelMatcher m = matchers.get(i);
                if (isNameMatcher(m)) {
                    name = m.value();
                    matchers.addFirst(matchers.remove(i));
                    break;
                }
            }
        }
        boolean notEmpty = false;
        for (LabelMatcher m : matchers) {
            notEmpty |= !m.matchesEmpty();
        }
        if (!notEmpty) {
            throw error(start, "vector selector must contain at least one non-empty matcher");
        }
        return new VectorSelector(name, matchers, 0, null);
    }

    static boolean isNameMatcher(LabelMatcher m) {
        return m.type() == LabelMatcher.Type.EQ && m.name().equals(METRIC_NAME) && !m.value().isEmpty();
    }

    private LabelMatcher parseMatcher() {
        Token nameToken = next();
        String label;
        if (nameToken.is(TokenType.IDENTIFIER)) {
            label = labelName(nameToken);
        } else if (nameToken.is(TokenType.STRING)) {
            if (peek().is(TokenType.COMMA) || peek().is(TokenType.RIGHT_BRACE)) {
                // Prometheus 3: a lone quoted string in braces is the metric name, {"my.metric"}
                return LabelMatcher.equal(METRIC_NAME, nameToken.string());
            }
            label = nameToken.string();
        } else {
            throw unexpected(nameToken, "in label matching, expected label name or \"}\"");
        }
        Token op = next();
        LabelMatcher.Type type = switch (op.type()) {
            case EQL -> LabelMatcher.Type.EQ;
            case NEQ -> LabelMatcher.Type.NEQ;
            case EQL_REGEX -> LabelMatcher.Type.RE;
            case NEQ_REGEX -> LabelMatcher.Type.NRE;
            default -> throw unexpected(op, "in label matching, expected one of \"=\", \"!=\", \"=~\" or \"!~\"");
        };
        Token value = next();
        if (!value.is(TokenType.STRING)) {
            throw unexpected(value, "in label matching, expected string");
        }
        try {
            return LabelMatcher.of(type, label, value.string());
        } catch (InvalidRegexException e) {
            throw error(value, e.getMessage());
        }
    }

    // ---- token plumbing ----

    private Token peek() { return tokens.get(index); }

    private Token peekAt(int ahead) { return tokens.get(Math.min(index + ahead, tokens.size() - 1)); }

    private Token next() {
        Token t = tokens.get(index);
        if (!t.is(TokenType.EOF)) {
            index++;
        }
        return t;
    }

    private boolean accept(TokenType type) {
        if (peek().is(type)) {
            index++;
            return true;
        }
        return false;
    }

    private void expect(TokenType type, String context) {
        Token t = peek();
        if (!t.is(type)) {
            throw unexpected(t, context + ", expected " + type.description());
        }
        index++;
    }

    private void expectEnd() {
        if (!peek().is(TokenType.EOF)) {
            throw unexpected(peek(), null);
        }
    }

    private PromQLParseException unexpected(Token t, String context) {
        return error(t, "unexpected " + t.describe() + (context == null ? "" : " " + context));
    }

    private PromQLParseException error(Token t, String message) { return error(input, t.pos(), message); }

    /** Builds an exception positioned at char offset {@code pos}, reported as 1-based line:column. */
    static PromQLParseException error(String input, int pos, String message) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < pos && i < input.length(); i++) {
            if (input.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new PromQLParseException(line, pos - lineStart + 1, message);
    }
}
