package io.weir.net.remotewrite;

import io.weir.engine.series.CanonicalLabels;
import io.weir.net.remotewrite.proto.Remote;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the encoder writes is what protobuf-java writes for the same content, and it parses back to that content. */
class RemoteWriteEncoderTest {
    private final RemoteWriteEncoder encoder = new RemoteWriteEncoder();

    @Test
    void randomBatchesMatchProtobufJavaByteForByte() throws Exception {
        Random r = new Random(1234);
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(64 << 20);
        DecodedWriteRequest decoded = new DecodedWriteRequest();
        for (int batch = 0; batch < 300; batch++) {
            encoder.reset();
            Remote.WriteRequest.Builder expected = Remote.WriteRequest.newBuilder();
            int series = r.nextInt(batch % 10 == 0 ? 2_000 : 50);
            int samples = 0;
            for (int s = 0; s < series; s++) {
                TreeMap<String, String> labels = new TreeMap<>((a, b) -> Arrays.compareUnsigned(
                        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        b.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                labels.put("__name__", "m" + r.nextInt(1000));
                for (int i = r.nextInt(12); i > 0; i--) {
                    // long values now and then push label and series lengths past one- and two-byte varints
                    labels.put("l" + r.nextInt(30) + (r.nextBoolean() ? "ü" : ""),
                            "v".repeat(r.nextInt(20) == 0 ? 100 + r.nextInt(20_000) : 1 + r.nextInt(20)));
                }
                String[] pairs = new String[labels.size() * 2];
                int k = 0;
                Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder();
                for (var e : labels.entrySet()) {
                    pairs[k++] = e.getKey();
                    pairs[k++] = e.getValue();
                    ts.addLabels(Remote.Label.newBuilder().setName(e.getKey()).setValue(e.getValue()));
                }
                byte[] canonical = CanonicalLabels.of(pairs);
                byte[] framed = new byte[canonical.length + 7];
                System.arraycopy(canonical, 0, framed, 3, canonical.length);
                encoder.beginSeries(framed, 3, canonical.length);
                for (int i = r.nextInt(r.nextInt(10) == 0 ? 300 : 3); i > 0; i--) {
                    long t = switch (r.nextInt(5)) {
                        case 0 -> 0;
                        case 1 -> -r.nextInt(1000);
                        case 2 -> r.nextLong();
                        default -> 1_700_000_000_000L + r.nextInt(1 << 30);
                    };
                    double v = switch (r.nextInt(6)) {
                        case 0 -> Double.longBitsToDouble(RandomRequests.STALE_NAN);
                        case 1 -> r.nextBoolean() ? 0.0 : -0.0;
                        case 2 -> Double.NaN;
                        case 3 -> Double.NEGATIVE_INFINITY;
                        default -> r.nextGaussian();
                    };
                    encoder.sample(t, v);
                    ts.addSamples(Remote.Sample.newBuilder().setTimestamp(t).setValue(v));
                    samples++;
                }
                encoder.endSeries();
                expected.addTimeseries(ts);
            }
            int len = encoder.finish();
            assertEquals(series, encoder.seriesCount());
            assertEquals(samples, encoder.sampleCount());
            byte[] proto = expected.build().toByteArray();
            assertEquals(proto.length, encoder.uncompressedSize());
            assertArrayEquals(proto, Arrays.copyOf(encoder.uncompressed(), encoder.uncompressedSize()));
            byte[] body = Arrays.copyOf(encoder.compressed(), len);
            assertEquals(expected.build(), Remote.WriteRequest.parseFrom(Fixtures.unsnappy(body)));
            assertEquals(OK, decoder.decode(body, 0, len, decoded), decoder::errorMessage);
            Fixtures.assertSame(expected.build(), decoded);
        }
    }

    @Test
    void emptyBatchIsAValidEmptyRequest() throws Exception {
        encoder.reset();
        int len = encoder.finish();
        assertEquals(0, Remote.WriteRequest.parseFrom(Fixtures.unsnappy(Arrays.copyOf(encoder.compressed(), len)))
                .getTimeseriesCount());
    }

    @Test
    void misuseIsRefused() {
        encoder.reset();
        assertThrows(IllegalStateException.class, () -> encoder.sample(1, 1));
        assertThrows(IllegalStateException.class, encoder::endSeries);
        byte[] labels = CanonicalLabels.of("__name__", "up");
        encoder.beginSeries(labels, 0, labels.length);
        assertThrows(IllegalStateException.class, () -> encoder.beginSeries(labels, 0, labels.length));
        assertThrows(IllegalStateException.class, encoder::finish);
    }
}
