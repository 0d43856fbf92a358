package io.weir.engine.query.promql;

import io.weir.engine.series.LabelMatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link PromQLParser#parseSelector}, as used by the config's sketch.targets[].match. */
class ParseSelectorTest {

    @Test
    void seriesSelectorWithNameRegex() {
        VectorSelector vs = PromQLParser.parseSelector("{__name__=~\"http_.*\", job!=\"test\"}");
        assertNull(vs.metricName());
        assertEquals(List.of(LabelMatcher.of(LabelMatcher.Type.RE, "__name__", "http_.*"),
                LabelMatcher.of(LabelMatcher.Type.NEQ, "job", "test")), vs.matchers());
    }

    @Test
    void namedSelectors() {
        assertEquals("up", PromQLParser.parseSelector("up").metricName());
        VectorSelector vs = PromQLParser.parseSelector("http_requests_total{job=\"api\"}");
        assertEquals("http_requests_total", vs.metricName());
        assertEquals(2, vs.matchers().size());
        assertEquals(vs, PromQLParser.parseSelector("{\"http_requests_total\", job=\"api\"}"));
        assertEquals("my.metric", PromQLParser.parseSelector("{\"my.metric\"}").metricName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "rate(x[5m])", "x[5m]", "x offset 5m", "x @ 1", "sum(x)", "1", "\"x\"", "{}",
            "{a=\"\"}", "x + y", "x{a=~\"(\"}", "x{"})
    void rejectsEverythingElse(String text) {
        assertThrows(PromQLParseException.class, () -> PromQLParser.parseSelector(text));
    }
}
