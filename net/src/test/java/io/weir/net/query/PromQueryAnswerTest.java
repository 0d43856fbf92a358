package io.weir.net.query;

import io.weir.engine.query.eval.BackendValues;
import io.weir.engine.query.eval.Labels;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Reading a backend's query answers for mixed plans: every shape the API answers with, and anything else refused. */
class PromQueryAnswerTest {
    private static final String NOISE = " {}[],:\"0123456789.eE+-aNIf\\u";

    private static PromQueryAnswer parse(String json) throws PromQueryAnswer.Malformed {
        return PromQueryAnswer.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsVectorsAndScalars() throws Exception {
        PromQueryAnswer v = parse("""
                {"status":"success","data":{"resultType":"vector","result":[
                  {"metric":{"__name__":"up","job":"a\\"b","instance":"h\\u00e9:9100"},"value":[1700000000.123,"1"]},
                  {"metric":{},"value":[1700000000.123,"NaN"]}]},"warnings":["w"]}""");
        assertEquals("vector", v.resultType());
        assertEquals(2, v.series().size());
        BackendValues.Points p = v.series().getFirst();
        assertEquals(Labels.of("__name__", "up", "job", "a\"b", "instance", "hé:9100"), p.labels());
        assertArrayEquals(new long[] {1_700_000_000_123L}, p.timestamps());
        assertArrayEquals(new double[] {1}, p.values());
        assertTrue(Double.isNaN(v.series().get(1).values()[0]));

        PromQueryAnswer m = parse("""
                {"status":"success","data":{"result":[{"value":[1700000060.5,"-2.5e-7"],"metric":{"a":"1"}},
                  {"metric":{"a":"2"},"value":[1700000060.5,"+Inf"]}],"resultType":"vector"},"stats":{"x":[1,{"y":2}]}}""");
        assertEquals("vector", m.resultType());
        assertArrayEquals(new long[] {1_700_000_060_500L}, m.series().getFirst().timestamps());
        assertArrayEquals(new double[] {-2.5e-7}, m.series().getFirst().values());
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY}, m.series().get(1).values());

        PromQueryAnswer s = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1700000000.001,\"42\"]}}");
        assertEquals("scalar", s.resultType());
        assertEquals(Labels.EMPTY, s.series().getFirst().labels());
        assertArrayEquals(new long[] {1_700_000_000_001L}, s.series().getFirst().timestamps());

        PromQueryAnswer empty = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
        assertEquals(List.of(), empty.series());
    }

    @Test
    void timesAreReadFromTheirDecimalsExactly() {
        assertEquals(1_700_000_000_123L, PromQueryAnswer.millis("1700000000.123"));
        assertEquals(1_700_000_000_100L, PromQueryAnswer.millis("1700000000.1"));
        assertEquals(1_700_000_000_000L, PromQueryAnswer.millis("1700000000"));
        assertEquals(1_700_000_000_000L, PromQueryAnswer.millis("1.7e9"));
        assertEquals(-1_500L, PromQueryAnswer.millis("-1.5"));
        assertThrows(NumberFormatException.class, () -> PromQueryAnswer.millis("1e400"));
    }

    @Test
    void errorsMatricesHistogramsAndOtherShapesAreRefused() {
        String[] refused = {
                "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"many-to-many matching not allowed\"}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"x\"]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,\"1\"]]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"histogram\":[1,{\"count\":\"1\"}]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"1\",2]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"0x1p3\"]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[\"1\",\"1\"]}]}}",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}",
                "{\"status\":\"success\"}",
                "[]", "", "{", "null", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}}]}}",
        };
        for (String r : refused) {
            assertThrows(PromQueryAnswer.Malformed.class, () -> parse(r), r);
        }
    }

    /** Random bytes, and valid answers cut and flipped: either an answer or Malformed, nothing else escapes. */
    @Test
    void fuzzedAnswersOnlyEverGiveMalformed() throws Exception {
        Random rnd = new Random(7);
        byte[] valid = """
                {"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"m","j":"x"},
                "value":[1700000000,"1.5"]},{"metric":{},"value":[1700000000.5,"-Inf"]}]}}"""
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(2, PromQueryAnswer.parse(valid).series().size(), "the seed itself is read");
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 4 == 0) {
                b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
            } else {
                b = java.util.Arrays.copyOf(valid, i % 4 == 1 ? rnd.nextInt(valid.length + 1) : valid.length);
                for (int k = 0, flips = 1 + rnd.nextInt(4); k < flips && b.length > 0; k++) {
                    b[rnd.nextInt(b.length)] = (byte) NOISE.charAt(rnd.nextInt(NOISE.length()));
                }
            }
            try {
                PromQueryAnswer.parse(b);
            } catch (PromQueryAnswer.Malformed expected) {
                // refused, as it should be
            } catch (RuntimeException e) {
                fail("input " + new String(b, StandardCharsets.ISO_8859_1) + " threw " + e, e);
            }
        }
        // deep nesting is refused, not a stack overflow
        String deep = "{\"status\":\"success\",\"data\":{\"x\":" + "[".repeat(100_000) + "}}";
        assertThrows(PromQueryAnswer.Malformed.class, () -> parse(deep));
    }
}
