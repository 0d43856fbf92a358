package io.weir.net.query;

import io.weir.engine.query.SharedTasks;
import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.Labels;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.StepSeries;
import io.weir.net.http.PromJson;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Writes a locally evaluated query in the Prometheus API's JSON shape, plus the {@code warnings} line and the
 * {@code approximation} object that say where the answer came from and how far its values can be off.
 */
public final class QueryResultJson {
    /** At most this many uncertain series are named; the count says how many there were. */
    static final int MAX_NAMED_UNCERTAIN = 10;

    private QueryResultJson() {}

    public static String render(QueryResult r) {
        JsonParts out = new JsonParts(Integer.MAX_VALUE);
        write(out, r);
        return out.builder().toString();
    }

    /** The whole answer, by the calling thread. */
    private static void write(JsonParts out, QueryResult r) {
        long[] times = r.times();
        StringBuilder sb = out.builder();
        head(sb, r);
        switch (r.resultType()) {
            case "scalar" -> point(sb, times[0], r.scalarValue());
            case "string" -> {
                sb.append('[');
                PromJson.timestamp(sb, times[0]).append(',');
                PromJson.string(sb, r.text()).append(']');
            }
            default -> {
                sb.append('[');
                seriesRange(out, r, r.resultType().equals("matrix") ? stepPrefixes(times) : null, 0, r.series().size());
                sb.append(']');
            }
        }
        tail(sb, r);
    }

    /** Below this many points a result is written by one thread: handing parts out costs more than it saves. */
    static final long PARALLEL_POINTS = 20_000;

    /**
     * The same bytes as {@link #render} (UTF-8), in parts to be sent one after the other. A large matrix (a dashboard
     * panel: 1,000 series x 241 steps is 241,000 points, each a shortest-digits double) is written in groups of whole
     * series by this thread and the {@code helpers} at once: formatting the values is most of such a query's time
     * (docs/benchmarks.md). The calling thread takes groups too, in order, so a busy or absent pool only means it
     * writes them all itself.
     *
     * @param helpers     null, or a pool with {@code parallelism - 1} threads that may help
     */
    public static ByteBuffer[] renderParts(QueryResult r, Executor helpers, int parallelism) {
        int n = r.series().size();
        boolean matrix = r.resultType().equals("matrix");
        if (helpers == null || parallelism < 2 || !matrix || (long) n * r.times().length < PARALLEL_POINTS || n < 2) {
            JsonParts out = new JsonParts();
            write(out, r);
            return out.finish().toArray(ByteBuffer[]::new);
        }
        String[] stepPrefix = stepPrefixes(r.times());
        int groups = Math.min(n, 4 * parallelism);
        @SuppressWarnings("unchecked")
        List<ByteBuffer>[] written = new List[groups + 2];
        StringBuilder head = new StringBuilder(128);
        head(head, r);
        written[0] = List.of(ByteBuffer.wrap(head.append('[').toString().getBytes(StandardCharsets.UTF_8)));
        StringBuilder tail = new StringBuilder(256).append(']');
        tail(tail, r);
        written[groups + 1] = List.of(ByteBuffer.wrap(tail.toString().getBytes(StandardCharsets.UTF_8)));
        SharedTasks.run(groups, helpers, parallelism - 1, (g, stop) -> {
            int from = (int) ((long) n * g / groups);
            int to = (int) ((long) n * (g + 1) / groups);
            JsonParts out = new JsonParts();
            if (g > 0) {
                out.builder().append(',');
            }
            seriesRange(out, r, stepPrefix, from, to);
            written[g + 1] = out.finish();
        }, () -> new IllegalStateException("interrupted while writing a query result"));
        List<ByteBuffer> parts = new ArrayList<>();
        for (List<ByteBuffer> w : written) {
            parts.addAll(w);
        }
        return parts.toArray(ByteBuffer[]::new);
    }

    private static void head(StringBuilder sb, QueryResult r) {
        sb.append("{\"status\":\"success\",\"data\":{\"resultType\":\"").append(r.resultType()).append("\",\"result\":");
    }

