package io.weir.bench;

import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xerial.snappy.Snappy;

/**
 * One remote write body per operation: snappy + protobuf decode into a reused {@link DecodedWriteRequest}, and
 * the snappy step alone for comparison. {@code fixture_500x1} is a body a real Prometheus 2.42 sent (500 series,
 * one sample each); the synthetic shapes are series x samples per series.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RemoteWriteDecodeBenchmark extends WeirForkedBenchmark {
    @Param({"fixture_500x1", "synthetic_100x20", "synthetic_10x200"})
    public String request;

    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
    private final DecodedWriteRequest out = new DecodedWriteRequest();
    private byte[] body;
    private byte[] uncompressed;

    @Setup
    public void setUp() throws IOException {
        if (request.equals("fixture_500x1")) {
            try (InputStream in = RemoteWriteDecodeBenchmark.class.getResourceAsStream("/fixtures/req-0001.bin")) {
                body = in.readAllBytes();
            }
        } else {
            String[] shape = request.substring("synthetic_".length()).split("x");
            RemoteWriteEncoder encoder = new RemoteWriteEncoder();
            int length = SyntheticSeries.encode(encoder, 0, Integer.parseInt(shape[0]), Integer.parseInt(shape[1]));
            body = Arrays.copyOf(encoder.compressed(), length);
        }
        int code = decoder.decode(body, 0, body.length, out);
        if (code != RemoteWriteStatus.OK) {
            throw new IllegalStateException("fixture does not decode: " + decoder.errorMessage());
        }
        uncompressed = new byte[out.bufLength()];
        System.out.printf("%n[%s] %d series, %d samples, %d labels, %d B compressed, %d B protobuf%n", request,
            out.seriesCount(), out.sampleCount(), out.labelCount(), body.length, out.bufLength());
    }

    @Benchmark
    public int decode() {
        decoder.decode(body, 0, body.length, out);
        return out.sampleCount();
    }

    @Benchmark
    public int snappyOnly() throws IOException {
        return Snappy.uncompress(body, 0, body.length, uncompressed, 0);
    }
}
