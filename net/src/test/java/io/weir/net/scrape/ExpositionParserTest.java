package io.weir.net.scrape;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-written bodies against hand-written expected samples, for both formats. */
class ExpositionParserTest {
    /** Parses and renders each sample as {@code name{a="x",...} value [@ts]} with the value's raw bits for NaN. */
    static List<String> parse(String body, boolean openMetrics) {
        ExpositionParser p = new ExpositionParser();
        List<String> out = new ArrayList<>();
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        boolean ok = p.parse(b, b.length, openMetrics, line -> {
            StringBuilder sb = new StringBuilder(new String(line.scratch(), line.nameOffset(), line.nameLength(), StandardCharsets.UTF_8));
            if (line.labelCount() > 0) {
                sb.append('{');
                for (int i = 0; i < line.labelCount(); i++) {
                    sb.append(i > 0 ? "," : "")
                            .append(new String(line.scratch(), line.labelNameOffset(i), line.labelNameLength(i), StandardCharsets.UTF_8))
                            .append("=\"")
                            .append(new String(line.scratch(), line.labelValueOffset(i), line.labelValueLength(i), StandardCharsets.UTF_8))
                            .append('"');
                }
                sb.append('}');
            }
            double v = line.value();
            sb.append(' ').append(Double.isNaN(v) ? "NaN:" + Long.toHexString(Double.doubleToRawLongBits(v)) : Double.toString(v));
            if (line.hasTimestamp()) {
                sb.append(" @").append(line.timestampMillis());
            }
            out.add(sb.toString());
            return null;
        });
        if (!ok) {
            out.add("ERROR " + p.error());
        }
        return out;
    }

    @Test
    void textFormat() {
        String body = """
                # HELP http_requests_total The total number of HTTP requests.
                # TYPE http_requests_total counter
                http_requests_total{method="post",code="200"} 1027 1395066363000
                http_requests_total{method="post",code="400"}    3 1395066363000

                # Escaping in label values:
                msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
                metric_without_timestamp_and_labels 12.47
                something_weird{problem="division by zero"} +Inf -3982045
                neg_inf -Inf
                not_a_number NaN
                # a comment that is not HELP or TYPE
                  indented 1
                trailing_comma{a="1",} 2
                spaces { a = "1" , b="2" } 3
                unknown_escape{a="x\\ty"} 4
                big 12345678901234567890
                small 1.5e-7
                hex_like 0x10
                """;
        List<String> got = parse(body.replace("hex_like 0x10\n", ""), false);
        assertEquals(List.of(
                "http_requests_total{method=\"post\",code=\"200\"} 1027.0 @1395066363000",
                "http_requests_total{method=\"post\",code=\"400\"} 3.0 @1395066363000",
                "msdos_file_access_time_seconds{path=\"C:\\DIR\\FILE.TXT\",error=\"Cannot find file:\n\"FILE.TXT\"\"} 1.458255915E9",
                "metric_without_timestamp_and_labels 12.47",
                "something_weird{problem=\"division by zero\"} Infinity @-3982045",
                "neg_inf -Infinity",
                "not_a_number NaN:7ff8000000000001",
                "indented 1.0",
                "trailing_comma{a=\"1\"} 2.0",
                "spaces{a=\"1\",b=\"2\"} 3.0",
                "unknown_escape{a=\"x\\ty\"} 4.0",
                "big 1.2345678901234567E19",
                "small 1.5E-7"), got);
        assertTrue(parse("hex_like 0x10\n", false).getLast().startsWith("ERROR line 1: invalid value"));
    }

    @Test
    void histogramsAndSummariesArePlainSeries() {
        String body = """
                # TYPE rpc_duration_seconds summary
                rpc_duration_seconds{quantile="0.5"} 4773
                rpc_duration_seconds_sum 1.7560473e+07
                rpc_duration_seconds_count 2693
                # TYPE http_request_duration_seconds histogram
                http_request_duration_seconds_bucket{le="0.05"} 24054
                http_request_duration_seconds_bucket{le="+Inf"} 144320
                http_request_duration_seconds_sum 53423
                http_request_duration_seconds_count 144320
                """;
        assertEquals(List.of(
                "rpc_duration_seconds{quantile=\"0.5\"} 4773.0",
                "rpc_duration_seconds_sum 1.7560473E7",
                "rpc_duration_seconds_count 2693.0",
                "http_request_duration_seconds_bucket{le=\"0.05\"} 24054.0",
                "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320.0",
                "http_request_duration_seconds_sum 53423.0",
                "http_request_duration_seconds_count 144320.0"), parse(body, false));
    }

