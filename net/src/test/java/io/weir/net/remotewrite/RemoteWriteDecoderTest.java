package io.weir.net.remotewrite;

import io.weir.net.remotewrite.proto.Remote;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Decoded content equals what protobuf-java parses, for random requests and for real Prometheus payloads. */
class RemoteWriteDecoderTest {
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
    private final DecodedWriteRequest out = new DecodedWriteRequest();

    @Test
    void randomRequestsDecodeToWhatProtobufJavaParses() throws Exception {
        Random random = new Random(42);
        RandomRequests requests = new RandomRequests(random);
        long samples = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] raw = requests.request();
            Remote.WriteRequest expected = Remote.WriteRequest.parseFrom(raw);
            byte[] body = Fixtures.snappy(raw);
            int code = decoder.decode(body, 0, body.length, out);
            assertEquals(OK, code, () -> "request " + raw.length + " bytes: " + decoder.errorMessage());
            assertNull(decoder.errorMessage());
            Fixtures.assertSame(expected, out);
            samples += out.sampleCount();
        }
        System.out.println("random round trips: 3000 requests, " + samples + " samples");
    }

    @Test
    void decodesAtAnOffsetInsideALargerArray() throws Exception {
        byte[] raw = new RandomRequests(new Random(7)).request();
        byte[] body = Fixtures.snappy(raw);
        byte[] framed = new byte[body.length + 20];
        java.util.Arrays.fill(framed, (byte) 0xFF);
        System.arraycopy(body, 0, framed, 13, body.length);
        assertEquals(OK, decoder.decode(framed, 13, body.length, out), decoder::errorMessage);
        Fixtures.assertSame(Remote.WriteRequest.parseFrom(raw), out);
    }

    @Test
    void realPrometheusPayloadsDecode() throws Exception {
        int[] expectedSeries = {500, 500, 500, 0, 485};
        for (int f = 0; f < Fixtures.NAMES.length; f++) {
            byte[] body = Fixtures.load(Fixtures.NAMES[f]);
            assertEquals(OK, decoder.decode(body, 0, body.length, out), decoder::errorMessage);
            assertEquals(expectedSeries[f], out.seriesCount(), Fixtures.NAMES[f]);
            Remote.WriteRequest expected = Remote.WriteRequest.parseFrom(Fixtures.unsnappy(body));
            Fixtures.assertSame(expected, out);
            if (expectedSeries[f] == 500) {
                assertEquals(500, out.sampleCount(), Fixtures.NAMES[f]);
                for (int s = 0; s < 500; s++) {
                    assertEquals(1, out.seriesSampleCount(s));
                }
            }
        }
        byte[] metadataOnly = Fixtures.load("req-0021.bin");
        assertEquals(OK, decoder.decode(metadataOnly, 0, metadataOnly.length, out));
        assertEquals(0, out.seriesCount());
        assertEquals(0, out.sampleCount());
        assertEquals(449, out.metadataCount());
    }

    @Test
    void canonicalLabelsOfADecodedSeriesMatchTheSharedEncoding() {
        byte[] body = Fixtures.snappy(Pb.request(Pb.series("zeta", "1", "__name__", "up", "job", "node", "empty", "")));
        assertEquals(OK, decoder.decode(body, 0, body.length, out), decoder::errorMessage);
        byte[] canonical = new byte[out.canonicalLabelsSize(0)];
        assertEquals(canonical.length, out.putCanonicalLabels(0, canonical, 0));
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                io.weir.engine.series.CanonicalLabels.of("__name__", "up", "job", "node", "zeta", "1"), canonical);
    }

    @Test
    void emptyRequestIsOk() {
        byte[] body = Fixtures.snappy(new byte[0]);
        assertEquals(OK, decoder.decode(body, 0, body.length, out));
        assertEquals(0, out.seriesCount());
    }

    @Test
    void seriesWithoutSamplesIsKept() {
        byte[] body = Fixtures.snappy(Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))));
        assertEquals(OK, decoder.decode(body, 0, body.length, out), decoder::errorMessage);
        assertEquals(1, out.seriesCount());
        assertEquals(0, out.seriesSampleCount(0));
    }

    @Test
    void httpStatusOfEachCode() {
        assertEquals(204, RemoteWriteStatus.httpStatus(OK));
        assertEquals(413, RemoteWriteStatus.httpStatus(RemoteWriteStatus.TOO_LARGE));
        for (int code = RemoteWriteStatus.BAD_SNAPPY; code < RemoteWriteStatus.count(); code++) {
            assertEquals(400, RemoteWriteStatus.httpStatus(code), RemoteWriteStatus.name(code));
        }
    }
}
