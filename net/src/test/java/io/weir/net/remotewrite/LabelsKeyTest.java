package io.weir.net.remotewrite;

import io.weir.engine.series.SeriesResolver;
import io.weir.engine.series.SeriesTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key the remote write 1.0 decoder leaves for each series (a hash of its label fields' wire bytes), which the
 * resolver's front cache is probed with instead of a hash of the sorted spans: the same bytes give the same key, other
 * label sets other keys, a key is only given where the label fields are contiguous and dropped where the labels change,
 * and resolving by key gives the id that resolving by spans gives.
 */
class LabelsKeyTest {
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(32 << 20);

    private DecodedWriteRequest decode(byte[] raw) {
        DecodedWriteRequest d = new DecodedWriteRequest();
        byte[] body = Fixtures.snappy(raw);
        assertEquals(RemoteWriteStatus.OK, decoder.decode(body, 0, body.length, d), decoder::errorMessage);
        return d;
    }

    @Test
    void theSameLabelBytesGiveTheSameKeyWhereverTheSeriesIsAndOtherSetsOtherKeys() {
        Pb a = Pb.seriesWithSample(1, "__name__", "up", "job", "node");
        Pb b = Pb.seriesWithSample(2, "__name__", "up", "job", "api");
        DecodedWriteRequest first = decode(Pb.request(a, b));
        DecodedWriteRequest second = decode(Pb.request(Pb.seriesWithSample(3, "__name__", "up", "job", "api"),
                Pb.seriesWithSample(4, "__name__", "up", "job", "node")));
        for (DecodedWriteRequest d : new DecodedWriteRequest[] {first, second}) {
            assertTrue(d.hasLabelsKey(0));
            assertTrue(d.hasLabelsKey(1));
        }
        assertEquals(first.labelsKeyHi(0), second.labelsKeyHi(1));
        assertEquals(first.labelsKeyLo(0), second.labelsKeyLo(1));
        assertEquals(first.labelsKeyLo(1), second.labelsKeyLo(0));
        assertNotEquals(first.labelsKeyLo(0), first.labelsKeyLo(1));
    }

    @Test
    void noKeyWhereAnotherFieldComesBetweenLabelsOrWhereTheRequestWasBuilt() {
        Pb interleaved = Pb.of().len(1, Pb.label("__name__", "up")).len(2, Pb.sample(1, 1)).len(1, Pb.label("job", "x"));
        DecodedWriteRequest d = decode(Pb.request(interleaved, Pb.seriesWithSample(1, "__name__", "up", "job", "x")));
        assertFalse(d.hasLabelsKey(0));
        assertTrue(d.hasLabelsKey(1));

        DecodedWriteRequest built = new DecodedWriteRequest();
        int s = built.beginSeries();
        built.addLabel("__name__", "up");
        assertEquals(RemoteWriteStatus.OK, built.finishSeries(s));
        assertFalse(built.hasLabelsKey(s));
    }

    @Test
    void relabelingDropsTheKeyOfAChangedSeriesAndKeepsTheOthersAligned() {
        DecodedWriteRequest d = decode(Pb.request(Pb.seriesWithSample(1, "__name__", "a"), Pb.seriesWithSample(2, "__name__", "b"),
                Pb.seriesWithSample(3, "__name__", "c")));
        long keyOfB = d.labelsKeyLo(1);
        long keyOfC = d.labelsKeyLo(2);
        d.removeSeries(new boolean[] {true, false, false});
        assertEquals(2, d.seriesCount());
        assertTrue(d.hasLabelsKey(0));
        assertEquals(keyOfB, d.labelsKeyLo(0));
        assertEquals(keyOfC, d.labelsKeyLo(1));
        byte[] canonical = io.weir.engine.series.CanonicalLabels.of("__name__", "renamed");
        d.replaceLabels(0, canonical, 0, canonical.length);
        assertFalse(d.hasLabelsKey(0));
        assertTrue(d.hasLabelsKey(1));
    }

    @Test
    void resolvingByKeyGivesTheIdsThatResolvingBySpansGives(@TempDir Path dir) {
        Random random = new Random(5);
        RandomRequests requests = new RandomRequests(random);
        try (SeriesTable table = SeriesTable.open(dir, 10_000)) {
            SeriesResolver byKey = table.newResolver();
            SeriesResolver bySpans = table.newResolver();
            int keyed = 0;
            for (int i = 0; i < 300; i++) {
                byte[] raw = requests.request();
                DecodedWriteRequest d = decode(raw);
                for (int s = 0; s < d.seriesCount(); s++) {
                    int spans = bySpans.resolve(d.buf(), d.labelNameOffsets(), d.labelNameLengths(), d.labelValueOffsets(),
                            d.labelValueLengths(), d.seriesFirstLabel(s), d.seriesLabelCount(s));
                    if (!d.hasLabelsKey(s)) {
                        continue;
                    }
                    keyed++;
                    // twice: the first may go to the table, the second is answered by the front cache
                    for (int round = 0; round < 2; round++) {
                        assertEquals(spans, byKey.resolve(d.labelsKeyHi(s), d.labelsKeyLo(s), d.buf(), d.labelNameOffsets(),
                                d.labelNameLengths(), d.labelValueOffsets(), d.labelValueLengths(), d.seriesFirstLabel(s),
                                d.seriesLabelCount(s)), "series " + s);
                    }
                }
            }
            assertTrue(keyed > 1_000, "keyed series: " + keyed);
            // the same set sent in another order is another key, resolved to the same series
            DecodedWriteRequest sorted = decode(Pb.request(Pb.seriesWithSample(1, "__name__", "up", "job", "x")));
            DecodedWriteRequest unsorted = decode(Pb.request(Pb.seriesWithSample(1, "job", "x", "__name__", "up")));
            assertNotEquals(sorted.labelsKeyLo(0), unsorted.labelsKeyLo(0));
            assertEquals(resolve(byKey, sorted), resolve(byKey, unsorted));
        }
    }

    private static int resolve(SeriesResolver resolver, DecodedWriteRequest d) {
        return resolver.resolve(d.labelsKeyHi(0), d.labelsKeyLo(0), d.buf(), d.labelNameOffsets(), d.labelNameLengths(),
                d.labelValueOffsets(), d.labelValueLengths(), d.seriesFirstLabel(0), d.seriesLabelCount(0));
    }
}
