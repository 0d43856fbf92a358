package io.weir.bench;

import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.aggregate.AggregateResult;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Query cost: {@link SketchShard#readAggregate} of one series over a 1 h window, per operation, cycling over the
 * series. Each series holds 2 h of 15 s samples (the ring keeps 1 h + one bucket). {@code aligned}: the window
 * ends on a bucket edge (every bucket weight is 1); {@code unaligned}: it ends 7 s into a bucket, so the edge
 * buckets are interpolated.
 */
@State(Scope.Thread)
public class SketchReadBenchmark extends WeirForkedBenchmark {
    private static final long WINDOW_MS = 3_600_000L;

    @Param({"1", "10000"})
    public int seriesCount;

    @Param({"aligned", "unaligned"})
    public String windowEnd;

    private SketchShard shard;
    private final AggregateResult out = new AggregateResult();
    private long endMs;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(WINDOW_MS, 300);
        shard = new SketchShard(1, new SlabArena(1L << 30, 1 << 20, 64), id -> spec);
        SplittableRandom random = new SplittableRandom(11);
        int scrapes = (int) (2 * WINDOW_MS / SyntheticSeries.SCRAPE_MS);
        long last = 0;
        for (int j = 1; j <= scrapes; j++) {
            last = SyntheticSeries.START_MS + j * SyntheticSeries.SCRAPE_MS;
            for (int id = 0; id < seriesCount; id++) {
                shard.update(id, last, 100 + random.nextDouble() * 50);
            }
        }
        endMs = windowEnd.equals("aligned") ? last : last - 8_000L;
        if (!shard.readAggregate(0, endMs - WINDOW_MS, endMs, out) || out.count() < 200) {
            throw new IllegalStateException("unexpected read: " + out);
        }
        System.out.printf("%n[%d series, %s] %s%n", seriesCount, windowEnd, out);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shard.close();
    }

    @Benchmark
    public double readAggregate() {
        int id = next;
        next = id + 1 == seriesCount ? 0 : id + 1;
        shard.readAggregate(id, endMs - WINDOW_MS, endMs, out);
        return out.mean();
    }
}
