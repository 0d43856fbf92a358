package io.weir.engine.query.eval;

import io.weir.engine.ingest.LateWrites;
import io.weir.engine.query.promql.AggregateExpr;
import io.weir.engine.query.promql.BinaryExpr;
import io.weir.engine.query.promql.Call;
import io.weir.engine.query.promql.Expr;
import io.weir.engine.query.promql.ExprWalk;
import io.weir.engine.query.promql.MatrixSelector;
import io.weir.engine.query.promql.ParenExpr;
import io.weir.engine.query.promql.UnaryExpr;
import io.weir.engine.query.promql.VectorSelector;
import org.roaringbitmap.IntIterator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Range query results over sealed time, kept for the next request of the same panel, as VictoriaMetrics' rollup
 * result cache does: a dashboard refreshed every few seconds asks for the same expression and step again, its
 * window moved by a few steps, and every step before the sealed horizon ({@link LateWrites}) has the same answer as
 * last time. A request takes the steps a cached result holds from its start on, evaluates only the steps after
 * them, and stores the sealed part of the joined result for the next one.
 *
 * <p>Reused only while nothing changed under it: a shard writer that applies a sample at a sealed timestamp (a
 * backfill) marks its series in {@link LateWrites}, and a cached result made before is dropped when a series its
 * expression selects carries a newer mark. So a sender catching up on its own series leaves the other panels'
 * results in place. Not cached:
 * expressions with {@code @} (their windows depend on the query's start and end) or a negative {@code offset}
 * (their windows reach past the step's time), results whose presence or rank was decided within an error bound,
 * and results larger than a quarter of the cache. The error bounds of a reused result are those of the steps it was
 * made for (never below the truth for the steps asked). Thread-safe; the stored results are immutable.
 */
public final class RangeResultCache {
    /** An estimate of a cached series' fixed cost beside its columns: the arrays' headers, the record, the list entry. */
    private static final long SERIES_OVERHEAD_BYTES = 256;

    private final long capacityBytes;
    private final LateWrites lateWrites;
    private final LongSupplier clockMs;
    private final PointText pointText;
    /** Access-ordered: the least recently used result is the first evicted. Guarded by {@code this}. */
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    /**
     * @param capacityBytes the most the cached results may take ({@code query.cache_size}); 0 caches nothing
     * @param clockMs       the clock the shard writers judge sealed time by
     * @param pointText     how responses write a point: kept points are kept written out too
     */
    public RangeResultCache(long capacityBytes, LateWrites lateWrites, LongSupplier clockMs, PointText pointText) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes < 0: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.lateWrites = lateWrites;
        this.clockMs = clockMs;
        this.pointText = pointText;
    }

    private record Key(Expr expr, long step, long phase) {}

    /** One cached result: the steps {@code first, first + step, ..., last} of every series it returned. */
    private record Entry(long first, long last, long generation, List<Column> series,
                         Map<String, FunctionAccuracy> functions, long bytes) {}

    /**
     * One series' kept steps, compact: a bit per step for presence, and no error column when every error is 0 (an
     * exact answer), so a point takes about 8 bytes; and the points written out as responses write them, each
     * after a comma ({@code text}, step {@code i}'s ending at {@code textEnds[textFrom + i]}, an absent step's
     * empty; a column whose steps all come from the one it replaces shares that one's text), about
     * {@link #TEXT_BYTES_PER_POINT} bytes more, which spares a panel asked again the formatting of every point it already sent: the steps it
     * reuses are one range of that text. Without text ({@code null}) when the result is too large to be kept with it
     * (a day-long panel of a thousand series).
     */
    private record Column(Labels labels, double[] values, double[] errors, long[] present, byte[] text, int[] textEnds,
                          int textFrom) {
        boolean has(int step) {
            return (present[step >>> 6] & (1L << step)) != 0;
        }

        double error(int step) {
            return errors == null ? 0 : errors[step];
        }

        /** Copies steps {@code [from, from + count)} into {@code s}'s steps {@code [0, count)}. @return the points copied */
        int copyInto(StepSeries s, int from, int count) {
            System.arraycopy(values, from, s.values, 0, count);
            if (errors != null) {
                System.arraycopy(errors, from, s.errors, 0, count);
            }
            int points = 0;
            for (int i = 0; i < count; i++) {
                boolean p = has(from + i);
                s.present[i] = p;
                points += p ? 1 : 0;
            }
            return points;
        }

        long bytes() {
            return SERIES_OVERHEAD_BYTES + 8L * values.length + (errors == null ? 0 : 8L * errors.length) + 8L * present.length
                + (text == null ? 0 : text.length + 4L * textEnds.length);
        }
    }

    /**
     * Evaluates a range query ({@code step > 0}), reusing and refreshing a cached result where it can; otherwise as
     * {@link ExprEvaluator#evaluate}.
     */
    public QueryResult evaluate(Expr expr, LeafSource source, long start, long end, long step, EvalLimits limits,
                                String[] fallbackReason) {
        if (capacityBytes == 0 || step <= 0 || !cacheable(expr)) {
            return ExprEvaluator.evaluate(expr, source, start, end, step, limits, fallbackReason);
        }
        long generation = lateWrites.generation(); // before anything is read: a later backfill invalidates the result
        long sealed = lateWrites.sealedHorizon(clockMs.getAsLong());
        List<VectorSelector> selectors = selectors(expr);
        Key key = new Key(expr, step, Math.floorMod(start, step));
        Entry cached = lookup(key, start, selectors, source);
        long steps = (end - start) / step + 1;
        long reusedSteps = cached == null ? 0 : Math.min(steps, (cached.last() - start) / step + 1);
        QueryResult fresh = null;
        if (reusedSteps < steps) {
            long freshStart = start + reusedSteps * step;
            fresh = ExprEvaluator.evaluate(expr, source, freshStart, end, step, limits, fallbackReason);
            if (fresh == null) {
                return null;
            }
        }
        QueryResult joined = join(start, steps, step, cached, fresh, limits);
        if (joined.uncertain().isEmpty()) {
            store(key, joined, start, step, Math.min(end, sealed), generation, selectors, source);
        }
        return joined;
    }

    /** Requests that reused a cached result, and those that found none. */
    public synchronized long hits() { return hits; }

    public synchronized long misses() { return misses; }

    /** Bytes the cached results take (an estimate: their columns plus a fixed cost per series). */
    public synchronized long bytes() { return bytes; }

    /**
     * The kept result that holds {@code start} and that no late write since it was made touches (checked outside the
     * lock); counted as a hit or a miss. A kept result keeps the generation it was made under: a late batch whose
     * marks were not visible yet when it was checked is found at a later lookup.
     */
    private Entry lookup(Key key, long start, List<VectorSelector> selectors, LeafSource source) {
        Entry e;
        synchronized (this) {
            e = entries.get(key);
        }
        if (e != null && e.generation() < lateWrites.generation() && lateSince(e.generation(), selectors, source)) {
            synchronized (this) {
                if (entries.get(key) == e) {
                    remove(key);
                }
            }
            e = null;
        }
        synchronized (this) {
            if (e == null || start < e.first() || start > e.last()) {
                misses++;
                return null;
            }
            hits++;
            return e;
        }
    }

    /**
     * Whether a series the selectors select now (so also one a late sample created) had a late batch after
     * {@code generation}.
     */
    private boolean lateSince(long generation, List<VectorSelector> selectors, LeafSource source) {
        for (VectorSelector v : selectors) {
            for (IntIterator it = source.select(v).getIntIterator(); it.hasNext(); ) {
                if (lateWrites.lateMark(it.next()) > generation) {
                    return true;
                }
            }
        }
        return false;
    }

    private void remove(Key key) {
        Entry e = entries.remove(key);
        if (e != null) {
            bytes -= e.bytes();
        }
    }

    /**
     * The requested steps: the cached ones from {@code start} on, then the fresh ones; series in label order. The kept
     * columns are in label order (they were kept from a result in that order) and so, once sorted, are the fresh
     * series: the two are merged, each series' kept steps copied as whole ranges.
     */
    private static QueryResult join(long start, long steps, long step, Entry cached, QueryResult fresh, EvalLimits limits) {
        if (cached == null) {
            return fresh;
        }
        int n = (int) steps;
        int from = (int) ((start - cached.first()) / step);
        int reused = (int) Math.min(steps, (cached.last() - start) / step + 1);
        // every step may come from the cache (a panel that ends before the sealed horizon): no fresh part then
        List<StepSeries> freshSeries = fresh == null ? new ArrayList<>() : new ArrayList<>(fresh.series());
        freshSeries.sort(Comparator.comparing(StepSeries::labels));
        List<Column> columns = cached.series();
        List<StepSeries> series = new ArrayList<>(columns.size() + freshSeries.size());
        long points = 0;
        double maxError = 0;
        int a = 0;
        int b = 0;
        while (a < columns.size() || b < freshSeries.size()) {
            Column c = a < columns.size() ? columns.get(a) : null;
            StepSeries f = b < freshSeries.size() ? freshSeries.get(b) : null;
            int order = c == null ? 1 : f == null ? -1 : c.labels().compareTo(f.labels());
            StepSeries s = new StepSeries(order <= 0 ? c.labels() : f.labels(), n);
            int taken = 0;
            if (order <= 0) {
                taken = c.copyInto(s, from, reused);
                if (taken > 0 && c.text() != null) {
                    s.text(c.text(), c.textEnds(), c.textFrom() + from, reused);
                }
                a++;
            }
            if (order >= 0) {
                for (int i = 0; i < f.steps(); i++) {
                    if (f.present[i]) {
                        s.set(reused + i, f.values[i], f.errors[i]);
                        taken++;
                    }
                }
                b++;
            }
            if (taken > 0) {
                series.add(s);
                points += taken;
                maxError = QueryResult.maxError(maxError, s);
            }
        }
        if (points > limits.maxPoints()) {
            throw new QueryLimitException("query processing would load too many samples into memory in query execution");
        }
        Map<String, FunctionAccuracy> functions = new LinkedHashMap<>();
        FunctionAccuracy.mergeAll(functions, cached.functions());
        if (fresh != null) {
            FunctionAccuracy.mergeAll(functions, fresh.functions());
        }
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            times[i] = start + i * step;
        }
        return new QueryResult("matrix", times, series, Double.NaN, null, functions,
                maxError, fresh == null ? List.of() : fresh.uncertain());
    }

    /** What a kept point's text takes, about: {@code ,[1700000000,"12.345678901234567"]}. */
    private static final long TEXT_BYTES_PER_POINT = 36;

    /**
     * Keeps the result's steps up to {@code lastSealed} (its columns shared with the response, which only reads them;
     * a kept column may hold steps past them). Where the entry fits
     * with its text, the points are kept written out too (those the result took from the cache copied as one range,
     * the others written once here) and the result's series get the same text for the response to copy; a result too
     * large for that (a day-long panel of a thousand series) is kept as values only.
     */
    private void store(Key key, QueryResult r, long start, long step, long lastSealed, long generation,
                       List<VectorSelector> selectors, LeafSource source) {
        if (lastSealed < start) {
            return;
        }
        int keep = (int) Math.min(r.times().length, (lastSealed - start) / step + 1);
        List<Column> series = new ArrayList<>(r.series().size());
        List<StepSeries> kept = new ArrayList<>(r.series().size());
        long size = 0;
        long points = 0;
        // kept in label order, which join() merges by (a result's series are, but nothing here relies on it)
        List<StepSeries> ordered = new ArrayList<>(r.series());
        ordered.sort(Comparator.comparing(StepSeries::labels));
        for (StepSeries s : ordered) {
            long[] present = new long[(keep + 63) >>> 6];
            boolean inexact = false;
            int n = 0;
            for (int i = 0; i < keep; i++) {
                if (s.present[i]) {
                    present[i >>> 6] |= 1L << i;
                    n++;
                    inexact |= s.errors[i] != 0;
                }
            }
            if (n > 0) {
                // the result's own columns, not copies: nothing writes a result's steps once it is made (the response
                // only reads them), and a day-long panel's copies were ~9 MB an answer; steps past keep go unused
                Column c = new Column(s.labels(), s.values, inexact ? s.errors : null, present, null, null, 0);
                series.add(c);
                kept.add(s);
                size += c.bytes();
                points += n;
            }
        }
        if (size > capacityBytes / 4) {
            return;
        }
        if (size + TEXT_BYTES_PER_POINT * points <= capacityBytes / 4) {
            StringBuilder text = new StringBuilder();
            long[] times = r.times();
            size = 0;
            for (int k = 0; k < series.size(); k++) {
                Column c = series.get(k);
                StepSeries s = kept.get(k);
                if (s.textSteps() >= keep) {
                    // every kept step was taken from the cache (the panel asked again within its step): the same text
                    c = new Column(c.labels(), c.values(), c.errors(), c.present(), s.text(), s.textEnds(), s.textFrom());
                    series.set(k, c);
                    size += c.bytes();
                    continue;
                }
                int[] textEnds = new int[keep];
                text.setLength(0);
                // the steps the result took from the cache: their text is one range of the old column's, copied once
                // as bytes; only the steps after it are formatted
                int copied = Math.min(keep, s.textSteps());
                int oldFrom = copied > 0 ? s.textStart(0) : 0;
                int oldLength = copied > 0 ? s.textEnd(copied - 1) - oldFrom : 0;
                for (int i = 0; i < copied; i++) {
                    textEnds[i] = s.textEnd(i) - oldFrom;
                }
                for (int i = copied; i < keep; i++) {
                    if (s.present[i]) {
                        pointText.append(text.append(','), times[i], s.values[i]);
                    }
                    textEnds[i] = oldLength + text.length();
                }
                byte[] written = new byte[oldLength + text.length()];
                if (oldLength > 0) {
                    System.arraycopy(s.text(), oldFrom, written, 0, oldLength);
                }
                for (int j = 0, n = text.length(); j < n; j++) {
                    written[oldLength + j] = (byte) text.charAt(j); // point text is ASCII
                }
                s.text(written, textEnds, 0, keep);
                c = new Column(c.labels(), c.values(), c.errors(), c.present(), written, textEnds, 0);
                series.set(k, c);
                size += c.bytes();
            }
        }
        Map<String, FunctionAccuracy> functions = new LinkedHashMap<>();
        FunctionAccuracy.mergeAll(functions, r.functions());
        Entry e = new Entry(start, start + (keep - 1) * step, generation, List.copyOf(series), functions, size);
        if (lateWrites.generation() != generation && lateSince(generation, selectors, source)) {
            return; // a backfill of these series came while this was computed
        }
        synchronized (this) {
            remove(key);
            entries.put(key, e);
            bytes += size;
            for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); bytes > capacityBytes && it.hasNext(); ) {
                bytes -= it.next().getValue().bytes();
                it.remove();
            }
        }
    }

    /** The expression's selectors: the series a late write may change its results through. */
    private static List<VectorSelector> selectors(Expr expr) {
        List<VectorSelector> selectors = new ArrayList<>();
        ExprWalk.preOrder(expr, node -> {
            if (node instanceof VectorSelector v) {
                selectors.add(v);
            }
        });
        return selectors;
    }

    /** Whether every step's answer depends only on the data up to that step's time, whatever the query's range. */
    static boolean cacheable(Expr e) {
        return switch (e) {
            case ParenExpr p -> cacheable(p.expr());
            case UnaryExpr u -> cacheable(u.expr());
            case BinaryExpr b -> cacheable(b.lhs()) && cacheable(b.rhs());
            case AggregateExpr a -> (a.param() == null || cacheable(a.param())) && cacheable(a.expr());
            case Call c -> c.args().stream().allMatch(RangeResultCache::cacheable);
            case MatrixSelector m -> cacheable(m.selector());
            case VectorSelector v -> v.at() == null && v.offsetMillis() >= 0;
            default -> true; // literals
        };
    }
}
