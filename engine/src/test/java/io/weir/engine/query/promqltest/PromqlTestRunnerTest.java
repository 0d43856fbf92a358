package io.weir.engine.query.promqltest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner itself: it reads the notation as Prometheus does and fails a case on every kind of mismatch. */
class PromqlTestRunnerTest {
    @Test
    void seriesNotationExpandsAsPrometheus() {
        SeriesNotation.Series s = SeriesNotation.parse("m{b=\"x\", a='y\\\"'} 1+2x2 _ -1-1x1 _x2 stale NaN -Inf 1e-3 0x10 3x1");
        assertEquals(List.of("__name__", "m", "b", "x", "a", "y\""), s.labels());
        StringBuilder sb = new StringBuilder();
        for (SeriesNotation.Item i : s.items()) {
            sb.append(i.omitted() ? "_" : SeriesNotation.STALE_NAN_BITS == Double.doubleToRawLongBits(i.value()) ? "stale"
                    : String.valueOf(i.value())).append(' ');
        }
        // no hexadecimal in series values: Prometheus' lexer reads 0x10 as 0 repeated 10 more times
        assertEquals("1.0 3.0 5.0 _ -1.0 -2.0 _ _ stale NaN -Infinity 0.001 " + "0.0 ".repeat(11) + "3.0 3.0 ", sb.toString());
        assertTrue(SeriesNotation.parse("h {{schema:0 sum:1 count:1}}x3").hasHistogram());
        assertEquals(List.of(), SeriesNotation.parse("{} 5").labels());
    }

    @Test
    void almostEqualIsPrometheus() {
        assertTrue(PromqlTestRunner.almostEqual(Double.NaN, Double.NaN));
        assertTrue(PromqlTestRunner.almostEqual(1.0, 1.0 + 1e-7));
        assertFalse(PromqlTestRunner.almostEqual(1.0, 1.0 + 1e-5));
        assertFalse(PromqlTestRunner.almostEqual(0.0, 1e-300));
        assertTrue(PromqlTestRunner.almostEqual(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertFalse(PromqlTestRunner.almostEqual(Double.NaN, 0));
    }

    @Test
    void everyMismatchFailsTheCase(@TempDir Path tmp) {
        String script = """
                load 10s
                  m{job="a"} 1 2 3 4 5
                  m{job="b"} 10 NaN 30 _ 50
                  other 1 2

                eval instant at 50s sum_over_time(m[1m])
                  {job="a"} 15
                  {job="b"} NaN

                eval instant at 50s sum_over_time(m[1m])
                  {job="a"} 15.001
                  {job="b"} NaN

                eval instant at 50s sum_over_time(m[1m])
                  {job="a"} 15

                eval instant at 50s sum_over_time(m[1m])
                  {job="a"} 15
                  {job="b"} NaN
                  {job="c"} 1

                eval instant at 50s sum_over_time(m[1m])
                  m{job="a"} 15
                  {job="b"} NaN

                eval_ordered instant at 50s sort_desc(max_over_time(m[1m]))
                  {job="b"} 50
                  {job="a"} 5

                eval_ordered instant at 50s sort(max_over_time(m[1m]))
                  {job="b"} 50
                  {job="a"} 5

                eval instant at 50s count_over_time(other[1m]) * 2
                  4

                eval instant at 50s scalar(count_over_time(other[1m]))
                  2

                eval_fail instant at 50s count_over_time(other[1m])

                eval range from 0 to 20s step 10s min_over_time(m{job="b"}[15s])
                  {job="b"} 10 10 30

                eval range from 0 to 20s step 10s min_over_time(m{job="b"}[15s])
                  {job="b"} 10 _ 30

                eval instant at 50s rate(m[1m])
                  {job="a"} 0

                eval instant at 50s max_over_time(m[1m] @ 50)
                  {job="a"} 5
                  {job="b"} 50

                eval instant at 50s max_over_time(m[1m:10s])
                """;
        List<PromqlTestRunner.Case> cases = PromqlTestRunner.run("self", script, tmp, 256 << 10);
        StringBuilder verdicts = new StringBuilder();
        for (PromqlTestRunner.Case c : cases) {
            verdicts.append(c.line()).append(' ').append(c.verdict()).append('\n');
        }
        assertEquals("""
                6 PASSED
                10 FAILED
                14 FAILED
                17 FAILED
                22 FAILED
                26 PASSED
                30 FAILED
                34 FAILED
                37 PASSED
                40 FAILED
                42 PASSED
                45 FAILED
                51 PASSED
                55 NOT_LOCAL
                """, verdicts.toString(), cases.toString());
    }
}
