package io.weir.engine.query.promql;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queries Prometheus rejects, each with a fragment of the expected message. */
class InvalidQueryTest {

    @org.junit.jupiter.api.Test
    void emptyQueryIsRejected() {
        PromQLParseException e = assertThrows(PromQLParseException.class, () -> PromQLParser.parse("  # only a comment"));
        assertTrue(e.getMessage().contains("unexpected end of input"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\u0000', textBlock = """
            foo(bar)                               | unknown function with name "foo"
            Rate(x[5m])                            | unknown function with name "Rate"
            rate(x)                                | expected type range vector in call to function "rate", got instant vector
            rate(x[5m], 1)                         | expected 1 argument(s) in call to "rate", got 2
            rate()                                 | expected 1 argument(s) in call to "rate", got 0
            abs(x[5m])                             | expected type instant vector in call to function "abs", got range vector
            time(1)                                | expected 0 argument(s) in call to "time", got 1
            round(x, 1, 2)                         | expected at most 2 argument(s) in call to "round", got 3
            label_join(x, "a")                     | expected at least 3 argument(s) in call to "label_join", got 2
            label_replace(x, "a", "b", "c", 1)     | expected type string in call to function "label_replace", got scalar
            histogram_quantile(x, y)               | expected type scalar in call to function "histogram_quantile", got instant vector
            day_of_week(1, 2)                      | expected at most 1 argument(s) in call to "day_of_week", got 2
            sum(x                                  | unclosed left parenthesis
            sum(x))                                | unexpected right parenthesis ')'
            foo[5m                                 | unclosed left bracket
            foo]                                   | unexpected right bracket ']'
            foo{a="b"                              | unexpected end of input inside braces
            foo[5x]                                | bad number or duration syntax: "5x"
            foo[1h1h]                              | bad duration syntax
            foo[5mm]                               | bad duration syntax
            foo[]                                  | unexpected ']' in range or subquery, expected duration
            foo[-5m]                               | unexpected '-' in range or subquery, expected duration
            1 and 2                                | set operator "and" not allowed in binary scalar expression
            foo or 1                               | set operator "or" not allowed in binary scalar expression
            1 unless foo                           | set operator "unless" not allowed in binary scalar expression
            foo + bool bar                         | bool modifier can only be used on comparison operators
            foo and bool bar                       | bool modifier can only be used on comparison operators
            1 > 2                                  | comparisons between scalars must use BOOL modifier
            1 + on(a) foo                          | vector matching only allowed between instant vectors
            foo and on(a) group_left(b) bar        | no grouping allowed for "and" operation
            foo * on(a) group_left(a) bar          | label "a" must not occur in ON and GROUP clause at once
            foo[5m] + 1                            | binary expression must contain only scalar and instant vector types
            "a" + 1                                | binary expression must contain only scalar and instant vector types
            rate((foo)[5m])                        | ranges only allowed for vector selectors
            rate(sum(foo)[5m])                     | ranges only allowed for vector selectors
            foo[5m][10m]                           | ranges only allowed for vector selectors
            foo[5m][10m:]                          | subquery is only allowed on instant vector, got range vector
            foo offset 5m [10m]                    | no offset modifiers allowed before range
            foo @ 100 [10m]                        | no @ modifiers allowed before range
            foo offset 5m offset 1m                | offset may not be set multiple times
            foo @ 1 @ 2                            | @ <timestamp> may not be set multiple times
            sum(foo) offset 5m                     | offset modifier must be preceded by an instant vector selector or range vector selector or a subquery
            rate(foo[5m]) @ 100                    | @ modifier must be preceded by an instant vector selector or range vector selector or a subquery
            foo @ Inf                              | timestamp out of bounds for @ modifier
            foo @ bar                              | unexpected identifier "bar" in @, expected timestamp
            foo offset bar                         | unexpected identifier "bar" in offset, expected duration
            {}                                     | vector selector must contain at least one non-empty matcher
            {a=""}                                 | vector selector must contain at least one non-empty matcher
            {a=~".*", b!="x"}                      | vector selector must contain at least one non-empty matcher
            {a!~".+"}                              | vector selector must contain at least one non-empty matcher
            foo{__name__="bar"}                    | metric name must not be set twice: "foo" or "bar"
            foo{a=~"(unclosed"}                    | error parsing regexp
            foo{a="b" c="d"}                       | unexpected identifier "c" in label matching
            foo{a=b}                               | unexpected identifier "b" in label matching, expected string
            foo{a}                                 | unexpected '}' in label matching
            foo{a=="b"}                            | unexpected '==' in label matching
            -"foo"                                 | unary expression only allowed on expressions of type scalar or instant vector, got "string"
            -foo[5m]                               | unary expression only allowed on expressions of type scalar or instant vector, got "range vector"
            topk(x, y)                             | expected type scalar in aggregation parameter, got instant vector
            topk(y)                                | wrong number of arguments for aggregate expression provided, expected 2, got 1
            sum(x, y)                              | wrong number of arguments for aggregate expression provided, expected 1, got 2
            count_values(1, x)                     | expected type string in aggregation parameter, got scalar
            quantile("a", x)                       | expected type scalar in aggregation parameter, got string
            sum(x[5m])                             | expected type instant vector in aggregation expression, got range vector
            sum by (a) (x) by (b)                  | unexpected identifier "by"
            sum foo                                | unexpected identifier "foo" in aggregation
            sum by (a+b) (x)                       | unexpected '+' in grouping opts
            sum                                    | unexpected end of input in aggregation
            foo bar                                | unexpected identifier "bar"
            foo ==                                 | unexpected end of input
            = foo                                  | unexpected '='
            foo = bar                              | unexpected '='
            1 + 2 +                                | unexpected end of input
            by                                     | unexpected identifier "by"
            offset                                 | unexpected identifier "offset"
            foo offset                             | unexpected end of input in offset
            "unterminated                          | unterminated quoted string
            `unterminated                          | unterminated raw string
            "bad \\q escape"                       | unknown escape sequence
            1.2.3                                  | bad number or duration syntax
            0x                                     | bad number syntax
            12abc                                  | bad number or duration syntax
            foo ! bar                              | unexpected character after '!'
            foo ~ bar                              | unexpected character: '~'
            foo[5m:1m:1m]                          | unexpected ':'
            (foo                                   | unclosed left parenthesis
            ()                                     | unexpected ')'
            foo{a="b"}{c="d"}                      | unexpected '{'
            foo * on(a) group_left b c             | unexpected identifier "c"
            """)
    void rejected(String query, String expectedFragment) {
        PromQLParseException e = assertThrows(PromQLParseException.class, () -> PromQLParser.parse(query));
        assertTrue(e.getMessage().contains(expectedFragment),
                () -> "message was: " + e.getMessage() + " ; expected to contain: " + expectedFragment);
        assertTrue(e.getMessage().matches("\\d+:\\d+: parse error: .*"), e.getMessage());
    }
}
