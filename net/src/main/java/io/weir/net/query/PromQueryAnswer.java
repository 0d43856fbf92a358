package io.weir.net.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.weir.engine.query.eval.BackendValues;
import io.weir.engine.query.eval.Labels;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend's answer to an instant {@code /api/v1/query} (what a mixed plan asks), read from its JSON: the result
 * type and the series with their points (a scalar is one series without labels). Native histograms, matrices and
 * strings are refused (a mixed plan combines only instant vectors and scalars). Anything that is not a well-formed
 * success answer throws {@link Malformed}.
 */
record PromQueryAnswer(String resultType, List<BackendValues.Points> series) {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /** The answer is not one a mixed plan can use: an error, or something else than a Prometheus query answer. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    static PromQueryAnswer parse(byte[] body) throws Malformed {
        try (JsonParser p = JSON.createParser(body)) {
            expect(p, JsonToken.START_OBJECT);
            String status = null;
            String error = null;
            PromQueryAnswer data = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "status" -> status = p.getValueAsString();
                    case "error" -> error = p.getValueAsString();
                    case "data" -> data = data(p);
                    default -> p.skipChildren();
                }
            }
            if (!"success".equals(status)) {
                throw new Malformed("backend answered " + status + (error == null ? "" : ": " + error));
            }
            if (data == null) {
                throw new Malformed("backend answer without data");
            }
            return data;
        } catch (IOException | NumberFormatException e) {
            throw new Malformed("backend answer is not valid JSON: " + e.getMessage());
        }
    }

    private static PromQueryAnswer data(JsonParser p) throws IOException, Malformed {
        check(p.currentToken() == JsonToken.START_OBJECT, "data is not an object");
        String type = null;
        List<BackendValues.Points> series = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "resultType" -> type = p.getValueAsString();
                case "result" -> series = result(p);
                default -> p.skipChildren();
            }
        }
        check(type != null && series != null, "data without resultType or result");
        check(type.equals("vector") || type.equals("scalar"), "result type " + type);
        return new PromQueryAnswer(type, series);
    }

    /** A vector's series, or a scalar's one point as a series without labels. */
    private static List<BackendValues.Points> result(JsonParser p) throws IOException, Malformed {
        check(p.currentToken() == JsonToken.START_ARRAY, "result is not an array");
        List<BackendValues.Points> out = new ArrayList<>();
        JsonToken t = p.nextToken();
        if (t != JsonToken.END_ARRAY && t != JsonToken.START_OBJECT) {
            // a scalar: [t, "v"], the array already opened
            long[] ts = new long[1];
            double[] vs = new double[1];
            pointBody(p, ts, vs, 0);
            out.add(new BackendValues.Points(Labels.EMPTY, ts, vs));
            return out;
        }
        for (; t == JsonToken.START_OBJECT; t = p.nextToken()) {
            out.add(series(p));
        }
        check(t == JsonToken.END_ARRAY, "result holds something else than series");
        return out;
    }

    private static BackendValues.Points series(JsonParser p) throws IOException, Malformed {
        Labels labels = null;
        long[] ts = null;
        double[] vs = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "metric" -> labels = metric(p);
                case "value" -> {
                    check(p.currentToken() == JsonToken.START_ARRAY, "value is not a point");
                    p.nextToken();
                    ts = new long[1];
                    vs = new double[1];
                    pointBody(p, ts, vs, 0);
                }
                case "values" -> throw new Malformed("a range vector cannot be combined here");
                case "histogram", "histograms" -> throw new Malformed("native histograms cannot be combined here");
                default -> p.skipChildren();
            }
        }
        check(labels != null && ts != null, "a series without metric or values");
        return new BackendValues.Points(labels, ts, vs);
    }

    private static Labels metric(JsonParser p) throws IOException, Malformed {
        check(p.currentToken() == JsonToken.START_OBJECT, "metric is not an object");
        List<String> pairs = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            pairs.add(p.currentName());
            check(p.nextToken() == JsonToken.VALUE_STRING, "a label value is not a string");
            pairs.add(p.getText());
        }
        return Labels.of(pairs.toArray(new String[0]));
    }

    /** A point's {@code t, "v"]} (the opening bracket read, the parser on the timestamp). */
    private static void pointBody(JsonParser p, long[] ts, double[] vs, int i) throws IOException, Malformed {
        JsonToken t = p.currentToken();
        check(t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT, "a point's time is not a number");
        ts[i] = millis(p.getText());
        check(p.nextToken() == JsonToken.VALUE_STRING, "a point's value is not a string");
        vs[i] = value(p.getText());
        check(p.nextToken() == JsonToken.END_ARRAY, "a point has more than a time and a value");
    }

    /**
     * A time in seconds as the API writes it ({@code 1700000000.123}) in milliseconds, from its decimal text so that no
     * binary rounding moves it off a step; other spellings (exponents, finer fractions) as a double.
     */
    static long millis(String text) {
        int dot = text.indexOf('.');
        int fraction = dot < 0 ? 0 : text.length() - dot - 1;
        boolean plain = fraction <= 3 && text.length() <= 16 && text.indexOf('e') < 0 && text.indexOf('E') < 0
                && !text.startsWith("-") && !text.startsWith("+");
        if (plain) {
            long ms = 0;
            for (int k = 0; k < text.length(); k++) {
                char c = text.charAt(k);
                if (c == '.') {
                    continue;
                }
                if (c < '0' || c > '9') {
                    throw new NumberFormatException("not a time: " + text);
                }
                ms = ms * 10 + (c - '0');
            }
            for (int k = fraction; k < 3; k++) {
                ms *= 10;
            }
            return ms;
        }
        double seconds = Double.parseDouble(text);
        if (!(Math.abs(seconds) < 1e15)) {
            throw new NumberFormatException("not a time: " + text);
        }
        return Math.round(seconds * 1000);
    }

    /** Prometheus' value text: a Go float, or NaN, +Inf, -Inf. */
    static double value(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                // decimal and exponent forms only: Java would also take "1d", "Infinity" and hex floats
                for (int i = 0; i < s.length(); i++) {
                    if ("0123456789.eE+-".indexOf(s.charAt(i)) < 0) {
                        throw new NumberFormatException("not a sample value: " + s);
                    }
                }
                yield Double.parseDouble(s);
            }
        };
    }

    private static void expect(JsonParser p, JsonToken token) throws IOException, Malformed {
        check(p.nextToken() == token, "expected " + token);
    }

    private static void check(boolean ok, String what) throws Malformed {
        if (!ok) {
            throw new Malformed("backend answer: " + what);
        }
    }
}
