package io.weir.bench;

import io.weir.net.ingest.IngestRelabeling;
import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What {@code ingest.relabel_configs} costs per request of {@code seriesCount} series (one sample each, as Prometheus
 * sends): {@code decode} alone is the baseline; {@code decodeAndRelabel} adds relabeling with a warm per-thread
 * cache (the steady state: every label set seen before), and {@code decodeAndRelabelColdCache} with an empty one
 * (every series relabeled from scratch, as for a request of new series). Rule sets: {@code unchanged} (a keep rule
 * that keeps everything), {@code rewrite} (a replace and a labeldrop that change every series), {@code drop} (3 of
 * the 8 metric names dropped).
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IngestRelabelBenchmark extends WeirForkedBenchmark {
    @Param({"500"})
    public int seriesCount;

    @Param({"unchanged", "rewrite", "drop"})
    public String rules;

    private byte[] body;
    private int length;
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(256 << 20);
    private final DecodedWriteRequest request = new DecodedWriteRequest();
    private IngestRelabeling relabeling;
    private IngestRelabeling.RequestRelabeler warm;

    @Setup(Level.Trial)
    public void setUp() {
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        length = SyntheticSeries.encode(encoder, 0, seriesCount, 1);
        body = encoder.compressed().clone();
        relabeling = new IngestRelabeling(switch (rules) {
            case "unchanged" -> List.of(RelabelRule.of(RelabelAction.KEEP, List.of("__name__"), ";", ".+", 0, null, "$1"));
            case "rewrite" -> List.of(
                    RelabelRule.of(RelabelAction.REPLACE, List.of("namespace", "container"), "/", "(.+)/(.+)", 0, "workload", "$1/$2"),
                    RelabelRule.of(RelabelAction.LABELDROP, List.of(), ";", "pod", 0, null, "$1"));
            case "drop" -> List.of(RelabelRule.of(RelabelAction.DROP, List.of("__name__"), ";", "http_request_duration_seconds_.*", 0, null, "$1"));
            default -> throw new IllegalArgumentException(rules);
        });
        warm = relabeling.newRelabeler();
        decodeAndRelabel();
    }

    private void decode() {
        if (decoder.decode(body, 0, length, request) != RemoteWriteStatus.OK) {
            throw new IllegalStateException(decoder.errorMessage());
        }
    }

    @Benchmark
    public int decodeOnly() {
        decode();
        return request.seriesCount();
    }

    @Benchmark
    public int decodeAndRelabel() {
        decode();
        warm.apply(request);
        return request.seriesCount();
    }

    @Benchmark
    public int decodeAndRelabelColdCache() {
        decode();
        relabeling.newRelabeler().apply(request);
        return request.seriesCount();
    }
}
