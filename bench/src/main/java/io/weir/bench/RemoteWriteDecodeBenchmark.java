package io.weir.bench;

import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWrite2Decoder;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.weir.net.remotewrite.SnappyProtobufDecoder;
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
 * one sample each); the synthetic shapes are series x samples per series. {@code version} 2 is the same content
 * re-encoded as remote write 2.0 (symbol table, labels_refs) and read by {@link RemoteWrite2Decoder}.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RemoteWriteDecodeBenchmark extends WeirForkedBenchmark {
    @Param({"fixture_500x1", "synthetic_100x20", "synthetic_10x200"})
    public String request;

    @Param({"1", "2"})
    public int version;

    private SnappyProtobufDecoder decoder;
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
        decoder = new RemoteWriteDecoder(32 << 20);
        int code = decoder.decode(body, 0, body.length, out);
        if (code != RemoteWriteStatus.OK) {
            throw new IllegalStateException("fixture does not decode: " + decoder.errorMessage());
        }
        if (version == 2) {
            int samples = out.sampleCount();
            body = RemoteWrite2Bodies.snappyV2(out);
            decoder = new RemoteWrite2Decoder(32 << 20);
            code = decoder.decode(body, 0, body.length, out);
            if (code != RemoteWriteStatus.OK || out.sampleCount() != samples) {
                throw new IllegalStateException("2.0 body does not decode to the same samples: " + decoder.errorMessage());
            }
        }
        uncompressed = new byte[out.bufLength()];
        System.out.printf("%n[%s v%d] %d series, %d samples, %d labels, %d B compressed, %d B protobuf%n", request, version,
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
