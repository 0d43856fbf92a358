package io.weir.engine.query.promql;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.weir.engine.query.promql.ValueType.MATRIX;
import static io.weir.engine.query.promql.ValueType.SCALAR;
import static io.weir.engine.query.promql.ValueType.STRING;
import static io.weir.engine.query.promql.ValueType.VECTOR;

/** The PromQL functions Weir accepts: Prometheus 3's table plus Weir's own sketch-backed range functions. */
public final class FunctionTable {
    private static final Map<String, FunctionDef> FUNCTIONS = new LinkedHashMap<>();

    static {
        for (String name : List.of("abs", "absent", "ceil", "exp", "floor", "ln", "log2", "log10", "sqrt", "sgn",
                "deg", "rad", "sort", "sort_desc", "timestamp",
                "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh",
                "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar")) {
            define(name, VECTOR, 0, VECTOR);
        }
        for (String name : List.of("absent_over_time", "avg_over_time", "changes", "count_over_time", "delta",
                "deriv", "idelta", "increase", "irate", "rate", "resets", "last_over_time", "mad_over_time",
                "max_over_time", "min_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time",
                "sum_over_time", "first_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
                "ts_of_last_over_time", "ts_of_first_over_time",
                // Weir's own, answered from frequency and aggregate sketches
                "sum2_over_time", "distinct_over_time", "l1_over_time", "l2_over_time", "entropy_over_time")) {
            define(name, VECTOR, 0, MATRIX);
        }
        for (String name : List.of("day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute",
                "month", "year")) {
            define(name, VECTOR, 1, VECTOR);
        }
        define("clamp", VECTOR, 0, VECTOR, SCALAR, SCALAR);
        define("clamp_max", VECTOR, 0, VECTOR, SCALAR);
        define("clamp_min", VECTOR, 0, VECTOR, SCALAR);
        define("round", VECTOR, 1, VECTOR, SCALAR);
        define("histogram_fraction", VECTOR, 0, SCALAR, SCALAR, VECTOR);
        define("histogram_quantile", VECTOR, 0, SCALAR, VECTOR);
        define("double_exponential_smoothing", VECTOR, 0, MATRIX, SCALAR, SCALAR);
        define("holt_winters", VECTOR, 0, MATRIX, SCALAR, SCALAR);
        define("predict_linear", VECTOR, 0, MATRIX, SCALAR);
        define("quantile_over_time", VECTOR, 0, SCALAR, MATRIX);
        define("label_join", VECTOR, -1, VECTOR, STRING, STRING, STRING);
        define("label_replace", VECTOR, 0, VECTOR, STRING, STRING, STRING, STRING);
        define("sort_by_label", VECTOR, -1, VECTOR, STRING);
        define("sort_by_label_desc", VECTOR, -1, VECTOR, STRING);
        define("info", VECTOR, 1, VECTOR, VECTOR);
        define("scalar", SCALAR, 0, VECTOR);
        define("vector", VECTOR, 0, SCALAR);
        define("time", SCALAR, 0);
        define("pi", SCALAR, 0);
    }

    private FunctionTable() {}

    private static void define(String name, ValueType returns, int variadic, ValueType... args) {
        FUNCTIONS.put(name, new FunctionDef(name, List.of(args), variadic, returns));
    }

    /** Function names are case-sensitive, as in Prometheus. @return the definition, or null when unknown */
    public static FunctionDef lookup(String name) { return FUNCTIONS.get(name); }

    public static Collection<FunctionDef> all() { return Collections.unmodifiableCollection(FUNCTIONS.values()); }
}
