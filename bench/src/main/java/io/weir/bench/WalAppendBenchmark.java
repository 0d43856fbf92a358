package io.weir.bench;

import io.weir.persistence.wal.FsyncPolicy;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The journaler's WAL work for one ring batch of 2,000 samples: a SAMPLES record (column block, zstd level 1,
 * CRC) plus a commit (one positional write to the page cache; fsync NEVER, so the disk is not measured).
 * Shapes are series x samples per series in batch order: {@code 2000x1} is what Prometheus usually sends (one
 * sample per series), {@code 100x20} a backfill-like batch. Segments behind the write position are deleted
 * between iterations so the run does not fill the disk.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WalAppendBenchmark extends WeirForkedBenchmark {
    @Param({"2000x1", "100x20"})
    public String batch;

    private Path dir;
    private WalWriter wal;
    private int count;
    private int[] ids;
    private long[] timestamps;
    private double[] values;
    private long commits;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String[] shape = batch.split("x");
        int series = Integer.parseInt(shape[0]);
        int perSeries = Integer.parseInt(shape[1]);
        count = series * perSeries;
        ids = new int[count];
        timestamps = new long[count];
        values = new double[count];
        SplittableRandom random = new SplittableRandom(3);
        int i = 0;
        for (int s = 0; s < series; s++) {
            double counter = random.nextInt(1_000_000);
            for (int j = 0; j < perSeries; j++, i++) {
                counter += random.nextInt(50);
                ids[i] = 5_000 + s;
                timestamps[i] = SyntheticSeries.START_MS + j * SyntheticSeries.SCRAPE_MS + random.nextInt(200);
                values[i] = counter;
            }
        }
        dir = TempDirs.create("weir-bench-wal-");
        wal = WalWriter.open(dir, WalOptions.defaults().withFsync(FsyncPolicy.NEVER, Duration.ZERO));
    }

    @TearDown(Level.Iteration)
    public void dropOldSegments() throws IOException {
        wal.deleteSegmentsBefore(wal.committedPosition());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        System.out.printf("%n[%s] %d commits, %.2f WAL bytes per sample, %d segments, %d fsyncs%n", batch, commits,
            (double) wal.bytesWritten() / ((double) commits * count), wal.segmentsCreated(), wal.fsyncCount());
        wal.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public long appendAndCommit() throws IOException {
        wal.appendSamples(count, ids, timestamps, values);
        commits++;
        return wal.commit();
    }
}
