package io.weir.net.remotewrite;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weir.net.remotewrite.proto.Remote;
import io.weir.net.remotewrite.proto.WriteV2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a decoded request must hold, worked out from protobuf-java's parse of the same body (not from the decoder):
 * the float samples and labels, and the extras as a remote write 1.0 WriteRequest.
 */
final class ExtrasOracle {
    private ExtrasOracle() {}

    /** Labels of a 2.0 series: refs resolved, empty values dropped, sorted by UTF-8 bytes. */
    static List<String> labels(WriteV2.Request req, List<Integer> refs) {
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < refs.size(); i += 2) {
            String v = req.getSymbols(refs.get(i + 1));
            if (!v.isEmpty()) {
                pairs.add(new String[] {req.getSymbols(refs.get(i)), v});
            }
        }
        pairs.sort((a, b) -> Arrays.compareUnsigned(a[0].getBytes(StandardCharsets.UTF_8), b[0].getBytes(StandardCharsets.UTF_8)));
        List<String> out = new ArrayList<>();
        for (String[] p : pairs) {
            out.add(p[0] + "=" + p[1]);
        }
        return out;
    }

    static List<String> labels(List<Remote.Label> labels) {
        List<String> out = new ArrayList<>();
        for (Remote.Label l : labels) {
            out.add(l.getName() + "=" + l.getValue());
        }
        return out;
    }

    static Remote.WriteRequest extras(DecodedWriteRequest d) throws InvalidProtocolBufferException {
        byte[] bytes = new byte[d.extrasLength()];
        assertEquals(bytes.length, d.writeExtras(bytes, 0), "writeExtras wrote what extrasLength announced");
        return Remote.WriteRequest.parseFrom(bytes);
    }

    /** Asserts samples, labels and extras of a decoded 2.0 request against protobuf-java's parse of it. */
    static void assertSame(WriteV2.Request req, DecodedWriteRequest d) throws InvalidProtocolBufferException {
        assertEquals(req.getTimeseriesCount(), d.seriesCount(), "series count");
        int sample = 0;
        int histograms = 0;
        int exemplars = 0;
        List<Remote.TimeSeries> wantSeries = new ArrayList<>();
        List<Remote.MetricMetadata> wantMetadata = new ArrayList<>();
        List<Long> wantCreated = new ArrayList<>();
        for (int s = 0; s < req.getTimeseriesCount(); s++) {
            WriteV2.TimeSeries ts = req.getTimeseries(s);
            List<String> labels = labels(req, ts.getLabelsRefsList());
            assertEquals(labels, Fixtures.decodedLabels(d, s), "labels of series " + s);
            assertEquals(ts.getSamplesCount(), d.seriesSampleCount(s), "samples of series " + s);
            for (WriteV2.Sample x : ts.getSamplesList()) {
                assertEquals(x.getTimestamp(), d.timestamp(sample), "timestamp of sample " + sample);
                assertEquals(Double.doubleToRawLongBits(x.getValue()), Double.doubleToRawLongBits(d.value(sample)));
                sample++;
            }
            histograms += ts.getHistogramsCount();
            exemplars += ts.getExemplarsCount();
            if (ts.getHistogramsCount() + ts.getExemplarsCount() > 0 || ts.getCreatedTimestamp() != 0) {
                Remote.TimeSeries.Builder want = Remote.TimeSeries.newBuilder();
                for (String l : labels) {
                    int eq = l.indexOf('=');
                    want.addLabels(Remote.Label.newBuilder().setName(l.substring(0, eq)).setValue(l.substring(eq + 1)));
                }
                for (WriteV2.Exemplar e : ts.getExemplarsList()) {
                    Remote.Exemplar.Builder x = Remote.Exemplar.newBuilder().setValue(e.getValue()).setTimestamp(e.getTimestamp());
                    for (int i = 0; i < e.getLabelsRefsCount(); i += 2) {
                        String v = req.getSymbols(e.getLabelsRefs(i + 1));
                        if (!v.isEmpty()) {
                            x.addLabels(Remote.Label.newBuilder().setName(req.getSymbols(e.getLabelsRefs(i))).setValue(v));
                        }
                    }
                    want.addExemplars(x);
                }
                for (WriteV2.Histogram h : ts.getHistogramsList()) {
                    // fields 1-15 are the same in 1.0; custom_values (16) stays as an unknown field
                    want.addHistograms(Remote.Histogram.parseFrom(h.toByteArray()));
                }
                wantSeries.add(want.build());
                wantCreated.add(ts.getCreatedTimestamp());
            }
            if (ts.hasMetadata()) {
                WriteV2.Metadata m = ts.getMetadata();
                String help = req.getSymbols(m.getHelpRef());
                String unit = req.getSymbols(m.getUnitRef());
                if (m.getTypeValue() != 0 || !help.isEmpty() || !unit.isEmpty()) {
                    String name = labels.stream().filter(l -> l.startsWith("__name__=")).findFirst().orElseThrow().substring(9);
                    wantMetadata.add(Remote.MetricMetadata.newBuilder().setTypeValue(m.getTypeValue())
                            .setMetricFamilyName(name).setHelp(help).setUnit(unit).build());
                }
            }
        }
        assertEquals(sample, d.sampleCount(), "sample count");
        assertEquals(histograms, d.histogramCount(), "histogram count");
        assertEquals(exemplars, d.exemplarCount(), "exemplar count");
        Remote.WriteRequest got = extras(d);
        assertEquals(wantSeries.size(), got.getTimeseriesCount(), "extras series");
        for (int i = 0; i < wantSeries.size(); i++) {
            Remote.TimeSeries g = got.getTimeseries(i);
            Remote.TimeSeries w = wantSeries.get(i);
            assertEquals(labels(w.getLabelsList()), labels(g.getLabelsList()), "extras labels " + i);
            assertEquals(w.getExemplarsList(), g.getExemplarsList(), "extras exemplars " + i);
            assertEquals(w.getHistogramsCount(), g.getHistogramsCount(), "extras histograms " + i);
            for (int h = 0; h < w.getHistogramsCount(); h++) {
                assertArrayEquals(w.getHistograms(h).toByteArray(), g.getHistograms(h).toByteArray(), "histogram " + h + " of extras series " + i);
            }
            assertEquals(0, g.getSamplesCount(), "float samples travel in SAMPLES records, not extras");
            long created = wantCreated.get(i);
            List<Long> field6 = g.getUnknownFields().hasField(6) ? g.getUnknownFields().getField(6).getVarintList() : List.of();
            assertEquals(created == 0 ? List.of() : List.of(created), field6, "created timestamp of extras series " + i);
        }
        assertEquals(wantMetadata, got.getMetadataList(), "extras metadata");
        assertEquals(wantMetadata.size(), d.metadataCount(), "metadata count");
    }

    /** Asserts the extras of a decoded 1.0 request: its histograms, exemplars and metadata, as they came. */
    static void assertExtrasSame(Remote.WriteRequest req, DecodedWriteRequest d) throws InvalidProtocolBufferException {
        Remote.WriteRequest got = extras(d);
        int i = 0;
        for (Remote.TimeSeries ts : req.getTimeseriesList()) {
            if (ts.getHistogramsCount() + ts.getExemplarsCount() == 0) {
                continue;
            }
            Remote.TimeSeries g = got.getTimeseries(i++);
            assertEquals(Fixtures.expectedLabels(ts), labels(g.getLabelsList()), "extras labels");
            assertEquals(ts.getExemplarsList(), g.getExemplarsList(), "extras exemplars");
            assertEquals(ts.getHistogramsList(), g.getHistogramsList(), "extras histograms");
            assertEquals(0, g.getSamplesCount());
        }
        assertEquals(i, got.getTimeseriesCount(), "extras series");
        assertEquals(req.getMetadataList(), got.getMetadataList(), "extras metadata");
    }
}
