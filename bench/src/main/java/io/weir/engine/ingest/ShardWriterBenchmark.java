package io.weir.engine.ingest;

import io.weir.bench.WeirForkedBenchmark;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.slab.SlabArena;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The shard writer's loop over one ring batch of 2,000 samples (one per series, as Prometheus sends them), 10,000
 * series scraped every 15 s, every function (the default configuration's exact tier), per sample: applying the
 * samples and, with {@code late=all}, recording each one's series for the range cache ({@link LateWrites}: every
 * sample behind the sealed horizon, a sender catching up) against {@code late=none} (live samples). In the package
 * of {@link IngestBatch}, whose filling is the ring's own business.
 */
@State(Scope.Thread)
public class ShardWriterBenchmark extends WeirForkedBenchmark {
    private static final int SERIES = 10_000;
    private static final int BATCH = 2_000;
    private static final long SCRAPE_MS = 15_000;
    private static final long START_MS = 1_700_000_000_000L;

    /** none: every sample live; all: every sample behind the sealed horizon (5 minutes). */
    @Param({"none", "all"})
    public String late;

    /**
     * The series' window: 1 h holds 240 samples (few checkpoints), 24 h 5,760 (a checkpoint every 256 samples, the
     * open chunk's moments kept per sample). The warm-up fills it.
     */
    @Param({"1", "24"})
    public int windowHours;

    private SketchShard shard;
    private ShardWriter writer;
    private final IngestBatch batch = new IngestBatch(BATCH, 1);
    private final int[] ids = new int[BATCH];
    private final long[] ts = new long[BATCH];
    private final double[] values = new double[BATCH];
    private long round;
    private int next;
    private long nowMs;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() {
        shard = new SketchShard(1, new SlabArena(4L << 30, 1 << 20, 64), SketchTargets.everyFunction(windowHours * 3_600_000L), 256 * 1024);
        long lag = late.equals("all") ? 3_600_000L : 0;
        writer = new ShardWriter(0, shard, () -> nowMs + lag, new LateWrites(300_000));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void applyBatch() {
        long t = START_MS + round * SCRAPE_MS;
        for (int i = 0; i < BATCH; i++) {
            ids[i] = next + i;
            ts[i] = t;
            values[i] = 100 + ((round * 7919 + next + i) % 997) / 10.0;
        }
        batch.fill(ids, ts, values, 0, BATCH, 0, null);
        nowMs = t;
        writer.onEvent(batch, sequence++, false);
        next += BATCH;
        if (next == SERIES) {
            next = 0;
            round++;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n[late=%s] applied=%d exact=%d rounds=%d%n", late, shard.samplesApplied(), shard.exactSeries(), round);
        shard.close();
    }
}
