package io.weir.net.query;

import io.weir.engine.query.eval.FunctionAccuracy;
import io.weir.engine.query.eval.Labels;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.StepSeries;
import io.weir.net.http.PromJson;

import java.util.Locale;
import java.util.Map;

/**
 * Writes a locally evaluated query in the Prometheus API's JSON shape, plus the {@code warnings} line and the
 * {@code approximation} object that say where the answer came from and how far its values can be off.
 */
public final class QueryResultJson {
    /** At most this many uncertain series are named; the count says how many there were. */
    static final int MAX_NAMED_UNCERTAIN = 10;

    private QueryResultJson() {}

    public static String render(QueryResult r) {
        long[] times = r.times();
        boolean matrix = r.resultType().equals("matrix");
        // a matrix point is ~30 characters: sized once instead of doubling through tens of megabytes
        long estimate = 256 + r.series().size() * (128L + (matrix ? 32L * times.length : 32));
        StringBuilder sb = new StringBuilder((int) Math.min(estimate, 256L << 20));
        sb.append("{\"status\":\"success\",\"data\":{\"resultType\":\"").append(r.resultType()).append("\",\"result\":");
        switch (r.resultType()) {
            case "scalar" -> point(sb, times[0], r.scalarValue());
            case "string" -> {
                sb.append('[');
                PromJson.timestamp(sb, times[0]).append(',');
                PromJson.string(sb, r.text()).append(']');
            }
            default -> {
                // every series of a matrix shares the steps: each step's "[t," written once
                String[] stepPrefix = matrix ? stepPrefixes(times) : null;
                sb.append('[');
                boolean firstSeries = true;
                for (StepSeries s : r.series()) {
                    if (!firstSeries) {
                        sb.append(',');
                    }
                    firstSeries = false;
                    sb.append("{\"metric\":");
                    labels(sb, s.labels());
                    if (matrix) {
                        sb.append(",\"values\":[");
                        boolean first = true;
                        for (int i = 0; i < times.length; i++) {
                            if (s.present(i)) {
                                if (!first) {
                                    sb.append(',');
                                }
                                first = false;
                                PromJson.value(sb.append(stepPrefix[i]), s.value(i)).append(']');
                            }
                        }
                        sb.append(']');
                    } else {
                        sb.append(",\"value\":");
                        point(sb, times[0], s.value(0));
                    }
                    sb.append('}');
                }
                sb.append(']');
            }
        }
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
        return sb.toString();
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

    private static void point(StringBuilder sb, long t, double v) {
        sb.append('[');
        PromJson.timestamp(sb, t).append(',');
        PromJson.value(sb, v).append(']');
    }
}
