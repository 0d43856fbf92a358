package io.weir.server;

import io.weir.server.it.ExternalProcess;
import io.weir.server.it.RemoteWriteBodies;
import io.weir.server.it.RemoteWriteBodies.Series;
import io.weir.server.it.VictoriaMetricsProcess;
import io.weir.server.it.WeirTestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tunables that used to be constants of the node take effect when set to other values than their defaults. */
class ConfiguredTunablesTest {
    private final long base = (System.currentTimeMillis() / 60_000 - 10) * 60_000;

    @Test
    void aShardReservesItsMemoryInChunksOfStorageSlabChunk() throws Exception {
        try (WeirTestNode node = WeirTestNode.start("storage: {slab_chunk: 256KiB}\ningest: {shards: 1}\n")) {
            assertEquals(204, RemoteWriteBodies.post(node.url(),
                    RemoteWriteBodies.body(Series.of(base, 1.0, "__name__", "chunk_metric"))).status());
            var shard = node.node().shards()[0];
            await("the sample applied to the sketches", shard::samplesApplied, 1);
            assertEquals(256 << 10, shard.bytesReserved(), "one chunk of 256 KiB, not the default 1 MiB");
        }
    }

    /**
     * Five requests of one sample each are five WAL records; a node that starts on that WAL with a backend forwards
     * them two records at a time: 2 + 2 + 1 samples (with the default 10,000, one request would carry all five).
     */
    @Test
    void theForwarderBatchesBackendForwardBatchSamples() throws Exception {
        Path dir = ExternalProcess.tempDir("forward-batch");
        try (VictoriaMetricsProcess vm = VictoriaMetricsProcess.start()) {
            try (WeirTestNode node = WeirTestNode.start("", dir)) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(204, RemoteWriteBodies.post(node.url(),
                            RemoteWriteBodies.body(Series.of(base + i * 15_000L, i, "__name__", "batch_metric"))).status());
                }
            }
            try (WeirTestNode node = WeirTestNode.start("backend: {url: '" + vm.url() + "', forward_batch_samples: 2}\n", dir)) {
                var forwarder = node.node().forwarder();
                await("all five samples forwarded", forwarder::samplesSent, 5);
                assertEquals(3, forwarder.requestsSent(), "requests of 2, 2 and 1 samples");
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    private static void await(String what, LongSupplier value, long expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long seen;
        while ((seen = value.getAsLong()) < expected) {
            assertTrue(System.nanoTime() < deadline, what + ": " + seen + " of " + expected);
            LockSupport.parkNanos(10_000_000L);
        }
        assertEquals(expected, seen, what);
    }
}
