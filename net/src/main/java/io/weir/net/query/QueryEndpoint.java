package io.weir.net.query;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.engine.metrics.LatencyHistogram;
import io.weir.engine.query.QueryExecutionException;
import io.weir.engine.query.eval.EvalLimits;
import io.weir.engine.query.eval.ExprEvaluator;
import io.weir.engine.query.eval.InvalidQueryException;
import io.weir.engine.query.eval.LeafSource;
import io.weir.engine.query.eval.LocalPlanner;
import io.weir.engine.query.eval.MixedPlan;
import io.weir.engine.query.eval.QueryResult;
import io.weir.engine.query.eval.RangeResultCache;
import io.weir.engine.query.eval.QueryTimeoutException;
import io.weir.engine.query.eval.Value;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.PromQLParseException;
import io.weir.engine.query.promql.PromQLParser;
import io.weir.net.backend.BackendClient;
import io.weir.net.http.HttpEndpoint;
import io.weir.net.http.GzipParts;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.PromJson;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code /api/v1/query} and {@code /api/v1/query_range}: parse, plan, and evaluate locally when every leaf of the
 * expression is sketch-served and the sketches cover its windows, otherwise hand the request to the backend
 * unchanged (same method, parameters and body). Work runs on the bounded query executor, never on the event loop,
 * under the query's deadline and the series and points limits.
 */
public final class QueryEndpoint implements HttpEndpoint {
    private static final System.Logger LOG = System.getLogger(QueryEndpoint.class.getName());
    public static final String SOURCE_HEADER = "X-Weir-Source";
    public static final String FALLBACK_HEADER = "X-Weir-Fallback";

    private final boolean range;
    private final LeafSource engine;
    private final RangeResultCache rangeCache;
    private final BackendClient backend;
    private final ExecutorService executor;
    private final long defaultTimeoutMillis;
    private final long maxSeries;
    private final long maxPoints;
    private final LatencyHistogram latency;
    private final QueryCounters counters;
    private final int compressionLevel;

    /**
     * @param maxSeries series one query may read from sketches (422 past it)
     * @param maxPoints series x steps one query may read from sketches (422 past it)
     */
    public QueryEndpoint(boolean range, LeafSource engine, RangeResultCache rangeCache, BackendClient backend, ExecutorService executor,
                         long defaultTimeoutMillis, long maxSeries, long maxPoints, LatencyHistogram latency,
                         QueryCounters counters) {
        this(range, engine, rangeCache, backend, executor, defaultTimeoutMillis, maxSeries, maxPoints, latency, counters, 0);
    }

