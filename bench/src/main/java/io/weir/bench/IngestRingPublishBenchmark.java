package io.weir.bench;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestPublisher;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestTicket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Ring handoff of one 2,000-sample request: claim, copy (grouped by shard), publish, with the production ring
 * (1024 slots x 2048 samples) and consumers that only count. A publish that finds the ring full is retried
 * after {@link Thread#onSpinWait()}, so the score is the steady-state rate of the whole handoff (producer copy,
 * wake-ups, consumers' sequence tracking) rather than the producer alone; the retry count is printed.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IngestRingPublishBenchmark extends WeirForkedBenchmark {
    private static final int SAMPLES = 2_000;
    private static final IngestTicket NO_TICKET = new IngestTicket() {
        @Override public void durable() { }
        @Override public void failed(String reason) { }
    };

    @Param({"1", "2"})
    public int shards;

    private IngestRing ring;
    private IngestPublisher publisher;
    private final AtomicLong journaled = new AtomicLong();
    private final int[] ids = new int[SAMPLES];
    private final long[] timestamps = new long[SAMPLES];
    private final double[] values = new double[SAMPLES];
    private long fullRetries;
    private long published;

    @Setup(Level.Trial)
    @SuppressWarnings({"unchecked", "rawtypes"}) // generic array of handlers, as IngestRing takes it
    public void setUp() {
        for (int i = 0; i < SAMPLES; i++) {
            ids[i] = i;
            timestamps[i] = SyntheticSeries.START_MS + i;
            values[i] = i;
        }
        EventHandler<IngestBatch> journaler = (batch, sequence, endOfBatch) -> journaled.lazySet(sequence);
        EventHandler<IngestBatch>[] writers = new EventHandler[shards];
        for (int s = 0; s < shards; s++) {
            writers[s] = (batch, sequence, endOfBatch) -> { };
        }
        ring = new IngestRing(1024, 2048, journaler, writers);
        ring.start();
        publisher = ring.newPublisher();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.close();
        System.out.printf("%n[shards=%d] published=%d fullRetries=%d consumerErrors=%d%n", shards, published,
            fullRetries, ring.consumerErrors());
    }

    @Benchmark
    public void publish() {
        while (!publisher.publish(ids, timestamps, values, SAMPLES, NO_TICKET)) {
            fullRetries++;
            Thread.onSpinWait();
        }
        published++;
    }
}
