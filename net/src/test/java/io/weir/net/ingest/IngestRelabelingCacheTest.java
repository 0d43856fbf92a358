package io.weir.net.ingest;

import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-thread outcome cache gives the same answers as relabeling afresh, also across its start-overs. */
class IngestRelabelingCacheTest {
    @Test
    void answersStayRightWhenTheCacheStartsOver() {
        IngestRelabeling relabeling = new IngestRelabeling(List.of(
                RelabelRule.of(RelabelAction.DROP, List.of("i"), ";", ".*[05]", 0, null, "$1"),
                RelabelRule.of(RelabelAction.REPLACE, List.of("i"), ";", "(.*)7", 0, "seven", "$1")));
        IngestRelabeling.RequestRelabeler small = relabeling.newRelabeler(8); // starts over every 8 label sets
        DecodedWriteRequest d = new DecodedWriteRequest();
        for (int round = 0; round < 3; round++) {
            d.clear();
            for (int i = 0; i < 100; i++) {
                int s = d.beginSeries();
                d.addLabel("__name__", "m");
                d.addLabel("i", Integer.toString(i));
                d.addSample(i, i);
                assertEquals(RemoteWriteStatus.OK, d.finishSeries(s));
            }
            small.apply(d);
            List<String> got = new ArrayList<>();
            for (int s = 0; s < d.seriesCount(); s++) {
                StringBuilder sb = new StringBuilder();
                for (int l = d.seriesFirstLabel(s); l < d.seriesFirstLabel(s) + d.seriesLabelCount(s); l++) {
                    sb.append(d.labelName(l)).append('=').append(d.labelValue(l)).append(' ');
                }
                got.add(sb.append(d.value(d.seriesFirstSample(s))).toString());
            }
            List<String> want = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                if (i % 5 != 0) { // "7" gives an empty $1: an empty value sets no label
                    want.add("__name__=m i=" + i + " " + (i % 10 == 7 && i > 10 ? "seven=" + i / 10 + " " : "") + (double) i);
                }
            }
            assertEquals(want, got, "round " + round);
        }
        assertEquals(3 * 20, relabeling.droppedSeries());
        assertEquals(3 * 20, relabeling.droppedSamples());
    }
}
