package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoder that leaves known label sets undecoded ({@link RemoteWriteDecoder#deferKnownLabels}) against one that
 * decodes everything, over the same bodies: the same outcome and message for every body (random valid ones, mutated
 * ones), the same series, samples, extras and keys, and for each series either its labels exactly as decoded whole
 * or a deferral whose key names a set decoded whole before. "Known" here is what a resolver would hold: the keys of
 * series from requests that decoded OK.
 */
class DeferredLabelsDecodeTest {
    private final Set<List<Long>> known = new HashSet<>();
    private final RemoteWriteDecoder whole = new RemoteWriteDecoder(32 << 20);
    private final RemoteWriteDecoder deferring = new RemoteWriteDecoder(32 << 20);
    private final DecodedWriteRequest expected = new DecodedWriteRequest();
    private final DecodedWriteRequest actual = new DecodedWriteRequest();
    private int deferredSeries;

    DeferredLabelsDecodeTest() {
        deferring.deferKnownLabels((hi, lo) -> known.contains(List.of(hi, lo)));
    }

    private void learn(DecodedWriteRequest d) {
        for (int s = 0; s < d.seriesCount(); s++) {
            if (d.hasLabelsKey(s)) {
                known.add(List.of(d.labelsKeyHi(s), d.labelsKeyLo(s)));
            }
        }
    }

    /** Decodes the raw body both ways and compares; returns the outcome. */
    private int decodeBoth(byte[] raw) {
        byte[] body = Fixtures.snappy(raw);
        int code = whole.decode(body, 0, body.length, expected);
        int deferredCode = deferring.decode(body, 0, body.length, actual);
        assertEquals(code, deferredCode, () -> "outcome: " + whole.errorMessage() + " / " + deferring.errorMessage());
        if (code != OK) {
            assertEquals(whole.errorMessage(), deferring.errorMessage());
            return code;
        }
        assertEquals(expected.seriesCount(), actual.seriesCount());
        assertEquals(expected.sampleCount(), actual.sampleCount());
        assertEquals(expected.histogramCount(), actual.histogramCount());
        assertEquals(expected.exemplarCount(), actual.exemplarCount());
        assertEquals(expected.metadataCount(), actual.metadataCount());
        for (int s = 0; s < expected.seriesCount(); s++) {
            int series = s;
            assertEquals(expected.hasLabelsKey(s), actual.hasLabelsKey(s), () -> "key of series " + series);
            if (expected.hasLabelsKey(s)) {
                assertEquals(expected.labelsKeyHi(s), actual.labelsKeyHi(s));
                assertEquals(expected.labelsKeyLo(s), actual.labelsKeyLo(s));
            }
            assertEquals(expected.seriesSampleCount(s), actual.seriesSampleCount(s));
            assertEquals(expected.seriesHistogramCount(s), actual.seriesHistogramCount(s));
            assertEquals(expected.seriesExemplarCount(s), actual.seriesExemplarCount(s));
            int e = expected.seriesFirstSample(s);
            int a = actual.seriesFirstSample(s);
            for (int i = 0; i < expected.seriesSampleCount(s); i++) {
                assertEquals(expected.timestamp(e + i), actual.timestamp(a + i));
                assertEquals(Double.doubleToRawLongBits(expected.value(e + i)), Double.doubleToRawLongBits(actual.value(a + i)));
            }
            if (actual.labelsDeferred(s)) {
                deferredSeries++;
                assertTrue(expected.hasLabelsKey(s) && known.contains(List.of(expected.labelsKeyHi(s), expected.labelsKeyLo(s))),
                        "a deferred series names a known set");
                assertEquals(0, actual.seriesHistogramCount(s) + actual.seriesExemplarCount(s), "extras carry labels");
                assertThrows(IllegalStateException.class, () -> actual.seriesFirstLabel(series));
                assertThrows(IllegalStateException.class, () -> actual.seriesLabelCount(series));
            } else {
                assertEquals(Fixtures.decodedLabels(expected, s), Fixtures.decodedLabels(actual, s), "labels of series " + s);
            }
        }
        assertEquals(countDeferred(actual) > 0, actual.hasDeferredLabels());
        return code;
    }

    private static int countDeferred(DecodedWriteRequest d) {
        int n = 0;
        for (int s = 0; s < d.seriesCount(); s++) {
            n += d.labelsDeferred(s) ? 1 : 0;
        }
        return n;
    }

    @Test
    void aKnownSetIsLeftUndecodedAndAnUnknownOneIsDecoded() {
        byte[] first = Pb.request(Pb.seriesWithSample(1, "__name__", "up", "job", "node"), Pb.seriesWithSample(2, "__name__", "up", "job", "api"));
        assertEquals(OK, decodeBoth(first));
        assertEquals(0, countDeferred(actual), "nothing is known yet");
        learn(expected);
        assertEquals(OK, decodeBoth(first));
        assertEquals(2, countDeferred(actual));
        assertEquals(OK, decodeBoth(Pb.request(Pb.seriesWithSample(3, "__name__", "up", "job", "node"),
                Pb.seriesWithSample(4, "__name__", "up", "job", "new"))));
        assertTrue(actual.labelsDeferred(0));
        assertFalse(actual.labelsDeferred(1));
        // the same set in another order is other bytes: decoded
        assertEquals(OK, decodeBoth(Pb.request(Pb.seriesWithSample(5, "job", "node", "__name__", "up"))));
        assertFalse(actual.labelsDeferred(0));
    }

    @Test
    void aKnownRunIsDecodedAfterAllWhenMoreLabelsFollowOrTheSeriesCarriesExtras() {
        assertEquals(OK, decodeBoth(Pb.request(Pb.seriesWithSample(1, "__name__", "up"))));
        learn(expected);
        // the known run "__name__=up", a sample, then another label: the set is {__name__, job}, not the known one
        Pb split = Pb.of().len(1, Pb.label("__name__", "up")).len(2, Pb.sample(1, 1)).len(1, Pb.label("job", "x"));
        assertEquals(OK, decodeBoth(Pb.request(split)));
        assertFalse(actual.labelsDeferred(0));
        assertEquals(List.of("__name__=up", "job=x"), Fixtures.decodedLabels(actual, 0));
        // a later label that is invalid still fails the request, as it does decoded whole
        Pb invalid = Pb.of().len(1, Pb.label("__name__", "up")).len(2, Pb.sample(1, 1)).len(1, Pb.label("", "x"));
        assertEquals(RemoteWriteStatus.EMPTY_LABEL_NAME, decodeBoth(Pb.request(invalid)));
        // ... and a duplicate of the known run's name
        Pb duplicate = Pb.of().len(1, Pb.label("__name__", "up")).len(2, Pb.sample(1, 1)).len(1, Pb.label("__name__", "x"));
        assertEquals(RemoteWriteStatus.DUPLICATE_LABEL_NAME, decodeBoth(Pb.request(duplicate)));
        // an exemplar carries its series' labels to the WAL: decoded, key kept
        Pb exemplar = Pb.seriesWithSample(2, "__name__", "up").len(3, Pb.of().len(1, Pb.label("trace_id", "abc"))
                .fixed64(2, Double.doubleToRawLongBits(1.0)).tag(3, 0).varint(5));
        assertEquals(OK, decodeBoth(Pb.request(exemplar)));
        assertFalse(actual.labelsDeferred(0));
        assertTrue(actual.hasLabelsKey(0));
        assertEquals(List.of("__name__=up"), Fixtures.decodedLabels(actual, 0));
        assertEquals(1, actual.seriesExemplarCount(0));
    }

    @Test
    void randomAndMutatedBodiesDecodeAsTheyDoWhole() {
        Random r = new Random(0xDEFE_55EDL);
        RandomRequests requests = new RandomRequests(new Random(7));
        List<byte[]> seeds = new ArrayList<>();
        int mutatedOk = 0;
        int mutatedFailed = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] raw = requests.request();
            seeds.add(raw);
            if (seeds.size() > 16) {
                seeds.remove(0);
            }
            if (decodeBoth(raw) == OK) {
                learn(expected);
            }
            // again, now that its sets are known: every contiguous, extra-free series is deferred
            assertEquals(OK, decodeBoth(raw));
            byte[] mutated = RemoteWriteFuzzTest.mutate(r, raw, seeds);
            if (decodeBoth(mutated) == OK) {
                mutatedOk++;
            } else {
                mutatedFailed++;
            }
        }
        assertTrue(deferredSeries > 10_000, "deferred series: " + deferredSeries);
        assertTrue(mutatedOk > 100 && mutatedFailed > 100, "mutations: " + mutatedOk + " ok, " + mutatedFailed + " failed");
    }

    @Test
    void aDecoderToldToDecodeEverythingDefersNothing() {
        byte[] raw = Pb.request(Pb.seriesWithSample(1, "__name__", "up", "job", "node"));
        assertEquals(OK, decodeBoth(raw));
        learn(expected);
        byte[] body = Fixtures.snappy(raw);
        assertEquals(OK, deferring.decodeAllLabels(body, 0, body.length, actual));
        assertFalse(actual.hasDeferredLabels());
        assertEquals(List.of("__name__=up", "job=node"), Fixtures.decodedLabels(actual, 0));
        // and the setting stays for the next decode
        assertEquals(OK, deferring.decode(body, 0, body.length, actual));
        assertTrue(actual.labelsDeferred(0));
        assertArrayEquals(new long[] {expected.labelsKeyHi(0), expected.labelsKeyLo(0)},
                new long[] {actual.labelsKeyHi(0), actual.labelsKeyLo(0)});
    }
}
