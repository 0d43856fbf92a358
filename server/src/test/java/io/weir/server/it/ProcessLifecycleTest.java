package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.engine.series.CanonicalLabels;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node as an OS process: it logs a ready line, exits 0 on SIGTERM, and after kill -9 restarts with every
 * sample it acknowledged (the WAL is replayed into the sketches; the series table survives).
 */
class ProcessLifecycleTest {
    private static final Map<String, String> REMOTE_WRITE_HEADERS = Map.of("Content-Encoding", "snappy",
            "Content-Type", "application/x-protobuf", "X-Prometheus-Remote-Write-Version", "0.1.0");

    /** One request: {@code series} series of metric {@code name}, {@code samples} samples each, 1 s apart from {@code t0}. */
    static byte[] request(String name, int series, int samples, long t0) {
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        e.reset();
        for (int s = 0; s < series; s++) {
            byte[] labels = CanonicalLabels.of("__name__", name, "instance", "host-" + s, "job", "lifecycle");
            e.beginSeries(labels, 0, labels.length);
            for (int i = 0; i < samples; i++) {
                e.sample(t0 + i * 1000L, s * 1000 + i);
            }
            e.endSeries();
        }
        int n = e.finish();
        return Arrays.copyOf(e.compressed(), n);
    }

    @Test
    void readyLineSigtermExitsZeroAndKill9LosesNothingAcknowledged() throws Exception {
        Path data = ExternalProcess.tempDir("lifecycle-data");
        long t0 = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        try {
            WeirProcess first = WeirProcess.start(data);
            try {
                for (int r = 0; r < 10; r++) {
                    Http.Response w = Http.post(first.url() + "/api/v1/write", request("lifecycle_metric", 20, 10, t0 + r * 10_000L), REMOTE_WRITE_HEADERS);
                    assertEquals(204, w.status(), w.body());
                }
                int exit = first.terminate(Duration.ofSeconds(30));
                assertEquals(0, exit, "SIGTERM must flush and exit 0:\n" + first.log());
                assertTrue(first.log().contains("weir ready: listening on 127.0.0.1:" + first.port()), first.log());
            } finally {
                first.close();
            }

            WeirProcess second = WeirProcess.start(data);
            try {
                assertCounts(second, 20, 100, t0 + 100_000L);
                // more acknowledged writes, then no chance to flush anything
                for (int r = 10; r < 20; r++) {
                    assertEquals(204, Http.post(second.url() + "/api/v1/write", request("lifecycle_metric", 20, 10, t0 + r * 10_000L), REMOTE_WRITE_HEADERS).status());
                }
                second.kill();
            } finally {
                second.close();
            }

            WeirProcess third = WeirProcess.start(data);
            try {
                assertCounts(third, 20, 200, t0 + 200_000L);
                assertTrue(third.log().contains("samples replayed from the WAL"), third.log());
            } finally {
                third.close();
            }
        } finally {
            ExternalProcess.deleteRecursively(data);
        }
    }

    /** Every series is back with all its samples, answered from sketches. */
    private static void assertCounts(WeirProcess node, int series, int samplesPerSeries, long end) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query",
                "count_over_time(lifecycle_metric[" + (samplesPerSeries + 60) + "s])", "time", Long.toString(end / 1000)));
        assertEquals(200, r.status(), r.body() + "\n" + node.log());
        assertEquals("sketch", r.header("X-Weir-Source"), r.header("X-Weir-Fallback"));
        JsonNode result = r.json().get("data").get("result");
        assertEquals(series, result.size(), r.body());
        for (JsonNode s : result) {
            assertEquals(Integer.toString(samplesPerSeries), s.get("value").get(1).asText(), s.toString());
        }
    }
}
