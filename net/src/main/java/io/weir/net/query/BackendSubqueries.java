package io.weir.net.query;

import io.weir.engine.query.eval.BackendValues;
import io.weir.engine.query.eval.QueryTimeoutException;
import io.weir.engine.query.eval.Value;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLPrinter;
import io.weir.engine.query.promql.ValueType;
import io.weir.net.backend.BackendClient;
import io.weir.net.http.PromJson;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches a {@link io.weir.engine.query.eval.MixedPlan}'s sub-expressions from the backend, all at once, each as its
 * own instant query ({@code /api/v1/query}) at the request's time, and reads the answers into values at that time.
 */
final class BackendSubqueries {
    private BackendSubqueries() {}

    /** A sub-expression's answer cannot be used (an error, another time, histograms): the whole query goes on. */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    /**
     * @param timeMillis the instant query's time
     * @return each sub-expression's value, by node identity
     * @throws QueryTimeoutException when the answers do not come before the deadline
     */
    static Map<Expr, Value> fetch(BackendClient backend, List<Expr> subqueries, long timeMillis, long deadlineNanos)
            throws Unusable {
        long[] times = {timeMillis};
        List<CompletableFuture<BackendClient.Answer>> pending = new ArrayList<>(subqueries.size());
        for (Expr e : subqueries) {
            StringBuilder form = new StringBuilder("query=").append(URLEncoder.encode(PromQLPrinter.print(e), StandardCharsets.UTF_8));
            PromJson.timestamp(form.append("&time="), timeMillis);
            pending.add(backend.forward("POST", "/api/v1/query", form.toString().getBytes(StandardCharsets.UTF_8),
                    "application/x-www-form-urlencoded"));
        }
        Map<Expr, Value> out = new IdentityHashMap<>();
        try {
            for (int i = 0; i < subqueries.size(); i++) {
                Expr e = subqueries.get(i);
                BackendClient.Answer a;
                try {
                    a = pending.get(i).get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException t) {
                    throw new QueryTimeoutException("query timed out waiting for the backend's part of a mixed plan");
                } catch (ExecutionException x) {
                    throw new Unusable("backend unreachable for " + PromQLPrinter.print(e) + ": " + QueryEndpoint.rootMessage(x));
                }
                if (a.status() != 200) {
                    throw new Unusable("backend answered " + a.status() + " for " + PromQLPrinter.print(e));
                }
                PromQueryAnswer answer = PromQueryAnswer.parse(a.body());
                try {
                    out.put(e, e.type() == ValueType.SCALAR
                            ? BackendValues.scalar(times, answer.series())
                            : BackendValues.vector(times, answer.series()));
                } catch (IllegalArgumentException bad) {
                    throw new Unusable(bad.getMessage());
                }
            }
        } catch (PromQueryAnswer.Malformed m) {
            throw new Unusable(m.getMessage());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("query interrupted waiting for the backend");
        } finally {
            pending.forEach(f -> f.cancel(true));
        }
        return out;
    }
}
