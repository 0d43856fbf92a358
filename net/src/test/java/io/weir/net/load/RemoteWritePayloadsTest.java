package io.weir.net.load;

import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decodes every body of a small pool with Weir's own decoder and checks what the benchmark relies on. */
class RemoteWritePayloadsTest {

    @Test
    void everySeriesStaysOnOneSenderWithTimestampsOneIntervalApart() {
        SeriesCatalog catalog = SeriesCatalog.of(1_000);
        RemoteWritePayloads p = RemoteWritePayloads.build(catalog, 3, 700, 20_000, 15_000, 1_800_000_000_000L);
        assertEquals(20, p.rounds());
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        Map<ByteBuffer, long[]> last = new HashMap<>(); // labels -> {timestamp, value bits, sender, samples}
        long samples = 0;
        for (int s = 0; s < p.senders(); s++) {
            byte[][] bodies = p.bodies(s);
            for (int b = 0; b < bodies.length; b++) {
                assertEquals(RemoteWriteStatus.OK, decoder.decode(bodies[b], 0, bodies[b].length, d), decoder.errorMessage());
                assertEquals(p.samplesIn(s, b), d.sampleCount());
                for (int series = 0; series < d.seriesCount(); series++) {
                    assertEquals(1, d.seriesSampleCount(series), "one sample per series entry, as Prometheus sends");
                    byte[] labels = new byte[d.canonicalLabelsSize(series)];
                    d.putCanonicalLabels(series, labels, 0);
                    int i = d.seriesFirstSample(series);
                    long[] prev = last.get(ByteBuffer.wrap(labels));
                    if (prev != null) {
                        assertEquals(prev[2], s, "a series stays on one sender");
                        assertEquals(prev[0] + 15_000, d.timestamp(i), "one scrape interval after the previous sample");
                    }
                    last.put(ByteBuffer.wrap(labels), new long[] {d.timestamp(i), Double.doubleToLongBits(d.value(i)), s,
                            prev == null ? 1 : prev[3] + 1});
                    samples++;
                }
            }
        }
        assertEquals(1_000, last.size());
        assertEquals(p.totalSamples(), samples);
        for (long[] v : last.values()) {
            assertEquals(20, v[3]);
            assertTrue(v[0] <= 1_800_000_000_000L && v[0] > 1_800_000_000_000L - 2 * 15_000);
        }
    }

    @Test
    void counterValuesNeverDecreaseAndLabelSetsAreDistinct() {
        SeriesCatalog catalog = SeriesCatalog.of(10_000);
        Set<ByteBuffer> distinct = new HashSet<>();
        for (int s = 0; s < catalog.size(); s++) {
            distinct.add(ByteBuffer.wrap(catalog.labels(s)));
            if (catalog.isCounter(s)) {
                for (int r = 0; r < 50; r++) {
                    assertTrue(catalog.value(s, r + 1) > catalog.value(s, r), "counter " + s + " round " + r);
                }
            }
        }
        assertEquals(10_000, distinct.size());
    }

    @Test
    void roundsSentFollowsTheStreamOrder() {
        RemoteWritePayloads p = RemoteWritePayloads.build(SeriesCatalog.of(10), 2, 3, 40, 15_000, 1_800_000_000_000L);
        // sender 0 owns series 0, 2, 4, 6, 8: its stream is round 0 of them, then round 1, ...; 3 samples a body
        assertEquals(1, p.roundsSent(0, 1));
        assertEquals(0, p.roundsSent(6, 1));
        assertEquals(1, p.roundsSent(6, 2));
        assertEquals(2, p.roundsSent(0, 2));
        assertEquals(4, p.roundsSent(8, 100));
    }

    @Test
    void latencyQuantilesStayWithinTwoPercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 100_000; i++) {
            h.record(i);
        }
        assertEquals(50_000, h.quantileMicros(0.5), 50_000 * 0.02);
        assertEquals(99_000, h.quantileMicros(0.99), 99_000 * 0.02);
        LatencyHistogram one = new LatencyHistogram();
        one.record(100);
        assertEquals(100, one.quantileMicros(0.99), "exact below 128 µs");
    }
}
