package io.weir.engine.query.promql;

import io.weir.engine.series.LabelMatcher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Focused tests: precedence, modifiers, subqueries, literals, types and printing. */
class PromQLParserTest {

    private static Expr p(String q) { return PromQLParser.parse(q); }

    private static VectorSelector sel(String name) {
        return new VectorSelector(name, List.of(LabelMatcher.equal("__name__", name)), 0, null);
    }

    private static BinaryExpr bin(BinaryOp op, Expr l, Expr r) {
        boolean vectors = l.type() == ValueType.VECTOR && r.type() == ValueType.VECTOR;
        return new BinaryExpr(op, l, r, false, vectors ? VectorMatching.defaultFor(op) : null);
    }

    private static NumberLiteral n(double v) { return new NumberLiteral(v); }

    // ---- precedence and associativity ----

    @Test
    void multiplicationBindsTighterThanAddition() {
        assertEquals(bin(BinaryOp.ADD, n(1), bin(BinaryOp.MUL, n(2), n(3))), p("1 + 2 * 3"));
        assertEquals(bin(BinaryOp.ADD, bin(BinaryOp.MUL, n(1), n(2)), n(3)), p("1 * 2 + 3"));
    }

    @Test
    void powerIsRightAssociative() {
        assertEquals(bin(BinaryOp.POW, n(2), bin(BinaryOp.POW, n(3), n(2))), p("2 ^ 3 ^ 2"));
    }

    @Test
    void otherOperatorsAreLeftAssociative() {
        assertEquals(bin(BinaryOp.SUB, bin(BinaryOp.SUB, sel("a"), sel("b")), sel("c")), p("a - b - c"));
        assertEquals(bin(BinaryOp.DIV, bin(BinaryOp.DIV, sel("a"), sel("b")), sel("c")), p("a / b / c"));
        assertEquals(bin(BinaryOp.ATAN2, bin(BinaryOp.MUL, sel("a"), sel("b")), sel("c")), p("a * b atan2 c"));
    }

    @Test
    void setOperatorPrecedence() {
        // or < and = unless < comparison
        Expr e = p("a or b and c unless d > e");
        BinaryExpr or = assertInstanceOf(BinaryExpr.class, e);
        assertEquals(BinaryOp.OR, or.op());
        BinaryExpr unless = assertInstanceOf(BinaryExpr.class, or.rhs());
        assertEquals(BinaryOp.UNLESS, unless.op());
        assertEquals(BinaryOp.AND, ((BinaryExpr) unless.lhs()).op());
        assertEquals(BinaryOp.GTR, ((BinaryExpr) unless.rhs()).op());
        assertEquals(VectorMatching.Cardinality.MANY_TO_MANY, or.matching().card());
    }

    @Test
    void comparisonBindsLooserThanArithmetic() {
        assertEquals(bin(BinaryOp.GTR, bin(BinaryOp.ADD, sel("a"), n(1)), bin(BinaryOp.MUL, sel("b"), n(2))),
                p("a + 1 > b * 2"));
    }

    @Test
    void unaryMinusBindsLooserThanPowerButTighterThanMultiplication() {
        assertEquals(new UnaryExpr('-', bin(BinaryOp.POW, sel("a"), n(2))), p("-a ^ 2"));
        assertEquals(bin(BinaryOp.MUL, new UnaryExpr('-', sel("a")), n(2)), p("-a * 2"));
        assertEquals(bin(BinaryOp.POW, n(2), n(-1)), p("2 ^ -1"));
        assertEquals(new UnaryExpr('-', bin(BinaryOp.POW, n(2), n(2))), p("-2 ^ 2"));
    }

    @Test
    void signIsFoldedIntoNumberLiterals() {
        assertEquals(n(-1), p("-1"));
        assertEquals(n(1), p("+1"));
        assertEquals(n(1), p("- -1"));
        assertEquals(n(Double.NEGATIVE_INFINITY), p("-Inf"));
        assertEquals(new UnaryExpr('+', sel("a")), p("+a"));
    }

