package io.weir.net.backend;

import com.sun.net.httpserver.HttpServer;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.weir.persistence.wal.FsyncPolicy;
import io.weir.persistence.wal.WalOptions;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection the real backends cannot do on demand: a fake remote-write receiver that fails in chosen ways.
 * The forwarder must retry 5xx, 429 and connection failures until every sample arrives, drop (and count) only
 * batches refused with other 4xx, and resume from its persisted cursor after a restart.
 */
class ForwarderFaultTest {
    @TempDir
    Path dir;
    private HttpServer fake;
    private final ConcurrentHashMap<Long, Double> received = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile IntSupplier status = () -> 204;
    private SeriesTable series;
    private WalWriter wal;

    @BeforeEach
    void start() throws Exception {
        fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(64 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        fake.createContext("/api/v1/write", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int code = status.getAsInt();
            requests.incrementAndGet();
            if (code == 204) {
                synchronized (decoder) {
                    assertEquals(RemoteWriteStatus.OK, decoder.decode(body, 0, body.length, d), decoder.errorMessage());
                    for (int i = 0; i < d.sampleCount(); i++) {
                        received.put(d.timestamp(i), d.value(i));
                    }
                }
            }
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        fake.start();
        series = SeriesTable.open(dir.resolve("series"), 1024);
        wal = WalWriter.open(dir.resolve("wal"), WalOptions.defaults().withFsync(FsyncPolicy.NEVER, Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() throws Exception {
        fake.stop(0);
        wal.close();
        series.close();
    }

    private void writeSamples(int from, int to) throws Exception {
        int id = series.getOrCreate(CanonicalLabels.of("__name__", "m", "job", "t"));
        int n = to - from;
        int[] ids = new int[n];
        long[] ts = new long[n];
        double[] vs = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id;
            ts[i] = from + i;
            vs[i] = (from + i) * 2.0;
        }
        wal.appendSamples(n, ids, ts, vs);
        wal.commit();
    }

    /** Backfilled history with timestamps in [from, to) and value -1 - t, so a forwarded one shows as a wrong value. */
    private void writeBackfill(int from, int to) throws Exception {
        int id = series.getOrCreate(CanonicalLabels.of("__name__", "m", "job", "t"));
        int n = to - from;
        int[] ids = new int[n];
        long[] ts = new long[n];
        double[] vs = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id;
            ts[i] = from + i;
            vs[i] = -1 - (from + i);
        }
        wal.appendBackfillSamples(n, ids, ts, vs);
        wal.commit();
    }

    private Forwarder forwarder(BackendClient client) throws Exception {
        ForwarderCursor cursor = new ForwarderCursor(dir.resolve("forwarder.cursor"));
        long from = cursor.load(WalReader.OLDEST);
        return new Forwarder(WalReader.open(dir.resolve("wal"), from), from, wal::committedPosition, series, client, cursor, 500);
    }

    private BackendClient client() {
        return new BackendClient(URI.create("http://127.0.0.1:" + fake.getAddress().getPort()), null, Duration.ofSeconds(5),
                Executors.newVirtualThreadPerTaskExecutor());
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void serverErrorsAndThrottlingAreRetriedUntilEverySampleArrives() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        status = () -> switch (calls.getAndIncrement() % 4) {
            case 0 -> 500;
            case 1 -> 429;
            case 2 -> 503;
            default -> 204;
        };
        writeSamples(0, 3_000);
        try (BackendClient c = client()) {
            Forwarder f = forwarder(c);
            f.start();
            await(() -> received.size() == 3_000, "all samples through a failing backend");
            // the backend stores a batch before the forwarder reads its answer and counts it
            await(() -> f.samplesSent() == 3_000, "the last batch counted as sent");
            assertTrue(f.retries() >= 3, "retries counted: " + f.retries());
            assertEquals(0, f.samplesDropped());
            assertEquals(3_000, f.samplesSent());
            f.close();
        }
        for (int i = 0; i < 3_000; i++) {
            assertEquals(i * 2.0, received.get((long) i));
        }
    }

    @Test
    void backfilledSamplesAreSkippedAndCountedNeverSentBack() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        status = () -> calls.getAndIncrement() % 3 == 0 ? 503 : 204; // retries must not resend backfill either
        writeSamples(0, 1_000);
        writeBackfill(10_000, 12_000);
        writeSamples(1_000, 2_000);
        writeBackfill(12_000, 12_500);
        try (BackendClient c = client()) {
            Forwarder f = forwarder(c);
            f.start();
            await(() -> f.samplesSent() == 2_000 && f.backfillSkipped() == 2_500
                    && f.ackedPosition() == wal.committedPosition(), "live samples sent, backfill passed over");
            f.close();
        }
        assertEquals(2_000, received.size(), "only the live samples reached the backend");
        for (int i = 0; i < 2_000; i++) {
            assertEquals(i * 2.0, received.get((long) i), "live sample " + i);
        }
    }

    @Test
    void anUnreachableBackendCostsTimeNotData() throws Exception {
        writeSamples(0, 1_000);
        int port = fake.getAddress().getPort();
        fake.stop(0);
        BackendClient down = new BackendClient(URI.create("http://127.0.0.1:" + port), null, Duration.ofSeconds(2),
                Executors.newVirtualThreadPerTaskExecutor());
        Forwarder f = forwarder(down);
        f.start();
        await(() -> f.retries() >= 2, "retries while the backend is down");
        assertEquals(0, f.samplesSent());
        f.close();
        down.close();
        // the backend comes back on the same port; a new forwarder resumes from the persisted cursor
        fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(64 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        fake.createContext("/api/v1/write", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            synchronized (decoder) {
                decoder.decode(body, 0, body.length, d);
                for (int i = 0; i < d.sampleCount(); i++) {
                    received.put(d.timestamp(i), d.value(i));
                }
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        fake.start();
        writeSamples(1_000, 1_500);
        try (BackendClient c = client()) {
            Forwarder again = forwarder(c);
            again.start();
            await(() -> received.size() == 1_500, "everything written while the backend was down");
            again.close();
        }
    }

    @Test
    void clientErrorsDropTheBatchCountedAndMoveOn() throws Exception {
        status = () -> 400;
        writeSamples(0, 1_000);
        try (BackendClient c = client()) {
            Forwarder f = forwarder(c);
            f.start();
            await(() -> f.samplesDropped() == 1_000, "refused batches counted as dropped");
            assertEquals(0, f.retries(), "a 400 is never retried");
            assertTrue(f.lastError().contains("400"), f.lastError());
            status = () -> 204;
            writeSamples(1_000, 1_200);
            await(() -> received.size() == 200, "later batches still flow");
            f.close();
        }
    }
}
