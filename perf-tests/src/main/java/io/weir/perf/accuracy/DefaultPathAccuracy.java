package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.server.config.StorageConfig;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy of the node's default storage path (issue 7's report): one series per distribution in a
 * {@link SketchShard} laid out as the node lays it out (every function, the default bucket counts, the exact tier
 * up to {@code storage.exact_max_bytes}), asked at fixed sub-windows -- the last 5 minutes, hour and 5 hours before
 * each query time -- against the exact answer on the raw samples ({@link GroundTruth}). Where a series' samples fit
 * the exact tier every answer is exact; where they do not (the sketches are the smaller form) the sketches answer.
 * Each cell says which, and whether every answer that claimed exactness was exact.
 *
 * <p>{@code java -cp ... io.weir.perf.accuracy.DefaultPathAccuracy} prints the markdown tables that
 * docs/accuracy.md carries.
 */
public final class DefaultPathAccuracy {
    private static final long[] SUB_WINDOWS = {5 * 60_000L, 3_600_000L, 5 * 3_600_000L};
    private static final String[] SUB_WINDOW_LABELS = {"5 m", "1 h", "5 h"};
    private static final int QUERY_TIMES = 20;
    private static final long INTERVAL_MS = 1_000;
    private static final long JITTER_MS = 100;

    private DefaultPathAccuracy() {
    }

    public static void main(String[] args) {
        // the case: a 6 h window of 1 s samples; and a window of 1e5 samples, past the exact tier for most values
        System.out.println(report(6 * 3_600, "6 h window, 1 s samples"));
        System.out.println(report(100_000, "window of 1e5 samples (27.8 h at 1 s)"));
    }