    /** Series {@code [from, to)} of an instant vector or matrix, comma-separated; every series of a matrix shares the steps (each step's "[t," written once, {@code stepPrefix}). */
    private static void seriesRange(JsonParts out, QueryResult r, String[] stepPrefix, int from, int to) {
        StringBuilder sb = out.builder();
        long[] times = r.times();
        boolean matrix = stepPrefix != null;
        boolean firstSeries = true;
        for (StepSeries s : r.series().subList(from, to)) {
            if (!firstSeries) {
                sb.append(',');
            }
            firstSeries = false;
            sb.append("{\"metric\":");
            labels(sb, s.labels());
            out.mayEndPart();
            if (matrix) {
                sb.append(",\"values\":[");
                boolean first = true;
                // the leading steps the range result cache kept written out: one range, each point after a comma
                int copied = Math.min(times.length, s.textSteps());
                if (copied > 0) {
                    int textFrom = s.textStart(0);
                    int textTo = s.textEnd(copied - 1);
                    if (textTo > textFrom) {
                        out.appendAscii(s.text(), textFrom + 1, textTo);
                        first = false;
                    }
                }
                for (int i = copied; i < times.length; i++) {
                    if (s.present(i)) {
                        if (!first) {
                            sb.append(',');
                        }
                        first = false;
                        PromJson.value(sb.append(stepPrefix[i]), s.value(i)).append(']');
                        out.mayEndPart();
                    }
                }
                sb.append(']');
            } else {
                sb.append(",\"value\":");
                point(sb, times[0], s.value(0));
            }
            sb.append('}');
            out.mayEndPart();
        }
    }

    /** The end of {@code data}, the warning line and the {@code approximation} object. */
    private static void tail(StringBuilder sb, QueryResult r) {
        sb.append("},\"warnings\":[");
        PromJson.string(sb, warning(r));
        sb.append("],\"approximation\":{\"source\":\"sketch\",\"functions\":{");
        boolean first = true;
        for (Map.Entry<String, FunctionAccuracy> e : r.functions().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            FunctionAccuracy a = e.getValue();
            PromJson.string(sb, e.getKey()).append(":{\"exact\":").append(a.exact());
            sb.append(",\"relative_error_bound\":");
            number(sb, a.maxRelativeError());
            if (e.getKey().equals("quantile_over_time")) {
                sb.append(",\"rank_error\":");
                number(sb, a.maxRankError());
            }
            sb.append('}');
        }
        sb.append("},\"absolute_error_bound\":");
        number(sb, r.maxError());
        sb.append(",\"uncertain_series\":[");
        for (int i = 0; i < Math.min(MAX_NAMED_UNCERTAIN, r.uncertain().size()); i++) {
            if (i > 0) {
                sb.append(',');
            }
            PromJson.string(sb, r.uncertain().get(i));
        }
        sb.append("]}}");
    }

    private static void labels(StringBuilder sb, Labels l) {
        sb.append('{');
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            PromJson.string(sb, l.name(i)).append(':');
            PromJson.string(sb, l.value(i));
        }
        sb.append('}');
    }

    private static void number(StringBuilder sb, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            sb.append("null");
        } else {
            sb.append(v);
        }
    }

    static String warning(QueryResult r) {
        StringBuilder sb = new StringBuilder("answered by Weir from sketches: ");
        if (r.functions().isEmpty()) {
            sb.append("no series read");
        }
        boolean first = true;
        for (Map.Entry<String, FunctionAccuracy> e : r.functions().entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            FunctionAccuracy a = e.getValue();
            sb.append(e.getKey()).append(' ');
            if (a.exact()) {
                sb.append("exact (windows on bucket edges)");
            } else if (Double.isNaN(a.maxRelativeError())) {
                sb.append("approximate (window edges inside buckets; no finite bound for this function)");
            } else {
                sb.append(String.format(Locale.ROOT, "relative error <= %.3g", a.maxRelativeError()));
            }
            if (!a.exact() && !Double.isNaN(a.maxRankError())) {
                sb.append(String.format(Locale.ROOT, ", rank error <= %.3g", a.maxRankError()));
            }
        }
        if (r.exact()) {
            sb.append("; result exact");
        } else if (Double.isNaN(r.maxError())) {
            sb.append("; result values have no finite bound");
        } else {
            sb.append(String.format(Locale.ROOT, "; result values within +-%.3g", r.maxError()));
        }
        if (!r.uncertain().isEmpty()) {
            sb.append("; decided within the bound for ").append(r.uncertain().size()).append(" series: ");
            for (int i = 0; i < Math.min(MAX_NAMED_UNCERTAIN, r.uncertain().size()); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(r.uncertain().get(i));
            }
        }
        return sb.toString();
    }

    private static String[] stepPrefixes(long[] times) {
        String[] out = new String[times.length];
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < times.length; i++) {
            sb.setLength(0);
            PromJson.timestamp(sb.append('['), times[i]).append(',');
            out[i] = sb.toString();
        }
        return out;
    }

    /** A point as the API writes it, {@code [time,"value"]} (a matrix's points are these, after their step's prefix). */
    public static void point(StringBuilder sb, long t, double v) {
        sb.append('[');
        PromJson.timestamp(sb, t).append(',');
        PromJson.value(sb, v).append(']');
    }
}
