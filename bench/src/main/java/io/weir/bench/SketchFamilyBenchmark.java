package io.weir.bench;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.frequency.FrequencyResult;
import io.weir.engine.sketch.frequency.FrequencySketchSpec;
import io.weir.engine.sketch.quantile.QuantileResult;
import io.weir.engine.sketch.quantile.QuantileSketchSpec;
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
 * Each sketch family at the reference size: one series whose 1 h window holds 1e5 samples (one every
 * 36 ms), values drawn as integers from normal(50000, 10000) as in PromSketch's evaluation (many repeats, tens
 * of thousands of distinct values). {@code update}: {@value #BATCH} in-order samples per invocation, scored per
 * sample; {@code read}: one read of the whole 1 h window ending 7 s into a bucket (edge buckets cut), plus the
 * family's answer (mean, p0.9, distinct). The families use the server's default specs.
 */
@State(Scope.Thread)
public class SketchFamilyBenchmark extends WeirForkedBenchmark {
    static final int BATCH = 2_000;
    private static final long WINDOW_MS = 3_600_000L;
    private static final long STEP_MS = 36L;
    private static final int VALUES = 1 << 14;
    /** The server's default (AggregateSketchSpec.DEFAULT_MAX_BUCKETS). */
    private static final int AGGREGATE_MAX_BUCKETS = 225;

    @Param({"aggregate", "quantile", "frequency"})
    public String family;

    private SketchShard shard;
    private final double[] values = new double[VALUES];
    private final AggregateResult aggregate = new AggregateResult();
    private final QuantileResult quantile = new QuantileResult();
    private final FrequencyResult frequency = new FrequencyResult();
    private long timestampMs;
    private int nextValue;

    @Setup(Level.Trial)
    public void setUp() {
        AggregateSketchSpec a = AggregateSketchSpec.forWindow(WINDOW_MS, AGGREGATE_MAX_BUCKETS);
        QuantileSketchSpec q = QuantileSketchSpec.forWindow(WINDOW_MS);
        FrequencySketchSpec f = FrequencySketchSpec.forWindow(WINDOW_MS);
        SketchTargets targets = switch (family) {
            case "aggregate" -> id -> a;
            case "quantile" -> new SketchTargets() {
                @Override
                public AggregateSketchSpec aggregate(int seriesId) { return null; }

                @Override
                public QuantileSketchSpec quantile(int seriesId) { return q; }
            };
            default -> new SketchTargets() {
                @Override
                public AggregateSketchSpec aggregate(int seriesId) { return null; }

                @Override
                public FrequencySketchSpec frequency(int seriesId) { return f; }
            };
        };
        shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 64), targets);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < VALUES; i++) {
            values[i] = Math.rint(50_000 + 10_000 * gaussian(random));
        }
        timestampMs = SyntheticSeries.START_MS;
        for (long i = 0; i < 2 * WINDOW_MS / STEP_MS; i++) {
            shard.update(0, timestampMs, values[nextValue]);
            nextValue = (nextValue + 1) & (VALUES - 1);
            timestampMs += STEP_MS;
        }
        System.out.printf("%n[%s] bytesInUse=%d applied=%d%n", family, shard.bytesInUse(), shard.samplesApplied());
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shard.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void update() {
        SketchShard s = shard;
        long ts = timestampMs;
        int vi = nextValue;
        for (int i = 0; i < BATCH; i++) {
            s.update(0, ts, values[vi]);
            vi = (vi + 1) & (VALUES - 1);
            ts += STEP_MS;
        }
        timestampMs = ts;
        nextValue = vi;
    }

    @Benchmark
    public double read() {
        long end = timestampMs - 7_000L;
        long start = end - WINDOW_MS;
        return switch (family) {
            case "aggregate" -> shard.readAggregate(0, start, end, aggregate) ? aggregate.mean() : Double.NaN;
            case "quantile" -> shard.readQuantile(0, start, end, quantile) ? quantile.quantile(0.9) : Double.NaN;
            default -> shard.readFrequency(0, start, end, frequency) ? frequency.distinct() : Double.NaN;
        };
    }
}
