package io.weir.bench;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * In-order {@link SketchShard#update} of 1 h aggregate sketches (15 s buckets), as a shard writer applies one
 * ring batch: {@value #BATCH} samples per invocation, scores per sample. Series take turns; after each round
 * the timestamp advances by the cadence: {@code scrape_15s} opens a new bucket on every sample,
 * {@code dense_1ms} adds 15,000 samples to a bucket before moving on. Every series' block exists before
 * measuring.
 */
@State(Scope.Thread)
public class SketchUpdateBenchmark extends WeirForkedBenchmark {
    static final int BATCH = 2_000;
    private static final int VALUES = 1 << 12;

    @Param({"1", "10000"})
    public int seriesCount;

    @Param({"scrape_15s", "dense_1ms"})
    public String cadence;

    /**
     * {@code aggregate}: the 8 aggregate functions, sketches from the first sample (the exact tier off);
     * {@code all_sketch}: every function, sketches from the first sample; {@code all_exact}: every function with the
     * node's exact tier (raw samples while smaller than the sketches, 256 KiB at most), the default.
     */
    @Param({"aggregate", "all_sketch", "all_exact"})
    public String families;

    /**
     * {@code random}: a gauge with every mantissa bit random (the exact stream's worst case); {@code decimal}: the
     * same gauge in hundredths as a text exposition writes it ({@code -p values=decimal}).
     */
    @Param({"random"})
    public String values;

    private SketchShard shard;
    private final double[] samples = new double[VALUES];
    private long stepMs;
    private long timestampMs;
    private int nextSeries;
    private int nextValue;
    private long invocations;
    /** Invocations between reclaims: ~2 M samples, about a second of a shard writer's work. */
    private static final int RECLAIM_EVERY = 1024;

    @Setup(Level.Trial)
    public void setUp() {
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(3_600_000L, 300);
        SketchTargets targets = families.equals("aggregate") ? id -> spec : allFamilies(3_600_000L);
        shard = new SketchShard(1, new SlabArena(4L << 30, 1 << 20, 64), targets, families.equals("all_exact") ? 256 * 1024 : 0);
        stepMs = cadence.equals("scrape_15s") ? 15_000L : 1L;
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < VALUES; i++) {
            double gauge = 100 + random.nextDouble() * 50; // a gauge wandering around 125
            samples[i] = values.equals("decimal") ? Math.round(gauge * 100) / 100.0 : gauge;
        }
        timestampMs = SyntheticSeries.START_MS;
        for (int id = 0; id < seriesCount; id++) {
            shard.update(id, timestampMs, samples[id & (VALUES - 1)]);
        }
        timestampMs += stepMs;
        if (shard.sketchedSeries() != seriesCount) {
            throw new IllegalStateException("sketched " + shard.sketchedSeries() + " of " + seriesCount);
        }
    }

    static SketchTargets allFamilies(long windowMs) {
        return SketchTargets.everyFunction(windowMs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n[%d series, %s, %s] applied=%d tooOld=%d nan=%d refused=%d exact=%d promoted=%d resized=%d"
                + " bytesInUse=%d bytesReserved=%d recycledChunks=%d%n",
            seriesCount, cadence, families, shard.samplesApplied(), shard.skippedTooOld(), shard.skippedStale(),
            shard.refusedSeries(), shard.exactSeries(), shard.promotedSeries(), shard.resizedBlocks(), shard.bytesInUse(),
            shard.bytesReserved(), shard.arena().recycledChunks());
        shard.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void update() {
        SketchShard s = shard;
        double[] v = samples;
        int id = nextSeries;
        int vi = nextValue;
        long ts = timestampMs;
        for (int i = 0; i < BATCH; i++) {
            s.update(id, ts, v[vi]);
            vi = (vi + 1) & (VALUES - 1);
            if (++id == seriesCount) {
                id = 0;
                ts += stepMs;
            }
        }
        nextSeries = id;
        nextValue = vi;
        timestampMs = ts;
        if ((++invocations & (RECLAIM_EVERY - 1)) == 0) {
            // the node's shard writer reclaims retired blocks about once a second (ShardWriter.periodic): without it
            // every rebuilt block would take fresh memory, and the page faults would be measured instead
            s.reclaim();
        }
    }
}