    @Test
    void parenthesesAreKept() {
        assertEquals(bin(BinaryOp.MUL, new ParenExpr(bin(BinaryOp.ADD, n(1), n(2))), n(3)), p("(1 + 2) * 3"));
        assertEquals("(1 + 2) * 3", p("(1+2)*3").toString());
    }

    // ---- literals ----

    @Test
    void numberLiteralForms() {
        assertEquals(n(31), p("0x1f"));
        assertEquals(n(31), p("0X1F"));
        assertEquals(n(1000), p("1e3"));
        assertEquals(n(3.4e-9), p("3.4e-9"));
        assertEquals(n(0.5), p(".5"));
        assertEquals(n(5), p("5."));
        assertEquals(n(1.5E+10), p("1.5E+10"));
        assertEquals(n(Double.POSITIVE_INFINITY), p("Inf"));
        assertEquals(n(Double.POSITIVE_INFINITY), p("iNf"));
        assertEquals(n(Double.NaN), p("nAn"));
        assertEquals(n(5400), p("1h30m"));
        assertEquals(n(0.1), p("100ms"));
    }

    @Test
    void numberPrinting() {
        assertEquals("1", p("1.0").toString());
        assertEquals("-0.5", p("-0.5").toString());
        assertEquals("1.0E20", p("1e20").toString());
        assertEquals("NaN", p("nan").toString());
        assertEquals("-Inf", p("-inf").toString());
        assertEquals("-0", p("-0").toString());
    }

    @Test
    void stringLiteralForms() {
        assertEquals(new StringLiteral("a\"b\n\t\\"), p("\"a\\\"b\\n\\t\\\\\""));
        assertEquals(new StringLiteral("it's \"x\""), p("'it\\'s \"x\"'"));
        assertEquals(new StringLiteral("a\\d+\\n"), p("`a\\d+\\n`"));
        assertEquals(new StringLiteral("\u00e9\u00e9A\u0007\u000b!"), p("\"\\u00e9\\U000000e9\\x41\\a\\v\\041\""));
        assertEquals(new StringLiteral("日本"), p("\"日本\""));
        assertEquals("\"a\\\"b\\n\\x01\"", new StringLiteral("a\"b\n\u0001").toString());
    }

    @Test
    void commentsAreIgnored() {
        assertEquals(p("sum(rate(x[5m]))"), p("# leading\nsum( # why\n rate(x[5m]) # more\n)"));
    }

    // ---- selectors ----

    @Test
    void metricNameIsTheFirstMatcherWhicheverWayItIsWritten() {
        VectorSelector a = (VectorSelector) p("foo{a=\"b\"}");
        assertEquals("foo", a.metricName());
        assertEquals(List.of(LabelMatcher.equal("__name__", "foo"), LabelMatcher.equal("a", "b")), a.matchers());
        assertEquals(a, p("{a=\"b\", __name__=\"foo\"}"));
        assertEquals(a, p("{\"foo\", a=\"b\"}"));
        assertEquals(a, p("{a='b', 'foo'}"));
    }

    @Test
    void utf8NamesArePrintedQuoted() {
        assertEquals("{\"my.metric\", \"a.b\"=\"c\"}", p("{\"my.metric\", \"a.b\"=\"c\"}").toString());
        assertEquals("{\"sum\"}", p("{__name__=\"sum\"}").toString());
        assertEquals("sum by (\"a.b\") (x)", p("sum by (\"a.b\") (x)").toString());
    }