    @Test
    void textFormatErrors() {
        assertEquals("ERROR line 2: invalid metric type \"countr\"", parse("a 1\n# TYPE a countr\n", false).getLast());
        assertTrue(parse("a{b=\"1\" 1\n", false).getLast().startsWith("ERROR line 1: expected ',' or '}'"));
        assertTrue(parse("a{b=\"1} 1\n", false).getLast().startsWith("ERROR line 1: unterminated"));
        assertTrue(parse("a 1 2 3\n", false).getLast().startsWith("ERROR line 1: unexpected text"));
        assertTrue(parse("a one\n", false).getLast().startsWith("ERROR line 1: invalid value"));
        assertTrue(parse("a 1 1.5\n", false).getLast().startsWith("ERROR line 1: invalid timestamp"));
        assertTrue(parse("1a 1\n", false).getLast().startsWith("ERROR line 1: invalid metric name"));
        assertTrue(parse("a{1b=\"x\"} 1\n", false).getLast().startsWith("ERROR line 1: invalid label name"));
        assertTrue(parse("a\n", false).getLast().startsWith("ERROR line 1: expected a value"));
        assertTrue(parse("a 1e400\n", false).getLast().startsWith("ERROR line 1: invalid value"));
        byte[] badUtf8 = {'a', '{', 'b', '=', '"', (byte) 0xff, '"', '}', ' ', '1', '\n'};
        ExpositionParser p = new ExpositionParser();
        assertFalse(p.parse(badUtf8, badUtf8.length, false, l -> null));
        assertTrue(p.error().contains("invalid UTF-8"));
        // samples before the bad line were handed over; the caller drops the whole scrape
        assertEquals(2, parse("a 1\nb 2\nc x\n", false).size() - 1);
    }

    @Test
    void openMetrics() {
        String body = """
                # TYPE acme_http_router_request_seconds summary
                # UNIT acme_http_router_request_seconds seconds
                # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
                acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
                acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
                acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
                # TYPE foo counter
                foo_total 17.0 1520879607.789 # {id="counter-test"} 5
                foo_created 1520872607.123
                # TYPE bar histogram
                bar_bucket{le="0.01"} 0 # {trace_id="KOO5S4vxi0o"} 0.005 1520879607.789
                bar_bucket{le="+Inf"} 17
                bar_count 17
                bar_sum 324789.3
                esc{a="x\\"y\\\\z\\n"} NaN
                inf +Inf 1.5
                # EOF
                """;
        assertEquals(List.of(
                "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32",
                "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0",
                "acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} 1.605281325E9",
                "foo_total 17.0 @1520879607789",
                "foo_created 1.520872607123E9",
                "bar_bucket{le=\"0.01\"} 0.0",
                "bar_bucket{le=\"+Inf\"} 17.0",
                "bar_count 17.0",
                "bar_sum 324789.3",
                "esc{a=\"x\"y\\z\n\"} NaN:7ff8000000000001",
                "inf Infinity @1500"), parse(body, true));
    }

    @Test
    void openMetricsErrors() {
        assertEquals("ERROR line 1: missing # EOF at the end", parse("a 1\n", true).getLast());
        assertEquals("ERROR line 3: unexpected data after # EOF", parse("a 1\n# EOF\nb 2\n", true).getLast());
        assertEquals("ERROR line 2: empty line", parse("a 1\n\n# EOF\n", true).getLast());
        assertTrue(parse("# random comment\n# EOF\n", true).getLast().startsWith("ERROR line 1: invalid comment line"));
        assertTrue(parse("# TYPE a untyped\n# EOF\n", true).getLast().startsWith("ERROR line 1: invalid metric type"));
        assertTrue(parse("a 1 # {x=\"1\"\n# EOF\n", true).getLast().startsWith("ERROR line 1:"));
        assertTrue(parse("a 1 NaN\n# EOF\n", true).getLast().startsWith("ERROR line 1: invalid timestamp"));
        // no trailing newline after # EOF is fine
        assertEquals(List.of("a 1.0"), parse("a 1\n# EOF", true));
    }

    @Test
    void contentTypeDecidesTheFormat() {
        assertTrue(ExpositionParser.isOpenMetrics("application/openmetrics-text; version=1.0.0; charset=utf-8"));
        assertFalse(ExpositionParser.isOpenMetrics("text/plain; version=0.0.4; charset=utf-8"));
        assertFalse(ExpositionParser.isOpenMetrics(null));
        assertFalse(ExpositionParser.isOpenMetrics("application/json"));
    }

    @Test
    void numbersMatchTheJdksCorrectlyRoundedParser() {
        java.util.Random r = new java.util.Random(7);
        ExpositionParser p = new ExpositionParser();
        for (int i = 0; i < 20_000; i++) {
            String v = switch (i % 4) {
                case 0 -> Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
                case 1 -> Long.toString(r.nextLong() >> r.nextInt(63));
                case 2 -> String.format(java.util.Locale.ROOT, "%.6e", r.nextGaussian() * 1e5);
                default -> "0." + (r.nextInt(1_000_000) + 1) + "e" + (r.nextInt(60) - 30);
            };
            byte[] b = ("m " + v + "\n").getBytes(StandardCharsets.US_ASCII);
            double[] got = new double[1];
            assertTrue(p.parse(b, b.length, false, l -> {
                got[0] = l.value();
                return null;
            }), v);
            assertEquals(Double.doubleToLongBits(Double.parseDouble(v)), Double.doubleToLongBits(got[0]), v);
        }
        assertNull(null);
    }
}
