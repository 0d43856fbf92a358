package io.weir.bench;

import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.SketchTargets;
import io.weir.engine.sketch.aggregate.AggregateSketchSpec;
import io.weir.engine.sketch.slab.SlabArena;
import io.weir.engine.snapshot.BlockCopyShardSnapshot;
import io.weir.persistence.snapshot.SnapshotStore;
import io.weir.persistence.snapshot.StartupRecovery;
import io.weir.persistence.wal.FsyncPolicy;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Start-up WAL replay ({@link StartupRecovery#recover} with no snapshot: the whole WAL) into fresh shards, scored
 * in samples per second. The WAL is shaped like what {@code ./weir bench insert} leaves: SERIES records first,
 * then SAMPLES records of {@value #BATCH} samples (one per series, series in turn, 15 s apart per round; even ids
 * counters, odd ids noisy gauges), {@value #SAMPLES} samples in all. Every series carries the five aggregate functions of
 * {@code perf-tests/scripts/snapshot-bench.sh} with the node's default exact tier (256 KiB). The series table is
 * already complete, as on a restart. Each invocation replays the whole WAL into new shards; {@code -prof gc}'s
 * B/op is per replayed sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WalReplayBenchmark extends WeirForkedBenchmark {
    static final int SAMPLES = 8_000_000;
    static final int BATCH = 2_000;

    @Param({"1", "4"})
    public int shardCount;

    /** 400,000 series x 20 rounds: a 5-minute WAL tail at a 15 s scrape; 100,000 x 80: 20 minutes. */
    @Param({"100000", "400000"})
    public int seriesCount;

    private Path dir;
    private SeriesTable series;
    private WalWriter wal;
    private SnapshotStore snapshots;
    private SketchTargets targets;
    private SketchShard[] shards;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = TempDirs.create("weir-bench-replay-");
        series = SeriesTable.open(dir.resolve("series"), seriesCount);
        wal = WalWriter.open(dir.resolve("wal"), WalOptions.defaults().withFsync(FsyncPolicy.NEVER, Duration.ZERO));
        for (int id = 0; id < seriesCount; id++) {
            byte[] labels = SyntheticSeries.labels(id);
            if (series.adopt(id, labels) != SeriesTable.ADOPTED) {
                throw new IllegalStateException("series " + id + " not adopted");
            }
            wal.appendSeries(id, labels, 0, labels.length);
        }
        wal.commit();
        int[] ids = new int[BATCH];
        long[] timestamps = new long[BATCH];
        double[] values = new double[BATCH];
        double[] counters = new double[seriesCount];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < SAMPLES; ) {
            int n = 0;
            for (; n < BATCH && i < SAMPLES; n++, i++) {
                int id = i % seriesCount;
                int round = i / seriesCount;
                ids[n] = id;
                timestamps[n] = SyntheticSeries.START_MS + (long) round * SyntheticSeries.SCRAPE_MS + random.nextInt(200);
                if ((id & 1) == 0) {
                    counters[id] += random.nextInt(50); // a counter: integer steps
                    values[n] = counters[id];
                } else {
                    values[n] = 100 + 20 * Math.sin(round * 0.01 + id) + random.nextDouble(); // a noisy gauge
                }
            }
            wal.appendSamples(n, ids, timestamps, values);
            wal.commit();
        }
        snapshots = new SnapshotStore(dir.resolve("snapshots"));
        AggregateSketchSpec spec = AggregateSketchSpec.forWindow(3_600_000L, 225);
        targets = id -> spec;
    }

    @Setup(Level.Invocation)
    public void freshShards() {
        shards = new SketchShard[shardCount];
        for (int s = 0; s < shardCount; s++) {
            shards[s] = new SketchShard(shardCount, new SlabArena((4L << 30) / shardCount, 1 << 20, 64), targets, 256 * 1024);
        }
    }

    @TearDown(Level.Invocation)
    public void closeShards() {
        long applied = 0;
        for (SketchShard s : shards) {
            applied += s.samplesApplied();
            s.close();
        }
        if (applied != SAMPLES) {
            throw new IllegalStateException("applied " + applied + " of " + SAMPLES + " samples");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        wal.close();
        series.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public long replay() throws IOException {
        StartupRecovery.Result r = StartupRecovery.recover(snapshots, series, shards, new BlockCopyShardSnapshot(), wal, dir.resolve("wal"));
        return r.replayedSamples();
    }
}
