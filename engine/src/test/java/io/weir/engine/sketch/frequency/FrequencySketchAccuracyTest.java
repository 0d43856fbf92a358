package io.weir.engine.sketch.frequency;

import io.weir.engine.sketch.StaleMarker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Accuracy against brute force with the accuracy method of the seed systems: relative error averaged
 * over query times and sub-windows (whole, tenths, hundredths, suffixes), aligned and unaligned window
 * ends, with timestamp jitter, 2% out-of-order delivery, NaN and too-old samples, and expiry (the
 * stream is 1.5 windows long).
 */
class FrequencySketchAccuracyTest {
    private static final long STEP_MS = 1_000;
    private static final String[] FUNCTIONS = {"distinct", "l1", "l2", "entropy"};

    /** Error statistics of one (generator, window, sub-window kind) row. */
    static final class Row {
        final double[] sum = new double[4];
        final double[] max = new double[4];
        final long[] violations = new long[4];
        long queries;
        long exact;

        void add(int f, double err, boolean violated) {
            sum[f] += err;
            max[f] = Math.max(max[f], err);
            if (violated) {
                violations[f]++;
            }
        }

        double mean(int f) { return queries == 0 ? 0 : sum[f] / queries; }
    }

    private final Map<String, Row> rows = new TreeMap<>();

