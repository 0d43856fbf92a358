package io.weir.bench;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.IngestTicket;
import io.weir.engine.series.SeriesTable;
import io.weir.net.ingest.IngestLimits;
import io.weir.net.ingest.IngestPath;
import io.weir.net.load.RemoteWritePayloads;
import io.weir.net.load.SeriesCatalog;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import java.nio.file.Path;
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
 * What one remote write 1.0 request costs the event loop, minus Netty: snappy + protobuf decode into the loop's
 * reused {@link DecodedWriteRequest}, then {@link IngestPath.Writer#publish} with the default {@code limits.*}
 * (checks, series ids from the loop's front cache, ring publish). The bodies are the ingest comparison's
 * ({@link RemoteWritePayloads}: {@link SeriesCatalog} series, 2,000 series of one sample per request, as Prometheus
 * sends), cycling over all {@code seriesCount} series, every series already known (the steady state). The ring is
 * the production shape with consumers that only count; a publish that finds it full is retried.
 * {@code decodeOnly} is the first half alone, on the same bodies, every label set decoded.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RemoteWriteRequestBenchmark extends WeirForkedBenchmark {
    private static final int SAMPLES_PER_REQUEST = 2_000;
    private static final IngestTicket NO_TICKET = new IngestTicket() {
        @Override public void durable() { }
        @Override public void failed(String reason) { }
    };

    @Param({"10000", "100000"})
    public int seriesCount;

    /**
     * {@code defer}: {@code publish}'s decoder leaves the label sets its writer resolved before undecoded, as the
     * remote write endpoint's does ({@link RemoteWriteDecoder#deferKnownLabels}); {@code decode}: every set decoded,
     * as before that existed (and as {@code decodeOnly} always does, having no writer).
     */
    @Param({"defer", "decode"})
    public String knownLabels;

    private byte[][] bodies;
    private int next;
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
    private final DecodedWriteRequest request = new DecodedWriteRequest();
    private Node deferringFor;

    /**
     * The series table and the ring, only in {@code publish}'s fork: their threads (the ring's consumers wait with a
     * timeout, and each wait allocates a little) would otherwise count in {@code decodeOnly}'s {@code -prof gc}.
     */
    @State(Scope.Thread)
    public static class Node {
        private Path dir;
        private SeriesTable table;
        private IngestRing ring;
        private IngestPath.Writer writer;
        private long ringFullRetries;

        @Setup(Level.Trial)
        @SuppressWarnings({"unchecked", "rawtypes"}) // generic array of handlers, as IngestRing takes it
        public void setUp(RemoteWriteRequestBenchmark requests) {
            dir = TempDirs.create("weir-bench-request-");
            table = SeriesTable.open(dir, requests.seriesCount);
            EventHandler<IngestBatch>[] writers = new EventHandler[] {(EventHandler<IngestBatch>) (b, s, e) -> { }};
            ring = new IngestRing(1024, 2048, (batch, sequence, endOfBatch) -> { }, writers);
            ring.start();
            IngestPath path = new IngestPath(table, ring, new IngestStats(), () -> false,
                new IngestLimits(IngestLimits.Config.defaults(), table::size));
            writer = path.newWriter();
            for (int i = 0; i < requests.bodies.length; i++) { // every series created: the timed part is the steady state
                requests.publish(this);
            }
            if (table.size() != requests.seriesCount) {
                throw new IllegalStateException(table.size() + " series after one pass, expected " + requests.seriesCount);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ring.close();
            System.out.printf("%n[series=%d] ring-full retries=%d%n", table.size(), ringFullRetries);
            table.close();
            TempDirs.delete(dir);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        RemoteWritePayloads payloads = RemoteWritePayloads.build(SeriesCatalog.of(seriesCount), 1, SAMPLES_PER_REQUEST,
            seriesCount, 15_000, SyntheticSeries.START_MS);
        bodies = payloads.bodies(0);
    }

    private byte[] nextBody() {
        byte[] body = bodies[next];
        next = next + 1 == bodies.length ? 0 : next + 1;
        return body;
    }

    private void decode(byte[] body) {
        if (decoder.decode(body, 0, body.length, request) != RemoteWriteStatus.OK) {
            throw new IllegalStateException(decoder.errorMessage());
        }
    }

    @Benchmark
    public int publish(Node node) {
        if (deferringFor != node && knownLabels.equals("defer")) {
            // here, not in Node's setup: JMH hands that setup an instance of this class other than the one measured
            decoder.deferKnownLabels(node.writer.knownLabelSets());
            deferringFor = node;
        }
        decode(nextBody());
        int outcome;
        while ((outcome = node.writer.publish(request, NO_TICKET)) == IngestPath.RING_FULL) {
            node.ringFullRetries++;
            Thread.onSpinWait();
        }
        if (outcome != IngestPath.PUBLISHED) {
            throw new IllegalStateException("publish outcome " + outcome);
        }
        return request.sampleCount();
    }

    @Benchmark
    public int decodeOnly() {
        decode(nextBody());
        return request.sampleCount();
    }
}
