package io.weir.perf.accuracy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PromSketch's accuracy method, applied to the structures of some {@link SketchUnderTest.Factory factories}: for
 * every distribution and window length w, stream 2w samples into every structure side by side, and at each query
 * time T (evenly spread after the first full window) ask every sub-window of (T-w, T] for every measure, scoring
 * the answer against {@link GroundTruth}. Single-threaded; the truth of a sub-window is computed once for all
 * structures.
 */
public final class AccuracyRun {
    /** Sees every scored query (tests use it to check per-query claims). */
    public interface Observer {
        void query(QueryOutcome outcome);
    }

    public record QueryOutcome(SketchUnderTest sketch, ValueDistribution distribution, int windowSamples, long queryTimeMs,
                               SubWindowKind kind, long startExclusiveMs, long endInclusiveMs, Measure measure,
                               double truth, double estimate, double reportedBound) {
    }

    /** One cell of the results. */
    public record Cell(String family, String factoryLabel, String parameters, long bytesPerSeries,
                       ValueDistribution distribution, int windowSamples, Measure measure, SubWindowKind kind,
                       ErrorStats stats) {
    }

    private final AccuracyProfile profile;
    private final List<SketchUnderTest.Factory> factories;
    private final Observer observer;

    public AccuracyRun(AccuracyProfile profile, List<SketchUnderTest.Factory> factories, Observer observer) {
        this.profile = profile;
        this.factories = factories;
        this.observer = observer;
    }

    public List<Cell> run() {
        List<Cell> cells = new ArrayList<>();
        for (int window : profile.windows()) {
            for (ValueDistribution d : profile.distributions()) {
                cells.addAll(runOne(d, window));
            }
        }
        return cells;
    }

    /** One distribution at one window length, every factory side by side. */
    public List<Cell> runOne(ValueDistribution distribution, int windowSamples) {
        long w = windowSamples * profile.intervalMillis();
        SampleSeries series = SampleSeries.generate(distribution, 2 * windowSamples, windowSamples,
            profile.intervalMillis(), profile.jitterMillis(), profile.seed() + windowSamples);
        GroundTruth truth = new GroundTruth(series);
        List<SketchUnderTest> sketches = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<List<Measure>> measures = new ArrayList<>();
        Map<String, ErrorStats> stats = new LinkedHashMap<>();
        List<Cell> cells = new ArrayList<>();
        for (SketchUnderTest.Factory f : factories) {
            SketchUnderTest s = f.create(w);
            sketches.add(s);
            labels.add(f.label());
            List<Measure> ms = measuresOf(s);
            measures.add(ms);
            for (Measure m : ms) {
                for (SubWindowKind k : SubWindowKind.values()) {
                    ErrorStats e = new ErrorStats();
                    stats.put(key(sketches.size() - 1, m, k), e);
                    cells.add(new Cell(s.family(), f.label(), s.parameters(), s.bytesPerSeries(), distribution,
                        windowSamples, m, k, e));
                }
            }
        }
        long[] ts = series.timestamps();
        double[] v = series.values();
        long first = ts[windowSamples - 1];
        long last = ts[ts.length - 1];
        int q = profile.queryTimes();
        int next = 0;
        for (int j = 0; j < q; j++) {
            long t = q == 1 ? last : first + (last - first) * j / (q - 1);
            while (next < ts.length && ts[next] <= t) {
                for (SketchUnderTest s : sketches) {
                    s.update(ts[next], v[next]);
                }
                next++;
            }
            for (SubWindowKind kind : SubWindowKind.values()) {
                int parts = kind.parts();
                int stride = kind == SubWindowKind.HUNDREDTH ? profile.hundredthStride() : 1;
                int firstPart = kind.suffix() ? parts - 1 : (kind == SubWindowKind.HUNDREDTH ? (j % stride) : 0);
                for (int p = firstPart; p < parts; p += stride) {
                    long start = t - w + w * p / parts;
                    long end = t - w + w * (p + 1) / parts;
                    truth.window(start, end);
                    for (int i = 0; i < sketches.size(); i++) {
                        SketchUnderTest s = sketches.get(i);
                        for (Measure m : measures.get(i)) {
                            double estimate = s.answer(m.function(), m.phi(), start, end);
                            double bound = s.reportedBound();
                            double exact = truth.value(m);
                            double rank = m.isQuantile() ? truth.rankError(m.phi(), estimate) : Double.NaN;
                            stats.get(key(i, m, kind)).add(exact, estimate, bound, rank, s.reportedRankBound());
                            if (observer != null) {
                                observer.query(new QueryOutcome(s, distribution, windowSamples, t, kind, start, end, m,
                                    exact, estimate, bound));
                            }
                        }
                    }
                }
            }
        }
        return cells;
    }

    private static String key(int sketch, Measure m, SubWindowKind k) {
        return sketch + "|" + m.label() + "|" + k.name();
    }

    /** The measures a structure is asked: each function once, quantiles once per phi. */
    static List<Measure> measuresOf(SketchUnderTest s) {
        return Measure.allOf(s.functions());
    }
}
