package io.weir.perf.accuracy;

import io.weir.engine.sketch.SketchFunction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Markdown tables of one run's {@link AccuracyRun.Cell cells}. "Pooled" statistics merge the distributions; the
 * "all" column averages the per-kind means (each sub-window kind weighs the same, whatever its query count, so a
 * quick and a full run stay comparable) and takes the max over every query.
 */
public final class AccuracyReport {
    /** The goals for the aggregate family at window 1e5: mean and max relative error in %, bytes per series. */
    public record Goal(String name, List<SketchFunction> functions, double meanPercent, double maxPercent) {
    }

    public static final List<Goal> AGGREGATE_GOALS = List.of(
        new Goal("avg/sum/count/sum2", List.of(SketchFunction.AVG_OVER_TIME, SketchFunction.SUM_OVER_TIME,
            SketchFunction.COUNT_OVER_TIME, SketchFunction.SUM2_OVER_TIME), 0.1, 1.0),
        new Goal("stddev/stdvar", List.of(SketchFunction.STDDEV_OVER_TIME, SketchFunction.STDVAR_OVER_TIME), 0.5, Double.NaN),
        new Goal("min/max", List.of(SketchFunction.MIN_OVER_TIME, SketchFunction.MAX_OVER_TIME), 0.5, Double.NaN));
    public static final long AGGREGATE_BYTES_GOAL = 16 * 1024;
    public static final int GOAL_WINDOW = 100_000;

    /** A group of distributions reported together. */
    public record DistributionSet(String name, List<ValueDistribution> members) {
        boolean contains(AccuracyRun.Cell c) { return members.contains(c.distribution()); }
    }

    public static final DistributionSet SYNTHETIC = new DistributionSet("PromSketch's synthetic set (zipf, uniform, normal, dynamic)",
        List.of(ValueDistribution.SYNTHETIC));
    public static final DistributionSet REALISTIC = new DistributionSet("counter/gauge set (counter with resets, gauge, up)",
        List.of(ValueDistribution.REALISTIC));
    public static final List<DistributionSet> SETS = List.of(SYNTHETIC, REALISTIC);

    private final List<AccuracyRun.Cell> cells;

    public AccuracyReport(List<AccuracyRun.Cell> cells) {
        this.cells = cells;
    }

    public List<AccuracyRun.Cell> cells() { return cells; }

    public ErrorStats pooled(Predicate<AccuracyRun.Cell> filter) {
        ErrorStats s = new ErrorStats();
        for (AccuracyRun.Cell c : cells) {
            if (filter.test(c)) {
                s.merge(c.stats());
            }
        }
        return s;
    }