    /**
     * @param compressionLevel gzip level of a large answer to a client that accepts gzip, compressed by the query
     *                         thread and the read pool ({@link GzipParts}); 0: never here (the channel's compressor
     *                         may still compress it, on the event loop)
     */
    public QueryEndpoint(boolean range, LeafSource engine, RangeResultCache rangeCache, BackendClient backend, ExecutorService executor,
                         long defaultTimeoutMillis, long maxSeries, long maxPoints, LatencyHistogram latency,
                         QueryCounters counters, int compressionLevel) {
        this.compressionLevel = compressionLevel;
        this.range = range;
        this.engine = engine;
        this.rangeCache = rangeCache;
        this.backend = backend;
        this.executor = executor;
        this.defaultTimeoutMillis = defaultTimeoutMillis;
        this.maxSeries = maxSeries;
        this.maxPoints = maxPoints;
        this.latency = latency;
        this.counters = counters;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        // Copy what the worker needs: the request is released when this method returns.
        HttpParams params = HttpParams.of(request);
        String method = request.method().name();
        String uri = request.uri();
        byte[] body = ByteBufUtil.getBytes(request.content());
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        boolean gzip = GzipParts.taken(compressionLevel, request);
        long startNanos = System.nanoTime();
        try {
            executor.execute(() -> answer(ctx, keepAlive, params, method, uri, body, contentType, gzip, startNanos));
        } catch (RejectedExecutionException e) {
            counters.errors().increment();
            send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, PromJson.error("unavailable", "too many queries in flight; retry later"), null);
        }
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, HttpParams params, String method, String uri,
                        byte[] body, String contentType, boolean gzip, long startNanos) {
        try {
            QueryRequest q;
            Expr expr;
            try {
                q = range ? QueryRequest.range(params, defaultTimeoutMillis)
                        : QueryRequest.instant(params, System.currentTimeMillis(), defaultTimeoutMillis);
                expr = PromQLParser.parse(q.query());
            } catch (PromTime.BadParameterException e) {
                counters.errors().increment();
                send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", e.getMessage()), null);
                return;
            } catch (PromQLParseException e) {
                counters.errors().increment();
                send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST,
                        PromJson.error("bad_data", "invalid parameter \"query\": " + e.getMessage()), null);
                return;
            }
            if (System.nanoTime() - startNanos > q.timeoutMillis() * 1_000_000L) {
                throw new QueryTimeoutException("query timed out in query queue");
            }
            String reason = LocalPlanner.reasonNotLocal(expr);
            if (reason == null) {
                String[] why = new String[1];
                long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000L;
                EvalLimits limits = EvalLimits.of(maxSeries, maxPoints, Math.max(0, q.timeoutMillis() - elapsedMillis));
                QueryResult r;
                try {
                    r = rangeCache.evaluate(expr, engine, q.startMillis(), q.endMillis(), q.stepMillis(), limits, why);
                } catch (InvalidQueryException e) {
                    counters.errors().increment();
                    send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", e.getMessage()), null);
                    return;
                }
                if (r != null) {
                    counters.sketch().increment();
                    sendResult(ctx, keepAlive, r, "sketch", gzip);
                    return;
                }
                reason = why[0];
            } else if (backend != null && !q.range()) {
                // instant queries only: measured, a range query's mixed plan was slower than the backend answering
                // it whole (its rollup cache makes a dashboard's repeated panel cheap; the backend part is asked
                // again every time), an instant query's faster where its sketch windows are long
                List<Expr> subqueries = MixedPlan.externals(expr);
                if (subqueries != null) {
                    String unusable = mixed(ctx, keepAlive, q, expr, subqueries, gzip, startNanos);
                    if (unusable == null) {
                        return;
                    }
                    reason = reason + "; " + unusable;
                }
            }
            forward(ctx, keepAlive, method, uri, body, contentType, gzip, reason);
        } catch (QueryTimeoutException e) {
            counters.errors().increment();
            send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, PromJson.error("timeout", e.getMessage()), null);
        } catch (QueryExecutionException e) {
            counters.errors().increment();
            send(ctx, keepAlive, HttpResponseStatus.UNPROCESSABLE_ENTITY, PromJson.error("execution", e.getMessage()), null);
        } catch (StackOverflowError e) {
            // The parser bounds nesting, so this is a recursion it did not foresee: answer, keep the thread.
            counters.errors().increment();
            LOG.log(System.Logger.Level.ERROR, "query overflowed the stack", e);
            send(ctx, keepAlive, HttpResponseStatus.UNPROCESSABLE_ENTITY,
                    PromJson.error("execution", "query too deeply nested to evaluate"), null);
        } catch (RuntimeException | Error e) {
            // Anything else is a bug; the client still gets an answer and the query thread lives on.
            counters.errors().increment();
            LOG.log(System.Logger.Level.ERROR, "query failed", e);
            send(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, PromJson.error("internal", e.toString()), null);
            if (e instanceof VirtualMachineError vme) {
                throw vme; // out of memory or an internal JVM error: the executor's handler decides
            }
        } finally {
            latency.recordNanos(System.nanoTime() - startNanos);
        }
    }

    /**
     * Answers an instant query with a {@link MixedPlan}: its sub-expressions from the backend, the rest from sketches.
     *
     * @return null when answered, otherwise why the plan could not be used (the caller forwards the whole query)
     */
    private String mixed(ChannelHandlerContext ctx, boolean keepAlive, QueryRequest q, Expr expr, List<Expr> subqueries,
                         boolean gzip, long startNanos) {
        long deadlineNanos = startNanos + q.timeoutMillis() * 1_000_000L;
        Map<Expr, Value> fetched;
        try {
            fetched = BackendSubqueries.fetch(backend, subqueries, q.startMillis(), deadlineNanos);
        } catch (BackendSubqueries.Unusable e) {
            return "mixed plan not used: " + e.getMessage();
        }
        String[] why = new String[1];
        EvalLimits limits = EvalLimits.of(maxSeries, maxPoints, Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L));
        QueryResult r;
        try {
            r = ExprEvaluator.evaluate(expr, engine, q.startMillis(), q.endMillis(), q.stepMillis(), limits, why, fetched);
        } catch (InvalidQueryException e) {
            counters.errors().increment();
            send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, PromJson.error("bad_data", e.getMessage()), null);
            return null;
        }
        if (r == null) {
            return why[0];
        }
        counters.mixed().increment();
        sendResult(ctx, keepAlive, r, "mixed", gzip);
        return null;
    }

    /** A result evaluated here, as Prometheus writes it, with where it came from ({@link #SOURCE_HEADER}). */
    private void sendResult(ChannelHandlerContext ctx, boolean keepAlive, QueryResult r, String source, boolean gzip) {
        // the engine's read pool helps write large results, as it helps read their leaves, and compress them
        ByteBuffer[] parts = QueryResultJson.renderParts(r, engine.readExecutor(), engine.readParallelism());
        if (gzip && GzipParts.worthIt(parts)) {
            HttpResponses.sendParts(ctx, HttpResponseStatus.OK, HttpResponses.JSON,
                    GzipParts.compress(parts, compressionLevel, engine.readExecutor(), engine.readParallelism()), keepAlive,
                    SOURCE_HEADER, source, HttpHeaderNames.CONTENT_ENCODING.toString(), "gzip");
            return;
        }
        HttpResponses.sendParts(ctx, HttpResponseStatus.OK, HttpResponses.JSON, parts, keepAlive, SOURCE_HEADER, source);
    }

    private void forward(ChannelHandlerContext ctx, boolean keepAlive, String method, String uri, byte[] body,
                         String contentType, boolean gzip, String reason) {
        if (backend == null) {
            counters.errors().increment();
            send(ctx, keepAlive, HttpResponseStatus.UNPROCESSABLE_ENTITY, PromJson.error("execution",
                    "this query needs raw data from a backend and none is configured (backend.url): " + reason), reason);
            return;
        }
        String fallback = headerSafe(reason);
        backend.relay(method, uri, body, contentType, gzip, new RelayedAnswer(ctx, keepAlive, backend.base().toString(),
                answered -> (answered ? counters.backend() : counters.errors()).increment(), FALLBACK_HEADER, fallback));
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String json, String reason) {
        FullHttpResponse r = HttpResponses.json(status, json);
        if (reason != null) {
            r.headers().set(FALLBACK_HEADER, headerSafe(reason));
        }
        HttpResponses.send(ctx, r, keepAlive);
    }

    private static String headerSafe(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
