package io.weir.net.query;

import io.weir.engine.query.SketchAnswer;
import io.weir.engine.query.SketchSeries;
import io.weir.net.http.PromJson;

/**
 * Renders a sketch answer in the Prometheus API's JSON shape, plus the {@code warnings} line and the
 * {@code approximation} object that tell where the answer came from and how exact it is.
 */
public final class SketchAnswerJson {
    private SketchAnswerJson() {}

    public static String render(SketchAnswer a) {
        StringBuilder sb = new StringBuilder(256 + a.series().size() * 128);
        sb.append("{\"status\":\"success\",\"data\":{\"resultType\":\"").append(a.range() ? "matrix" : "vector").append("\",\"result\":[");
        boolean firstSeries = true;
        for (SketchSeries s : a.series()) {
            if (!firstSeries) {
                sb.append(',');
            }
            firstSeries = false;
            sb.append("{\"metric\":{");
            for (int i = 0; i < s.labels().size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                PromJson.string(sb, s.labels().name(i)).append(':');
                PromJson.string(sb, s.labels().value(i));
            }
            sb.append('}');
            if (a.range()) {
                sb.append(",\"values\":[");
                for (int i = 0; i < s.points(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    point(sb, s.timestamps()[i], s.values()[i]);
                }
                sb.append(']');
            } else {
                sb.append(",\"value\":");
                point(sb, s.timestamps()[0], s.values()[0]);
            }
            sb.append('}');
        }
        sb.append("]},\"warnings\":[");
        PromJson.string(sb, warning(a));
        sb.append("],\"approximation\":{\"source\":\"sketch\",\"functions\":{");
        PromJson.string(sb, a.function().promqlName()).append(":{\"exact\":").append(a.exact());
        sb.append(",\"relative_error_bound\":");
        number(sb, a.maxRelativeError());
        if (a.function().family() == io.weir.engine.sketch.SketchFunction.Family.QUANTILE) {
            sb.append(",\"rank_error\":");
            number(sb, a.maxRankError());
        }
        sb.append("}}}}");
        return sb.toString();
    }

    private static void number(StringBuilder sb, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            sb.append("null");
        } else {
            sb.append(v);
        }
    }

    static String warning(SketchAnswer a) {
        String bound = a.exact() ? "exact (windows on bucket edges)"
                : Double.isNaN(a.maxRelativeError()) ? "approximate (window edges inside buckets; no finite bound for this function)"
                : String.format(java.util.Locale.ROOT, "relative error <= %.3g", a.maxRelativeError());
        if (!Double.isNaN(a.maxRankError()) && !a.exact()) {
            bound += String.format(java.util.Locale.ROOT, ", rank error <= %.3g", a.maxRankError());
        }
        return "answered by Weir from sketches: " + a.function().promqlName() + " " + bound;
    }

    private static void point(StringBuilder sb, long t, double v) {
        sb.append('[');
        PromJson.timestamp(sb, t).append(',');
        PromJson.value(sb, v).append(']');
    }
}