    /** Mean of the per-kind means (NaN kinds skipped) of the cells that pass {@code filter}. */
    public double meanOverKinds(Predicate<AccuracyRun.Cell> filter) {
        double sum = 0;
        int n = 0;
        for (SubWindowKind k : SubWindowKind.values()) {
            double m = pooled(filter.and(c -> c.kind() == k)).meanRelative();
            if (m == m) {
                sum += m;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    public List<Integer> windows() {
        Set<Integer> s = new LinkedHashSet<>();
        cells.forEach(c -> s.add(c.windowSamples()));
        return new ArrayList<>(s);
    }

    public List<String> factoryLabels(String family) {
        Set<String> s = new LinkedHashSet<>();
        cells.stream().filter(c -> c.family().equals(family)).forEach(c -> s.add(c.factoryLabel()));
        return new ArrayList<>(s);
    }

    public List<String> families() {
        Set<String> s = new LinkedHashSet<>();
        cells.forEach(c -> s.add(c.family()));
        return new ArrayList<>(s);
    }

    public List<Measure> measures(String family) {
        Set<Measure> s = new LinkedHashSet<>();
        cells.stream().filter(c -> c.family().equals(family)).forEach(c -> s.add(c.measure()));
        return new ArrayList<>(s);
    }

    /** The cell data of one structure point at one window, e.g. for the plots. */
    public Predicate<AccuracyRun.Cell> point(String family, String label, int window) {
        return c -> c.family().equals(family) && c.factoryLabel().equals(label) && c.windowSamples() == window;
    }

    private AccuracyRun.Cell any(Predicate<AccuracyRun.Cell> filter) {
        return cells.stream().filter(filter).findFirst().orElseThrow();
    }

    /** Rows = measures, columns = sub-window kinds (mean / max %), pooled over distributions. */
    public String headline(String family, String label, int window, DistributionSet set) {
        Predicate<AccuracyRun.Cell> at = point(family, label, window).and(set::contains);
        AccuracyRun.Cell sample = any(at);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "**%s %s, window %s samples: %s bytes/series** — relative error %%, mean / max over %s%n%n",
            family, sample.parameters(), samples(window), sample.bytesPerSeries(), set.name()));
        header(b, List.of("function"), true);
        for (Measure m : measures(family)) {
            Predicate<AccuracyRun.Cell> f = at.and(c -> c.measure().equals(m));
            b.append("| ").append(m.label());
            for (SubWindowKind k : SubWindowKind.values()) {
                ErrorStats s = pooled(f.and(c -> c.kind() == k));
                b.append(" | ").append(pct(s.meanRelative())).append(" / ").append(pct(s.maxRelative()));
            }
            b.append(" | ").append(pct(meanOverKinds(f))).append(" / ").append(pct(pooled(f).maxRelative())).append(" |\n");
        }
        appendRankTable(b, family, at);
        return b.toString();
    }

    private void appendRankTable(StringBuilder b, String family, Predicate<AccuracyRun.Cell> at) {
        List<Measure> quantiles = measures(family).stream().filter(Measure::isQuantile).toList();
        if (quantiles.isEmpty()) {
            return;
        }
        b.append("\nRank error (max |CDF difference|), mean / max:\n\n");
        header(b, List.of("function"), false);
        for (Measure m : quantiles) {
            b.append("| ").append(m.label());
            for (SubWindowKind k : SubWindowKind.values()) {
                ErrorStats s = pooled(at.and(c -> c.measure().equals(m) && c.kind() == k));
                b.append(" | ").append(num(s.meanRank())).append(" / ").append(num(s.maxRank()));
            }
            b.append(" |\n");
        }
    }

    /** Rows = distribution x measure, columns = kinds (mean / max %). */
    public String perDistribution(String family, String label, int window) {
        Predicate<AccuracyRun.Cell> at = point(family, label, window);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "**%s %s, window %s samples, per distribution** — relative error %%, mean / max%n%n",
            family, label, samples(window)));
        header(b, List.of("distribution", "function"), true);
        for (ValueDistribution d : ValueDistribution.values()) {
            for (Measure m : measures(family)) {
                Predicate<AccuracyRun.Cell> f = at.and(c -> c.distribution() == d && c.measure().equals(m));
                if (cells.stream().noneMatch(f)) {
                    continue;
                }
                b.append("| ").append(d.label()).append(" | ").append(m.label());
                for (SubWindowKind k : SubWindowKind.values()) {
                    ErrorStats s = pooled(f.and(c -> c.kind() == k));
                    b.append(" | ").append(pct(s.meanRelative())).append(" / ").append(pct(s.maxRelative()));
                }
                b.append(" | ").append(pct(meanOverKinds(f))).append(" / ").append(pct(pooled(f).maxRelative())).append(" |\n");
            }
        }
        List<Measure> quantiles = measures(family).stream().filter(Measure::isQuantile).toList();
        if (!quantiles.isEmpty()) {
            b.append("\nRank error per distribution, mean / max:\n\n");
            header(b, List.of("distribution", "function"), false);
            for (ValueDistribution d : ValueDistribution.values()) {
                for (Measure m : quantiles) {
                    Predicate<AccuracyRun.Cell> f = at.and(c -> c.distribution() == d && c.measure().equals(m));
                    if (cells.stream().noneMatch(f)) {
                        continue;
                    }
                    b.append("| ").append(d.label()).append(" | ").append(m.label());
                    for (SubWindowKind k : SubWindowKind.values()) {
                        ErrorStats s = pooled(f.and(c -> c.kind() == k));
                        b.append(" | ").append(num(s.meanRank())).append(" / ").append(num(s.maxRank()));
                    }
                    b.append(" |\n");
                }
            }
        }
        return b.toString();
    }

    /** Rows = parameter points (bytes/series), columns = measures: all-kinds mean / max %. */
    public String tradeOff(String family, int window) {
        List<Measure> ms = measures(family);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "**%s, window %s samples: error vs bytes** — relative error %%, mean over kinds / max, all distributions%n%n",
            family, samples(window)));
        b.append("| parameters | bytes/series |");
        ms.forEach(m -> b.append(' ').append(m.label()).append(" |"));
        b.append("\n|---|---:|");
        ms.forEach(m -> b.append("---:|"));
        b.append('\n');
        for (String label : factoryLabels(family)) {
            Predicate<AccuracyRun.Cell> at = point(family, label, window);
            AccuracyRun.Cell sample = any(at);
            b.append("| ").append(sample.parameters()).append(" | ").append(sample.bytesPerSeries()).append(" |");
            for (Measure m : ms) {
                Predicate<AccuracyRun.Cell> f = at.and(c -> c.measure().equals(m));
                b.append(' ').append(pct(meanOverKinds(f))).append(" / ").append(pct(pooled(f).maxRelative())).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The goals against every aggregate parameter point at {@link #GOAL_WINDOW}. */
    public String aggregateGoals() {
        if (!families().contains("aggregate") || !windows().contains(GOAL_WINDOW)) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append("**Goals at window 1e5** (mean = mean over sub-window kinds; worst = the worst kind's mean; max = any query)\n\n");
        b.append("| distributions | parameters | bytes <= 16 KB |");
        AGGREGATE_GOALS.forEach(g -> b.append(' ').append(g.name()).append(" mean <= ").append(g.meanPercent()).append('%')
            .append(g.maxPercent() == g.maxPercent() ? ", max <= " + g.maxPercent() + "%" : "").append(" |"));
        b.append("\n|---|---|---|");
        AGGREGATE_GOALS.forEach(g -> b.append("---|"));
        b.append('\n');
        for (DistributionSet set : SETS) {
            for (String label : factoryLabels("aggregate")) {
                Predicate<AccuracyRun.Cell> at = point("aggregate", label, GOAL_WINDOW).and(set::contains);
                AccuracyRun.Cell sample = any(at);
                b.append("| ").append(set == SYNTHETIC ? "synthetic" : "counter/gauge").append(" | ").append(sample.parameters()).append(" | ")
                    .append(verdict(sample.bytesPerSeries() <= AGGREGATE_BYTES_GOAL)).append(' ').append(sample.bytesPerSeries()).append(" |");
                for (Goal g : AGGREGATE_GOALS) {
                    double mean = 0;
                    double worst = 0;
                    double max = 0;
                    for (SketchFunction fn : g.functions()) {
                        Predicate<AccuracyRun.Cell> f = at.and(c -> c.measure().function() == fn);
                        mean = Math.max(mean, meanOverKinds(f));
                        max = Math.max(max, pooled(f).maxRelative());
                        for (SubWindowKind k : SubWindowKind.values()) {
                            double km = pooled(f.and(c -> c.kind() == k)).meanRelative();
                            worst = km == km ? Math.max(worst, km) : worst;
                        }
                    }
                    boolean ok = mean <= g.meanPercent() && !(g.maxPercent() == g.maxPercent() && max > g.maxPercent());
                    b.append(' ').append(verdict(ok)).append(" mean ").append(pct(mean)).append(", worst ").append(pct(worst))
                        .append(", max ").append(pct(max)).append(" |");
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** The structures' own claims: bound checks, violations, zero truths, missing answers, per family. */
    public String claims() {
        StringBuilder b = new StringBuilder("| family | queries | bound/exactness checks | violations | zero truths (estimate not 0) | missing answers |\n|---|---:|---:|---:|---:|---:|\n");
        for (String fam : families()) {
            ErrorStats s = pooled(c -> c.family().equals(fam));
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d (%d) | %d |%n", fam, s.queries(), s.boundChecks(),
                s.boundViolations(), s.zeroTruth(), s.zeroTruthMisses(), s.missing()));
        }
        return b.toString();
    }

    /** A table header: the leading columns, one column per sub-window kind, then "all" if asked. */
    private static void header(StringBuilder b, List<String> leading, boolean withAll) {
        List<String> cols = new ArrayList<>(leading);
        for (SubWindowKind k : SubWindowKind.values()) {
            cols.add(k.label());
        }
        if (withAll) {
            cols.add("all");
        }
        b.append("| ").append(String.join(" | ", cols)).append(" |\n|");
        for (int i = 0; i < cols.size(); i++) {
            b.append(i < leading.size() ? "---|" : "---:|");
        }
        b.append('\n');
    }

    static String samples(int window) {
        return switch (window) {
            case 10_000 -> "1e4";
            case 100_000 -> "1e5";
            case 1_000_000 -> "1e6";
            default -> Integer.toString(window);
        };
    }

    /** Percent with 3 significant digits; tiny values in scientific notation; 0 as 0. */
    static String pct(double x) {
        if (x != x) {
            return "n/a";
        }
        if (x == 0) {
            return "0";
        }
        if (x < 1e-3) {
            return String.format(Locale.ROOT, "%.1e", x);
        }
        if (x < 1) {
            return String.format(Locale.ROOT, "%.3g", x);
        }
        return String.format(Locale.ROOT, "%.3g", x);
    }

    static String num(double x) {
        return x != x ? "n/a" : String.format(Locale.ROOT, "%.4f", x);
    }

    private static String verdict(boolean ok) {
        return ok ? "yes" : "**no**";
    }

    /** Every table of the run, for stdout and the docs. */
    public String render(List<String> headlineLabels) {
        StringBuilder b = new StringBuilder();
        Map<String, List<String>> byFamily = new LinkedHashMap<>();
        for (String fam : families()) {
            List<String> labels = factoryLabels(fam).stream().filter(headlineLabels::contains).toList();
            byFamily.put(fam, labels.isEmpty() ? List.of(factoryLabels(fam).getFirst()) : labels);
        }
        b.append("### Headline\n\n");
        for (var e : byFamily.entrySet()) {
            for (String label : e.getValue()) {
                for (int w : windows()) {
                    for (DistributionSet set : SETS) {
                        b.append(headline(e.getKey(), label, w, set)).append('\n');
                    }
                }
            }
        }
        b.append("### Error vs bytes per series\n\n");
        for (String fam : families()) {
            if (factoryLabels(fam).size() > 1) {
                for (int w : windows()) {
                    b.append(tradeOff(fam, w)).append('\n');
                }
            }
        }
        String goals = aggregateGoals();
        if (!goals.isEmpty()) {
            b.append("### Goals\n\n").append(goals).append('\n');
        }
        b.append("### Claims the structures make\n\n").append(claims()).append('\n');
        b.append("### Per distribution\n\n");
        for (var e : byFamily.entrySet()) {
            for (String label : e.getValue()) {
                for (int w : windows()) {
                    b.append(perDistribution(e.getKey(), label, w)).append('\n');
                }
            }
        }
        return b.toString();
    }
}