    /** The tables for one window length (in samples), every distribution of the accuracy harness. */
    static String report(int windowSamples, String title) {
        long windowMs = windowSamples * INTERVAL_MS;
        List<Measure> measures = measures();
        double[][] errorSum = new double[measures.size()][SUB_WINDOWS.length];
        double[][] errorMax = new double[measures.size()][SUB_WINDOWS.length];
        int[][] exactAnswers = new int[measures.size()][SUB_WINDOWS.length];
        int[][] answers = new int[measures.size()][SUB_WINDOWS.length];
        int[][] falseClaims = new int[measures.size()][SUB_WINDOWS.length];
        StringBuilder tiers = new StringBuilder();
        for (ValueDistribution distribution : ValueDistribution.values()) {
            SampleSeries series = SampleSeries.generate(distribution, 2 * windowSamples, windowSamples, INTERVAL_MS,
                JITTER_MS, 41 + windowSamples);
            GroundTruth truth = new GroundTruth(series);
            SketchShard shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 4), nodeTargets(windowMs),
                (int) StorageConfig.DEFAULT_EXACT_MAX_BYTES);
            AggregateResult aggregate = new AggregateResult();
            QuantileResult quantile = new QuantileResult();
            FrequencyResult frequency = new FrequencyResult();
            int next = 0;
            long first = series.timestamps()[windowSamples];
            long last = series.timestamps()[series.size() - 1];
            for (int q = 0; q < QUERY_TIMES; q++) {
                long t = first + (last - first) * q / (QUERY_TIMES - 1);
                while (next < series.size() && series.timestamps()[next] <= t) {
                    shard.update(0, series.timestamps()[next], series.values()[next]);
                    next++;
                }
                for (int w = 0; w < SUB_WINDOWS.length; w++) {
                    long start = t - SUB_WINDOWS[w];
                    truth.window(start, t);
                    shard.readAggregate(0, start, t, aggregate);
                    shard.readQuantile(0, start, t, quantile);
                    shard.readFrequency(0, start, t, frequency);
                    for (int m = 0; m < measures.size(); m++) {
                        Measure measure = measures.get(m);
                        double exact = truth.value(measure);
                        double estimate = answer(measure, aggregate, quantile, frequency);
                        boolean claimsExact = switch (measure.function().family()) {
                            case AGGREGATE -> aggregate.exact();
                            case QUANTILE -> quantile.exact();
                            case FREQUENCY -> frequency.exact();
                        };
                        if (Double.isNaN(exact) || exact == 0) {
                            continue;
                        }
                        double error = Math.abs(estimate - exact) / Math.abs(exact);
                        errorSum[m][w] += error * 100;
                        errorMax[m][w] = Math.max(errorMax[m][w], error * 100);
                        answers[m][w]++;
                        if (claimsExact) {
                            exactAnswers[m][w]++;
                            // exact up to the float rounding of compensated sums and of sqrt/log
                            if (error > 1e-9) {
                                falseClaims[m][w]++;
                            }
                        }
                    }
                }
            }
            tiers.append(distribution.label()).append(": ").append(shard.exactSeries() == 1 ? "exact" : "sketches")
                .append(String.format(Locale.ROOT, " (%.1f KiB)", shard.publishedBytes() / 1024.0)).append("; ");
            shard.close();
        }
        StringBuilder out = new StringBuilder();
        out.append("**").append(title).append(", default storage path** -- relative error %, mean / max over ")
            .append(ValueDistribution.values().length).append(" distributions x ").append(QUERY_TIMES)
            .append(" query times; (share of answers that were exact)\n\n");
        out.append("Tier at the end: ").append(tiers.toString().replaceAll("; $", "")).append("\n\n");
        out.append("| function |");
        for (String label : SUB_WINDOW_LABELS) {
            out.append(' ').append(label).append(" |");
        }
        out.append("\n|---|");
        out.append("---:|".repeat(SUB_WINDOW_LABELS.length)).append('\n');
        int claimsBroken = 0;
        for (int m = 0; m < measures.size(); m++) {
            out.append("| ").append(measures.get(m).label()).append(" |");
            for (int w = 0; w < SUB_WINDOWS.length; w++) {
                int n = answers[m][w];
                claimsBroken += falseClaims[m][w];
                out.append(n == 0 ? " - |" : String.format(Locale.ROOT, " %s / %s (%d%%) |", fmt(errorSum[m][w] / n),
                    fmt(errorMax[m][w]), 100 * exactAnswers[m][w] / n));
            }
            out.append('\n');
        }
        out.append("\nAnswers that claimed to be exact but were not: ").append(claimsBroken).append('\n');
        return out.toString();
    }

    private static String fmt(double percent) {
        return percent == 0 ? "0" : percent >= 0.1 ? String.format(Locale.ROOT, "%.2f", percent)
            : String.format(Locale.ROOT, "%.1e", percent);
    }

    private static List<Measure> measures() {
        return Measure.allOf(java.util.Arrays.asList(SketchFunction.values()));
    }

    private static double answer(Measure m, AggregateResult a, QuantileResult q, FrequencyResult f) {
        return switch (m.function()) {
            case COUNT_OVER_TIME -> a.count();
            case SUM_OVER_TIME -> a.sum();
            case SUM2_OVER_TIME -> a.sum2();
            case AVG_OVER_TIME -> a.mean();
            case MIN_OVER_TIME -> a.min();
            case MAX_OVER_TIME -> a.max();
            case STDDEV_OVER_TIME -> a.stddev();
            case STDVAR_OVER_TIME -> a.variance();
            case QUANTILE_OVER_TIME -> q.quantile(m.phi());
            case DISTINCT_OVER_TIME -> f.distinct();
            case L1_OVER_TIME -> f.l1();
            case L2_OVER_TIME -> f.l2();
            case ENTROPY_OVER_TIME -> f.entropy();
        };
    }

    /** Every function on every series, sized as the node sizes a target of this window by default. */
    private static SketchTargets nodeTargets(long windowMs) {
        return SketchTargets.everyFunction(windowMs);
    }
}
