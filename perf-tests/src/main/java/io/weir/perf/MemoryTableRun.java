package io.weir.perf;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.server.config.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One row of issue 7's memory table: {@code SERIES} series of one kind of values at one cadence and window, every
 * function, in a sketch shard laid out as the node lays out its shards by default (exact tier up to
 * {@code storage.exact_max_bytes}, kept up to {@code storage.exact_keep_bytes}, tails, sketch tables sized by their
 * data), fed two windows of samples in time order across the series. Prints the memory metric
 * ({@code weir_sketch_memory_bytes}: bytes of the blocks handed out), the slabs reserved, and the process's resident
 * memory grown since the start (after a GC), each per series. One row a process, so resident memory is its own:
 * {@code perf-tests/scripts/memory-table.sh} runs the table.
 *
 * <p>Usage: {@code MemoryTableRun INTERVAL_MS WINDOW_MS KIND SERIES}, KIND one of {@code counter}, {@code decimal}
 * (hundredths as text writes them), {@code random} (every mantissa bit random).
 */
public final class MemoryTableRun {
    private static final long T0 = 1_700_000_000_000L;

    private MemoryTableRun() {
    }

    public static void main(String[] args) throws IOException {
        long interval = Long.parseLong(args[0]);
        long window = Long.parseLong(args[1]);
        String kind = args[2];
        int series = Integer.parseInt(args[3]);
        System.gc();
        double rss0 = rssKiB();
        SketchShard shard = new SketchShard(1, new SlabArena(StorageConfig.DEFAULT_MEMORY_LIMIT_BYTES * 4,
            StorageConfig.DEFAULT_SLAB_CHUNK_BYTES, 4), SketchTargets.everyFunction(window), (int) StorageConfig.DEFAULT_EXACT_MAX_BYTES);
        SplittableRandom rnd = new SplittableRandom(11);
        double[] counters = new double[series];
        long samples = 2 * window / interval;
        long t0 = System.nanoTime();
        for (long i = 1; i <= samples; i++) {
            long ts = T0 + i * interval;
            for (int s = 0; s < series; s++) {
                shard.update(s, ts, value(kind, rnd, counters, s, i));
            }
            if ((i & 63) == 0) {
                shard.reclaim();
            }
        }
        shard.reclaim();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.gc();
        double rss = rssKiB() - rss0;
        System.out.printf("| %s | %s | %s | %d | %d | %.1f | %.1f | %.1f | %d exact, %d promoted | %.0f |%n",
            duration(interval), duration(window), kind, window / interval, series,
            shard.bytesInUse() / 1024.0 / series, shard.bytesReserved() / 1024.0 / series, rss / series,
            shard.exactSeries(), shard.promotedSeries(), seconds);
        shard.close();
    }

    /** The kinds of values a row can hold ({@link #value}). */
    static final java.util.List<String> KINDS = java.util.List.of("counter", "decimal", "random");

    /** Sample {@code i} of series {@code s} of a kind of values (the whole-node table sends the same). */
    static double value(String kind, SplittableRandom rnd, double[] counters, int s, long i) {
        return switch (kind) {
            case "counter" -> counters[s] += rnd.nextInt(0, 100);
            case "decimal" -> Math.round(50 + 10 * Math.sin((i + s) / 100.0) + rnd.nextGaussian()) / 100.0;
            case "random" -> 50 + rnd.nextGaussian();
            default -> throw new IllegalArgumentException("kind: one of " + KINDS + ", not " + kind);
        };
    }

    static String duration(long ms) {
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + " h";
        }
        if (ms % 1_000 == 0 && ms < 3_600_000) {
            return ms / 1_000 + " s";
        }
        return String.format("%.1f h", ms / 3_600_000.0);
    }

    private static double rssKiB() throws IOException {
        return rssKiB("self");
    }

    /** VmRSS of a process ({@code self} or a pid), KiB. */
    static double rssKiB(String pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return Double.NaN;
    }
}
