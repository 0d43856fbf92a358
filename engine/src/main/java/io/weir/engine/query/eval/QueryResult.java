package io.weir.engine.query.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A locally evaluated query, ready to be written in the Prometheus API's shape.
 *
 * @param resultType     {@code vector}, {@code matrix}, {@code scalar} or {@code string}
 * @param series         vector/matrix series in output order (a range query's scalar is one series with no labels)
 * @param scalarValue    the value of an instant scalar query
 * @param text           the value of a string query
 * @param functions      the sketch functions read, with their accuracy, by name
 * @param maxError       the largest absolute error bound of any returned value (0 exact, NaN unbounded)
 * @param uncertain      series whose presence or rank was decided within the error bound
 */
public record QueryResult(String resultType, long[] times, List<StepSeries> series, double scalarValue, String text,
                          Map<String, FunctionAccuracy> functions, double maxError, List<String> uncertain) {

    static QueryResult of(boolean range, long[] times, Value v, Map<String, FunctionAccuracy> functions, List<String> uncertain) {
        return switch (v) {
            case Value.Text t -> new QueryResult("string", times, List.of(), Double.NaN, t.value(), functions, 0, uncertain);
            case Value.Scalar s -> {
                double err = 0;
                for (double e : s.errors()) {
                    err = Aggregation.maxError(err, e);
                }
                if (!range) {
                    yield new QueryResult("scalar", times, List.of(), s.values()[0], null, functions, err, uncertain);
                }
                StepSeries one = new StepSeries(Labels.EMPTY, times.length);
                for (int i = 0; i < times.length; i++) {
                    one.set(i, s.values()[i], s.errors()[i]);
                }
                yield new QueryResult("matrix", times, List.of(one), Double.NaN, null, functions, err, uncertain);
            }
            case Value.Vector vec -> {
                List<StepSeries> out = new ArrayList<>();
                double err = 0;
                for (StepSeries s : vec.series()) {
                    if (s.empty()) {
                        continue;
                    }
                    out.add(s);
                    err = maxError(err, s);
                }
                if (range) {
                    out.sort(Comparator.comparing(StepSeries::labels));
                }
                yield new QueryResult(range ? "matrix" : "vector", times, out, Double.NaN, null, functions, err, uncertain);
            }
        };
    }

    /** {@code err} widened by the bound of every point the series has (NaN, unbounded, wins). */
    static double maxError(double err, StepSeries s) {
        for (int i = 0; i < s.steps(); i++) {
            if (s.present[i]) {
                err = Aggregation.maxError(err, s.errors[i]);
            }
        }
        return err;
    }

    public boolean exact() {
        return maxError == 0 && functions.values().stream().allMatch(FunctionAccuracy::exact);
    }
}