    @Test
    void allMatcherTypes() {
        VectorSelector vs = (VectorSelector) p("x{a=\"1\", b!=\"2\", c=~\"3.*\", d!~\"4|5\"}");
        assertEquals(List.of(LabelMatcher.Type.EQ, LabelMatcher.Type.EQ, LabelMatcher.Type.NEQ, LabelMatcher.Type.RE,
                LabelMatcher.Type.NRE), vs.matchers().stream().map(LabelMatcher::type).toList());
        assertTrue(vs.matchers().get(3).matches("3abc"));
        assertEquals("x{a=\"1\", b!=\"2\", c=~\"3.*\", d!~\"4|5\"}", vs.toString());
    }

    @Test
    void selectorWithoutNameNeedsANonEmptyMatcher() {
        VectorSelector vs = (VectorSelector) p("{job=~\".+\", env=\"\"}");
        assertNull(vs.metricName());
        assertEquals(2, vs.matchers().size());
    }

    // ---- ranges, offsets, @ ----

    @Test
    void rangeAndOffset() {
        MatrixSelector m = (MatrixSelector) p("foo[5m] offset 1h");
        assertEquals(300_000, m.rangeMillis());
        assertEquals(3_600_000, m.selector().offsetMillis());
        assertEquals(m, p("foo[300] offset 3600"));
        assertEquals("foo[5m] offset 1h", m.toString());
        assertEquals(-60_000, ((VectorSelector) p("foo offset -1m")).offsetMillis());
        assertEquals(1500, ((MatrixSelector) p("foo[1.5]")).rangeMillis());
    }

    @Test
    void atModifierForms() {
        assertEquals(AtModifier.at(1_609_746_000_000L), ((VectorSelector) p("foo @ 1609746000")).at());
        assertEquals(AtModifier.at(1_500), ((VectorSelector) p("foo @ 1.5")).at());
        assertEquals(AtModifier.at(-100_000), ((VectorSelector) p("foo @ -100")).at());
        assertSame(AtModifier.start(), ((VectorSelector) p("foo @ start()")).at());
        assertSame(AtModifier.end(), ((MatrixSelector) p("foo[1m] @ end()")).selector().at());
        assertEquals("foo @ 1.5", p("foo @ 1.500").toString());
    }

    @Test
    void offsetAndAtInEitherOrder() {
        Expr e = p("foo @ 100 offset 5m");
        assertEquals(e, p("foo offset 5m @ 100"));
        VectorSelector vs = (VectorSelector) e;
        assertEquals(300_000, vs.offsetMillis());
        assertEquals(AtModifier.at(100_000), vs.at());
        assertEquals("foo @ 100 offset 5m", e.toString());
        assertEquals(p("rate(foo[5m] @ 100 offset 5m)"), p("rate(foo[5m] offset 5m @ 100)"));
    }

    // ---- subqueries ----

    @Test
    void subqueries() {
        SubqueryExpr s = (SubqueryExpr) p("rate(foo[5m])[1h:5m]");
        assertEquals(3_600_000, s.rangeMillis());
        assertEquals(300_000, s.stepMillis());
        assertEquals(ValueType.MATRIX, s.type());
        SubqueryExpr d = (SubqueryExpr) p("foo[1h:]");
        assertEquals(0, d.stepMillis());
        assertEquals(sel("foo"), d.expr());
        SubqueryExpr o = (SubqueryExpr) p("sum(foo)[30m:1m] offset 1h @ end()");
        assertEquals(3_600_000, o.offsetMillis());
        assertSame(AtModifier.end(), o.at());
        assertEquals("sum(foo)[30m:1m] @ end() offset 1h", o.toString());
        SubqueryExpr nested = (SubqueryExpr) p("max_over_time(rate(x[1m])[5m:1m])[10m:]");
        assertInstanceOf(Call.class, nested.expr());
        SubqueryExpr withOffsetInside = (SubqueryExpr) p("foo offset 5m [1h:]");
        assertEquals(300_000, ((VectorSelector) withOffsetInside.expr()).offsetMillis());
    }

    // ---- binary modifiers ----

