package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The builder side of {@link DecodedWriteRequest}, used by ingest sources that are not remote-write bodies. */
class DecodedWriteRequestBuilderTest {
    @Test
    void labelsAreSortedCheckedAndCopied() {
        DecodedWriteRequest d = new DecodedWriteRequest();
        d.clear();
        int s = d.beginSeries();
        d.addLabel("job", "api");
        d.addLabel("__name__", "http_requests_total");
        d.addLabel("empty", "");
        d.addSample(1000, 1.5);
        d.addSample(2000, 2.5);
        assertEquals(RemoteWriteStatus.OK, d.finishSeries(s));

        int t = d.beginSeries();
        d.addLabel("job", "x");
        d.addSample(1000, 9);
        assertEquals(RemoteWriteStatus.MISSING_METRIC_NAME, d.finishSeries(t));
        d.dropLastSeries();

        int u = d.beginSeries();
        d.addLabel("__name__", "up");
        d.addLabel("a", "1");
        d.addLabel("a", "2");
        assertEquals(RemoteWriteStatus.DUPLICATE_LABEL_NAME, d.finishSeries(u));
        d.dropLastSeries();

        assertEquals(1, d.seriesCount());
        assertEquals(2, d.seriesLabelCount(0));
        assertEquals("__name__", d.labelName(d.seriesFirstLabel(0)));
        assertEquals("http_requests_total", d.labelValue(d.seriesFirstLabel(0)));
        assertEquals("job", d.labelName(d.seriesFirstLabel(0) + 1));
        assertEquals(2, d.sampleCount());
        assertEquals(2.5, d.value(1));
    }

    @Test
    void bufferGrowthKeepsEarlierLabels() {
        DecodedWriteRequest d = new DecodedWriteRequest();
        d.clear();
        String big = "v".repeat(5000);
        for (int i = 0; i < 20; i++) {
            int s = d.beginSeries();
            d.addLabel("__name__", "m" + i);
            d.addLabel("big", big + i);
            d.addSample(i, i);
            assertEquals(RemoteWriteStatus.OK, d.finishSeries(s));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(big + i, d.labelValue(d.seriesFirstLabel(i) + 1));
            assertEquals("m" + i, d.labelValue(d.seriesFirstLabel(i)));
        }
    }
}
