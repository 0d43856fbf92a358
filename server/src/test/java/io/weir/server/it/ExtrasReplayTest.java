package io.weir.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.server.it.proto.WriteV2;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A WAL that holds EXTRAS records (histograms, exemplars, metadata) beside SAMPLES replays into sketches on restart:
 * the extras are skipped, every float sample before and after them is applied (exact count_over_time).
 */
class ExtrasReplayTest {
    @Test
    void sketchesAreRebuiltAroundExtrasRecords() throws Exception {
        long base = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        Path dir = ExternalProcess.tempDir("extras-replay");
        try {
            String before;
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: always}\n", dir)) {
                for (int round = 0; round < 3; round++) {
                    Http.Response r = Http.post(node.url() + "/api/v1/write", RemoteWriteBodies.snappy(request(base, round).toByteArray()),
                            RemoteWrite2BackendTest.V2_HEADERS);
                    assertEquals(204, r.status(), r.body());
                    assertEquals("4", r.header("X-Prometheus-Remote-Write-Samples-Written"));
                    assertEquals("1", r.header("X-Prometheus-Remote-Write-Histograms-Written"));
                }
                before = count(node, base);
                assertEquals("12", before);
            }
            try (WeirTestNode node = WeirTestNode.start("wal: {fsync: always}\n", dir)) {
                assertEquals(before, count(node, base), "count_over_time after a replay over EXTRAS records");
            }
        } finally {
            ExternalProcess.deleteRecursively(dir);
        }
    }

    /** Round r: 4 float samples of replay_metric, a histogram of replay_hist, an exemplar and metadata. */
    private static WriteV2.Request request(long base, int round) {
        long t = base + round * 60_000L;
        WriteV2.TimeSeries.Builder floats = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 2))
                .addExemplars(WriteV2.Exemplar.newBuilder().addAllLabelsRefs(List.of(4, 5)).setValue(1).setTimestamp(t))
                .setMetadata(WriteV2.Metadata.newBuilder().setTypeValue(1).setHelpRef(6));
        for (int i = 0; i < 4; i++) {
            floats.addSamples(WriteV2.Sample.newBuilder().setTimestamp(t + i * 10_000L).setValue(round * 10 + i));
        }
        WriteV2.TimeSeries.Builder hist = WriteV2.TimeSeries.newBuilder().addAllLabelsRefs(List.of(1, 3))
                .addHistograms(WriteV2.Histogram.newBuilder().setCountInt(2).setSum(1).setSchema(0)
                        .addPositiveSpans(WriteV2.BucketSpan.newBuilder().setLength(1)).addPositiveDeltas(2).setTimestamp(t));
        return WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "replay_metric", "replay_hist", "trace_id",
                "r" + round, "help")).addTimeseries(floats).addTimeseries(hist).build();
    }

    private static String count(WeirTestNode node, long base) throws Exception {
        Http.Response r = Http.get(node.url(), "/api/v1/query", Http.params("query", "count_over_time(replay_metric[5m])",
                "time", Long.toString((base + 180_000) / 1000)));
        assertEquals(200, r.status(), r.body());
        assertEquals("sketch", r.header("X-Weir-Source"), r.body());
        JsonNode result = r.json().path("data").path("result");
        assertEquals(1, result.size(), r.body());
        return result.get(0).path("value").get(1).asText();
    }
}
