package io.weir.perf.accuracy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the accuracy harness: {@code --profile quick|full} (default quick), {@code --out DIR} (default
 * {@code target/accuracy}: the markdown and the PNGs), {@code --write-docs} (also replace this profile's generated
 * block in {@code docs/accuracy.md} and write the PNGs to {@code docs/img/}; {@code --docs DIR} moves that). The
 * tables go to stdout. {@code ./weir bench accuracy} runs this class.
 */
public final class AccuracyMain {
    private AccuracyMain() {
    }

    public static void main(String[] args) throws IOException {
        String profileName = "quick";
        Path out = Path.of("target", "accuracy");
        Path docs = Path.of("docs");
        boolean writeDocs = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--profile" -> profileName = value(args, ++i, "--profile");
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--docs" -> docs = Path.of(value(args, ++i, "--docs"));
                case "--write-docs" -> writeDocs = true;
                case "-h", "--help" -> {
                    System.out.println("usage: bench accuracy [--profile quick|full] [--out DIR] [--write-docs] [--docs DIR]");
                    return;
                }
                default -> {
                    System.err.println("bench accuracy: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        AccuracyProfile profile;
        try {
            profile = AccuracyProfile.named(profileName);
        } catch (IllegalArgumentException e) {
            System.err.println("bench accuracy: " + e.getMessage());
            System.exit(2);
            return;
        }
        String command = "./weir bench accuracy " + String.join(" ", args);
        System.err.println("accuracy: " + profile);

        List<SketchUnderTest.Factory> factories = new ArrayList<>();
        for (int b : profile.maxBucketsSweep()) {
            factories.add(AggregateSketchUnderTest.factory(b));
        }
        // PromSketch's uniform sampling, side by side on the same streams (a baseline, not a Weir structure)
        for (double p : new double[] {0.2, 0.5}) {
            factories.add(UniformSamplingBaseline.factory(p, profile.intervalMillis(), profile.seed()));
        }
        // quantile family: the engine's default (60 buckets, 48 KiB) and two points around it for error vs bytes
        SketchUnderTest.Factory quantileDefault = QuantileSketchUnderTest.defaultFactory();
        factories.add(QuantileSketchUnderTest.factory(60, 16 * 1024));
        factories.add(quantileDefault);
        factories.add(QuantileSketchUnderTest.factory(240, 48 * 1024));
        // frequency family: the engine's default (36 buckets, 128 KiB) and a half-size point for error vs bytes
        SketchUnderTest.Factory frequencyDefault = FrequencySketchUnderTest.factory(
                io.weir.engine.sketch.frequency.FrequencySketchSpec.DEFAULT_MAX_BUCKETS,
                io.weir.engine.sketch.frequency.FrequencySketchSpec.DEFAULT_MAX_BLOCK_BYTES);
        factories.add(FrequencySketchUnderTest.factory(io.weir.engine.sketch.frequency.FrequencySketchSpec.DEFAULT_MAX_BUCKETS, 64 * 1024));
        factories.add(frequencyDefault);
        String headline = AggregateSketchUnderTest.factory(profile.defaultMaxBuckets()).label();
        List<String> headlines = List.of(headline, "p=0.2", quantileDefault.label(), frequencyDefault.label());

        Instant started = Instant.now();
        AccuracyReport report = new AccuracyReport(new AccuracyRun(profile, factories, null).run());
        Duration took = Duration.between(started, Instant.now());

        String body = "#### Profile `" + profile.name() + "`\n\n" + "Command: `" + command.trim() + "`  \n" + machine(took) + "  \n"
            + "Profile: " + profile + "\n\n" + report.render(headlines);
        System.out.println(body);

        Files.createDirectories(out);
        Files.writeString(out.resolve("accuracy-" + profile.name() + ".md"), body, StandardCharsets.UTF_8);
        int window = report.windows().contains(AccuracyReport.GOAL_WINDOW) ? AccuracyReport.GOAL_WINDOW : report.windows().getLast();
        AccuracyPlots plots = new AccuracyPlots(report);
        List<Path> images = new ArrayList<>();
        for (String family : report.families()) {
            String label = family.equals("aggregate") ? headline
                : family.equals("quantile") ? quantileDefault.label()
                : family.equals("frequency") ? frequencyDefault.label() : report.factoryLabels(family).getFirst();
            images.addAll(plots.write(out.resolve(profile.name()), family, label, window));
        }
        if (writeDocs) {
            Path img = docs.resolve("img");
            Files.createDirectories(img);
            StringBuilder links = new StringBuilder();
            for (Path p : images) {
                String name = "accuracy-" + profile.name() + "-" + p.getFileName().toString().substring("accuracy-".length());
                Files.copy(p, img.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                links.append("![").append(name).append("](img/").append(name).append(")\n\n");
            }
            replaceBlock(docs.resolve("accuracy.md"), profile.name(), body + "### Plots\n\n" + links);
            System.err.println("accuracy: wrote " + docs.resolve("accuracy.md") + " and " + images.size() + " plots to " + img);
        }
        System.err.println("accuracy: wrote " + out + " in " + took.toSeconds() + " s");
    }

    /** Replaces the text between this profile's markers, appending the block when the file has none. */
    static void replaceBlock(Path file, String profile, String content) throws IOException {
        String begin = "<!-- accuracy:" + profile + ":begin (generated by ./weir bench accuracy --write-docs; edits are overwritten) -->";
        String end = "<!-- accuracy:" + profile + ":end -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Accuracy\n\n";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        String block = begin + "\n" + content.strip() + "\n" + end;
        text = b >= 0 && e > b ? text.substring(0, b) + block + text.substring(e + end.length()) : text.stripTrailing() + "\n\n" + block + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            System.err.println("bench accuracy: " + name + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    /** Machine facts: CPU model and cores, memory, JDK, OS, git commit, wall time. */
    static String machine(Duration took) {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException ignored) {
            // not Linux: leave it unknown
        }
        String commit = "unknown";
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0) {
                commit = s;
            }
        } catch (IOException | InterruptedException ignored) {
            // no git: leave it unknown
        }
        return String.format(Locale.ROOT, "Machine: %s, %d cores visible, max heap %d MB, JDK %s (%s), %s %s; commit %s; wall time %.1f s",
            cpu, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
            System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
            System.getProperty("os.arch"), commit, took.toMillis() / 1000.0);
    }
}