    @Test
    void vectorMatching() {
        BinaryExpr b = (BinaryExpr) p("a / on(x, y) group_left(z) b");
        assertEquals(new VectorMatching(VectorMatching.Cardinality.MANY_TO_ONE, List.of("x", "y"), true, List.of("z")),
                b.matching());
        assertEquals("a / on (x, y) group_left (z) b", b.toString());
        BinaryExpr r = (BinaryExpr) p("a - ignoring(x) group_right b");
        assertEquals(new VectorMatching(VectorMatching.Cardinality.ONE_TO_MANY, List.of("x"), false, List.of()),
                r.matching());
        BinaryExpr s = (BinaryExpr) p("a + 1");
        assertNull(s.matching());
        BinaryExpr one = (BinaryExpr) p("a + b");
        assertEquals(VectorMatching.Cardinality.ONE_TO_ONE, one.matching().card());
    }

    @Test
    void boolModifier() {
        BinaryExpr b = (BinaryExpr) p("1 > bool 2");
        assertTrue(b.returnBool());
        assertEquals(ValueType.SCALAR, b.type());
        assertEquals(ValueType.VECTOR, p("a >= bool 2").type());
    }

    // ---- calls and aggregations ----

    @Test
    void functionsAndTypes() {
        Call c = (Call) p("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))");
        assertEquals("histogram_quantile", c.function().name());
        assertEquals(ValueType.VECTOR, c.type());
        assertEquals(ValueType.SCALAR, p("scalar(x)").type());
        assertEquals(ValueType.SCALAR, p("time()").type());
        assertEquals(ValueType.STRING, p("\"x\"").type());
        assertEquals(ValueType.MATRIX, p("x[5m]").type());
        assertEquals(3, ((Call) p("label_join(x, \"d\", \",\", \"a\", \"b\",)")).args().size() - 2);
        for (String weir : List.of("sum2_over_time", "distinct_over_time", "l1_over_time", "l2_over_time",
                "entropy_over_time")) {
            Call w = (Call) p(weir + "(x[1h])");
            assertEquals(ValueType.VECTOR, w.type());
            assertTrue(w.function().sketchFunction() != null, weir);
        }
        assertNull(FunctionTable.lookup("rate").sketchFunction());
    }

    @Test
    void everySketchFunctionIsInTheTableAsARangeFunction() {
        for (io.weir.engine.sketch.SketchFunction sf : io.weir.engine.sketch.SketchFunction.values()) {
            FunctionDef f = FunctionTable.lookup(sf.promqlName());
            assertEquals(sf, f.sketchFunction());
            assertEquals(ValueType.MATRIX, f.argTypes().getLast(), sf.promqlName());
            assertEquals(ValueType.VECTOR, f.returnType());
        }
    }

    @Test
    void aggregationGroupingBeforeOrAfter() {
        AggregateExpr a = (AggregateExpr) p("sum by (job) (x)");
        assertEquals(a, p("sum(x) by (job)"));
        assertEquals(a, p("SUM BY (job) (x)"));
        assertEquals(List.of("job"), a.grouping());
        assertTrue(a.groupingGiven());
        AggregateExpr w = (AggregateExpr) p("topk(5, x) without (a, b)");
        assertTrue(w.without());
        assertEquals(n(5), w.param());
        assertEquals("topk without (a, b) (5, x)", w.toString());
        AggregateExpr plain = (AggregateExpr) p("sum(x)");
        assertTrue(!plain.groupingGiven() && plain.grouping().isEmpty());
        AggregateExpr cv = (AggregateExpr) p("count_values(\"v\", x)");
        assertEquals(new StringLiteral("v"), cv.param());
    }

    @Test
    void errorsCarryPosition() {
        PromQLParseException e = assertThrows(PromQLParseException.class, () -> p("sum(x)\n + foo(y)"));
        assertEquals(2, e.line());
        assertEquals(4, e.column());
        assertEquals("2:4: parse error: unknown function with name \"foo\"", e.getMessage());
    }
}