    @Test
    void windowsOf1e4And1e5MatchBruteForceWithinBounds() {
        for (int n : new int[] {10_000, 100_000}) {
            for (FrequencyGenerators g : FrequencyGenerators.values()) {
                run(g, n, FrequencySketchSpec.forWindow(n * STEP_MS), n == 10_000 ? 6 : 3, true, 11L * n + g.ordinal());
            }
            // counters and gauges as scraped: in time order (no out-of-order samples)
            run(FrequencyGenerators.COUNTER, n, FrequencySketchSpec.forWindow(n * STEP_MS), 3, false, 5L * n);
            run(FrequencyGenerators.GAUGE, n, FrequencySketchSpec.forWindow(n * STEP_MS), 3, false, 6L * n);
        }
        print("1e4 and 1e5 sample windows, default spec");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            for (int f = 0; f < 4; f++) {
                // the bound is 3 sigma plus worst-case edges: allow a few excursions, not a pattern
                assertTrue(r.violations[f] <= Math.max(2, r.queries / 20),
                    e.getKey() + " " + FUNCTIONS[f] + " outside its bound in " + r.violations[f] + " of " + r.queries);
            }
            if (e.getKey().contains("whole")) {
                for (int f = 0; f < 4; f++) {
                    assertTrue(r.mean(f) <= 0.02, e.getKey() + " " + FUNCTIONS[f] + " mean error " + r.mean(f));
                }
            }
        }
    }

    @Test
    void windowOf1e6MatchesBruteForce() {
        for (FrequencyGenerators g : FrequencyGenerators.values()) {
            run(g, 1_000_000, FrequencySketchSpec.forWindow(1_000_000 * STEP_MS), 1, true, 99 + g.ordinal());
        }
        print("1e6 sample window, default spec");
        // the 2% goal is not reached at 1e6 for every generator (docs/sketches.md): check the bounds only
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            for (int f = 0; f < 4; f++) {
                assertTrue(r.violations[f] <= Math.max(2, r.queries / 20),
                    e.getKey() + " " + FUNCTIONS[f] + " outside its bound in " + r.violations[f] + " of " + r.queries);
            }
        }
    }

    @Test
    void inOrderCounterAndGaugeAreExactOnBucketEdges() {
        SplittableRandom rnd = new SplittableRandom(5);
        FrequencySketchSpec spec = FrequencySketchSpec.forWindow(100_000 * STEP_MS);
        long w = spec.bucketWidthMillis();
        ExactFrequency truth = new ExactFrequency();
        FrequencyResult out = new FrequencyResult();
        for (FrequencyGenerators g : new FrequencyGenerators[] {FrequencyGenerators.COUNTER, FrequencyGenerators.GAUGE}) {
            FrequencySketchFlyweight sketch = FrequencySketchFlyweight.onHeap(1, spec);
            int total = 150_000;
            double[] values = g.values(total, rnd);
            long[] ts = new long[total];
            long t0 = 1_700_000_000_000L / w * w;
            for (int i = 0; i < total; i++) {
                ts[i] = t0 + i * STEP_MS + 1;
                assertEquals(FrequencySketchFlyweight.APPLIED, sketch.update(ts[i], values[i]));
            }
            long end = Math.floorDiv(ts[total - 1] - 1, w) * w;
            for (long start = end - (spec.bucketCount() - 1) * w; start < end; start += 3 * w) {
                sketch.read(start, end, out);
                int from = lowerIndex(ts, start);
                int to = lowerIndex(ts, end);
                truth.of(values, null, from, to);
                assertTrue(out.exact(), g + " " + out);
                assertEquals(truth.l1, out.l1(), 0.0);
                assertEquals(truth.distinct, out.distinct(), 0.0, g + " " + out);
                assertEquals(truth.l2, out.l2(), 1e-9 * truth.l2);
                assertEquals(truth.entropy, out.entropy(), 1e-9 * Math.max(1, truth.entropy));
            }
        }
    }

    /** The error-vs-bytes trade-off for docs/sketches.md; run with -Dweir.frequency.sweep=true. */
    @Test
    void errorVersusBytesSweep() {
        Assumptions.assumeTrue(Boolean.getBoolean("weir.frequency.sweep"));
        int n = 100_000;
        for (int bytes : new int[] {32 * 1024, 64 * 1024, 128 * 1024, 190 * 1024, 256 * 1024}) {
            for (int buckets : new int[] {24, 48}) {
                FrequencySketchSpec spec = FrequencySketchSpec.forWindow(n * STEP_MS, buckets, bytes);
                rows.clear();
                for (FrequencyGenerators g : new FrequencyGenerators[] {
                    FrequencyGenerators.ZIPF, FrequencyGenerators.UNIFORM, FrequencyGenerators.NORMAL}) {
                    run(g, n, spec, 2, true, 7 + g.ordinal());
                }
                double[] whole = new double[4], tenth = new double[4], hundredth = new double[4];
                int cw = 0, ct = 0, ch = 0;
                for (Map.Entry<String, Row> e : rows.entrySet()) {
                    double[] into = e.getKey().contains("whole") || e.getKey().contains("suffix") ? whole
                        : e.getKey().contains("tenth") ? tenth : hundredth;
                    for (int f = 0; f < 4; f++) {
                        into[f] += e.getValue().mean(f);
                    }
                    if (into == whole) cw++; else if (into == tenth) ct++; else ch++;
                }
                System.out.printf(Locale.ROOT, "SWEEP bytes=%7d buckets=%3d C=%5d | whole+suffix d/l2/H %.2f%% %.2f%% %.2f%%"
                        + " | tenths %.2f%% %.2f%% %.2f%% | hundredths %.2f%% %.2f%% %.2f%%%n",
                    spec.blockLength(), spec.bucketCount(), spec.tableCapacity(),
                    100 * whole[0] / cw, 100 * whole[2] / cw, 100 * whole[3] / cw,
                    100 * tenth[0] / ct, 100 * tenth[2] / ct, 100 * tenth[3] / ct,
                    100 * hundredth[0] / ch, 100 * hundredth[2] / ch, 100 * hundredth[3] / ch);
            }
        }
    }

    // ---- harness -------------------------------------------------------------------------------------

    private void run(FrequencyGenerators g, int n, FrequencySketchSpec spec, int queryTimes, boolean outOfOrder, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int total = n + n / 2;
        long width = spec.bucketWidthMillis();
        long window = n * STEP_MS;
        double[] values = g.values(total, rnd);
        long[] ts = new long[total];
        long t0 = 1_700_000_000_000L + rnd.nextLong(1_000_000);
        for (int i = 0; i < total; i++) {
            ts[i] = t0 + i * STEP_MS + rnd.nextLong(-300, 301);
        }
        int[] order = new int[total];
        Arrays.setAll(order, i -> i);
        if (outOfOrder) {
            for (int i = 0; i < total; i++) {
                if (rnd.nextInt(50) == 0) {
                    int j = Math.min(total - 1, i + 1 + rnd.nextInt(60));
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
        }
        FrequencySketchFlyweight sketch = FrequencySketchFlyweight.onHeap(3, spec);
        FrequencyResult out = new FrequencyResult();
        ExactFrequency truth = new ExactFrequency();
        boolean[] delivered = new boolean[total];
        long maxTs = Long.MIN_VALUE;
        long nan = 0, tooOld = 0;
        int firstQuery = n + n / 10;
        int queryEvery = Math.max(1, (total - firstQuery) / queryTimes);
        String key = String.format(Locale.ROOT, "%-10s %7d ", g + (outOfOrder ? "" : "/inord"), n);
        for (int p = 0; p < total; p++) {
            int idx = order[p];
            assertEquals(FrequencySketchFlyweight.APPLIED, sketch.update(ts[idx], values[idx]));
            delivered[idx] = true;
            maxTs = Math.max(maxTs, ts[idx]);
            if (p % 997 == 0) {
                assertEquals(FrequencySketchFlyweight.SKIPPED_STALE, sketch.update(ts[idx], Double.longBitsToDouble(StaleMarker.BITS)));
                nan++;
            }
            if (p > n && p % 4999 == 0) {
                assertEquals(FrequencySketchFlyweight.SKIPPED_TOO_OLD, sketch.update(maxTs - spec.bucketCount() * width, 1));
                tooOld++;
            }
            if (p >= firstQuery && (p - firstQuery) % queryEvery == queryEvery - 1) {
                long newest = Math.floorDiv(maxTs - 1, width);
                long aligned = newest * width;
                long unaligned = aligned + 1 + rnd.nextLong(Math.max(1, maxTs - aligned));
                for (long end : new long[] {aligned, unaligned}) {
                    String prefix = key + (end == aligned ? "aligned   " : "unaligned ");
                    query(sketch, out, truth, values, ts, delivered, end - window, end, prefix + "whole");
                    for (int i = 0; i < 10; i++) {
                        query(sketch, out, truth, values, ts, delivered, end - (i + 1) * window / 10, end - i * window / 10, prefix + "tenths");
                    }
                    for (int i = 0; i < 10; i++) {
                        int h = i == 0 ? 0 : rnd.nextInt(100);
                        query(sketch, out, truth, values, ts, delivered, end - (h + 1) * window / 100, end - h * window / 100, prefix + "hundredths");
                    }
                    for (int frac : new int[] {2, 5, 20}) {
                        query(sketch, out, truth, values, ts, delivered, end - window / frac, end, prefix + "suffixes");
                    }
                }
            }
        }
        assertEquals(nan, sketch.skippedStale());
        assertEquals(tooOld, sketch.skippedTooOld());
    }

    private void query(FrequencySketchFlyweight sketch, FrequencyResult out, ExactFrequency truth, double[] values,
                       long[] ts, boolean[] delivered, long start, long end, String key) {
        sketch.read(start, end, out);
        assertTrue(out.covered(), key + " " + out);
        truth.of(values, delivered, lowerIndex(ts, start), lowerIndex(ts, end));
        Row r = rows.computeIfAbsent(key, k -> new Row());
        r.queries++;
        if (out.exact()) {
            r.exact++;
        }
        check(r, 0, out.distinct(), truth.distinct, out.distinctErrorBound());
        check(r, 1, out.l1(), truth.l1, out.l1ErrorBound());
        check(r, 2, out.l2(), truth.l2, out.l2ErrorBound());
        check(r, 3, out.entropy(), truth.entropy, out.entropyErrorBound());
    }

    private static void check(Row r, int f, double estimate, double truth, double boundRel) {
        double err = truth == 0 ? Math.abs(estimate) : Math.abs(estimate - truth) / truth;
        double bound = estimate == 0 ? boundRel : boundRel * estimate;
        r.add(f, err, Math.abs(estimate - truth) > bound + 1e-9 * Math.max(1, truth));
    }

    /** First index with ts > t (samples are in time order). */
    static int lowerIndex(long[] ts, long t) {
        int lo = 0, hi = ts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ts[mid] > t) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    private void print(String title) {
        System.out.println("== " + title + ": mean / max relative error %, [bound violations], exact answers");
        System.out.println("generator     window alignment sub-window  | distinct          | l1                | l2                | entropy           | exact");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-45s", e.getKey()));
            for (int f = 0; f < 4; f++) {
                sb.append(String.format(Locale.ROOT, "| %5.2f %6.2f [%2d] ", 100 * r.mean(f), 100 * r.max[f], r.violations[f]));
            }
            sb.append(String.format(Locale.ROOT, "| %d/%d", r.exact, r.queries));
            System.out.println(sb);
        }
    }
}
