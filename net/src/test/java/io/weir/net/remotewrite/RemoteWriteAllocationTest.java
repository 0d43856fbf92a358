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
        byte[] body = Fixtures.load("req-0001.bin");
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
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
        System.out.printf("decode: %d bytes allocated over %d requests, %.4f bytes/sample; %.0f ns/request, %.1f M samples/s%n",
                allocated, rounds, perSample, (double) nanos / rounds, samples * 1e3 / nanos);
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
