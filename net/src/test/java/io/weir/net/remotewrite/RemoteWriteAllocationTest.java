package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Once warmed up, decoding and encoding a request of a size seen before allocate nothing measurable. */
class RemoteWriteAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void decodingAFixtureAllocatesNothingPerSample() {
        assertDecodingAllocatesNothing(new RemoteWriteDecoder(32 << 20), "decode");
    }

    @Test
    void decodingWithKnownLabelSetsAllocatesNothingPerSample() {
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
        // half of the sets known (by a bit of the key): deferred ones and ones decoded after the parse, both paths
        decoder.deferKnownLabels((hi, lo) -> (lo & 1) == 0);
        assertDecodingAllocatesNothing(decoder, "decode, half the sets known");
    }

    private static void assertDecodingAllocatesNothing(RemoteWriteDecoder decoder, String what) {
        byte[] body = Fixtures.load("req-0001.bin");
        DecodedWriteRequest out = new DecodedWriteRequest();
        for (int i = 0; i < 3_000; i++) {
            decoder.decode(body, 0, body.length, out);
        }
        int rounds = 1_000;
        int failures = 0;
        long samples = 0;
        long t0 = System.nanoTime();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            if (decoder.decode(body, 0, body.length, out) != OK) {
                failures++;
            }
            samples += out.sampleCount();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long nanos = System.nanoTime() - t0;
        assertEquals(0, failures);
        double perSample = (double) allocated / samples;
        System.out.printf(what + ": %d bytes allocated over %d requests, %.4f bytes/sample; %.0f ns/request, %.1f M samples/s%n",
                allocated, rounds, perSample, (double) nanos / rounds, samples * 1e3 / nanos);
        assertTrue(perSample < 1.0, "allocated " + perSample + " bytes/sample");
    }

    @Test
    void decodingARemoteWrite2RequestAndWritingItsExtrasAllocatesNothing() throws Exception {
        // the fixture's content as 2.0, plus an exemplar and a histogram on every tenth series
        io.weir.net.remotewrite.proto.Remote.WriteRequest v1 = io.weir.net.remotewrite.proto.Remote.WriteRequest.parseFrom(
                Fixtures.unsnappy(Fixtures.load("req-0001.bin")));
        io.weir.net.remotewrite.proto.WriteV2.Request plain = RandomV2Requests.from(v1);
        var b = plain.toBuilder();
        RandomV2Requests random = new RandomV2Requests(new java.util.Random(3));
        for (int s = 0; s < b.getTimeseriesCount(); s += 10) {
            b.getTimeseriesBuilder(s).addHistograms(random.histogram(1_700_000_000_000L))
                    .addExemplars(io.weir.net.remotewrite.proto.WriteV2.Exemplar.newBuilder().addLabelsRefs(1).addLabelsRefs(2).setValue(1));
        }
        byte[] body = Fixtures.snappy(b.build().toByteArray());
        RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(32 << 20);
        DecodedWriteRequest out = new DecodedWriteRequest();
        byte[] slot = new byte[1 << 20];
        for (int i = 0; i < 3_000; i++) {
            decoder.decode(body, 0, body.length, out);
            out.writeExtras(slot, 0);
        }
        int rounds = 1_000;
        int failures = 0;
        long samples = 0;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            if (decoder.decode(body, 0, body.length, out) != OK || out.writeExtras(slot, 0) != out.extrasLength()) {
                failures++;
            }
            samples += out.sampleCount() + out.histogramCount();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, failures, decoder.errorMessage());
        double perSample = (double) allocated / samples;
        System.out.printf("decode 2.0 + extras: %d bytes allocated over %d requests, %.4f bytes/sample%n", allocated, rounds, perSample);
        assertTrue(perSample < 1.0, "allocated " + perSample + " bytes/sample");
    }

    @Test
    void encodingABatchAllocatesNothingPerSample() {
        byte[] body = Fixtures.load("req-0001.bin");
        DecodedWriteRequest in = new DecodedWriteRequest();
        assertEquals(OK, new RemoteWriteDecoder(32 << 20).decode(body, 0, body.length, in));
        byte[] labels = new byte[64 * 1024];
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        for (int i = 0; i < 2_000; i++) {
            encode(in, labels, encoder);
        }
        int rounds = 1_000;
        long samples = 0;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            encode(in, labels, encoder);
            samples += encoder.sampleCount();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        double perSample = (double) allocated / samples;
        System.out.printf("encode: %d bytes allocated over %d batches, %.4f bytes/sample%n", allocated, rounds, perSample);
        assertTrue(perSample < 1.0, "allocated " + perSample + " bytes/sample");
    }

    private static void encode(DecodedWriteRequest in, byte[] labels, RemoteWriteEncoder encoder) {
        encoder.reset();
        for (int s = 0; s < in.seriesCount(); s++) {
            int len = in.putCanonicalLabels(s, labels, 0);
            encoder.beginSeries(labels, 0, len);
            for (int i = in.seriesFirstSample(s), end = i + in.seriesSampleCount(s); i < end; i++) {
                encoder.sample(in.timestamp(i), in.value(i));
            }
            encoder.endSeries();
        }
        encoder.finish();
    }
}
