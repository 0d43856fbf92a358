package io.weir.net.remotewrite;

import io.weir.net.ingest.IngestRelabeling;
import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.remotewrite.proto.Remote;
import io.weir.net.remotewrite.proto.WriteV2;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingest.relabel_configs} applied to decoded requests in place: kept, rewritten and dropped series with their
 * float samples, native histograms, exemplars and created timestamps, checked against protobuf-java's reading of the
 * extras the request then writes to its ring slot (what the WAL and the forwarder get).
 */
class RelabeledRequestTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final long T = 1_700_000_000_000L;

    private static final List<RelabelRule> RULES = List.of(
            RelabelRule.of(RelabelAction.DROP, List.of("__name__"), ";", "drop_.*", 0, null, "$1"),
            RelabelRule.of(RelabelAction.REPLACE, List.of("env"), ";", "(.+)", 0, "environment", "$1"),
            RelabelRule.of(RelabelAction.LABELDROP, List.of(), ";", "env", 0, null, "$1"),
            RelabelRule.of(RelabelAction.REPLACE, List.of("__name__"), ";", "keep_(hist)", 0, "__name__", "kept_$1"),
            // a series marked kill=yes loses its name, and a series without __name__ is dropped
            RelabelRule.of(RelabelAction.REPLACE, List.of("kill"), ";", "yes", 0, "__name__", ""));

    /** Symbols: 0 "", then names and values used below. */
    private static final List<String> SYMBOLS = List.of("", "__name__", "keep_float", "env", "prod", "drop_hist",
            "trace_id", "abc", "keep_hist", "kill", "yes", "killed", "untouched", "job", "j", "help");

    private static int sym(String s) {
        int i = SYMBOLS.indexOf(s);
        if (i < 0) {
            throw new IllegalArgumentException(s);
        }
        return i;
    }

    private static WriteV2.TimeSeries.Builder series(String... labels) {
        WriteV2.TimeSeries.Builder b = WriteV2.TimeSeries.newBuilder();
        for (String l : labels) {
            b.addLabelsRefs(sym(l));
        }
        return b;
    }

    private static WriteV2.Sample sample(long t, double v) {
        return WriteV2.Sample.newBuilder().setTimestamp(t).setValue(v).build();
    }

    private static final WriteV2.Histogram HIST = WriteV2.Histogram.newBuilder().setCountInt(5).setSum(12.5).setSchema(0)
            .setZeroThreshold(1e-128).setZeroCountInt(1).addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(0).setLength(2))
            .addPositiveDeltas(2).addPositiveDeltas(0).setTimestamp(T + 5).build();
    private static final WriteV2.Exemplar EXEMPLAR = WriteV2.Exemplar.newBuilder().addLabelsRefs(sym("trace_id"))
            .addLabelsRefs(sym("abc")).setValue(7.5).setTimestamp(T + 6).build();

    private static byte[] body() {
        WriteV2.Request req = WriteV2.Request.newBuilder().addAllSymbols(SYMBOLS)
                // 0: kept, env renamed to environment; carries an exemplar, metadata and a created timestamp
                .addTimeseries(series("__name__", "keep_float", "env", "prod").addSamples(sample(T, 1)).addSamples(sample(T + 1, 2))
                        .addExemplars(EXEMPLAR).setCreatedTimestamp(T - 1000)
                        .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE).setHelpRef(sym("help"))))
                // 1: dropped by name, with its samples, histogram, exemplar, created timestamp and metadata
                .addTimeseries(series("__name__", "drop_hist", "job", "j").addSamples(sample(T, 3)).addHistograms(HIST)
                        .addExemplars(EXEMPLAR).setCreatedTimestamp(T - 2000)
                        .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_HISTOGRAM).setHelpRef(sym("help"))))
                // 2: a native histogram series, renamed and rewritten: its metadata follows the new name
                .addTimeseries(series("__name__", "keep_hist", "env", "prod").addHistograms(HIST).addExemplars(EXEMPLAR)
                        .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_HISTOGRAM).setHelpRef(sym("help"))))
                // 3: loses __name__: dropped
                .addTimeseries(series("__name__", "killed", "kill", "yes").addSamples(sample(T + 2, 4)).addSamples(sample(T + 3, 5)))
                // 4: no rule applies: unchanged
                .addTimeseries(series("__name__", "untouched", "job", "j").addSamples(sample(T + 4, 6)))
                .build();
        return Fixtures.snappy(req.toByteArray());
    }

    private static List<String> labels(DecodedWriteRequest d, int s) {
        List<String> out = new ArrayList<>();
        for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
            out.add(d.labelName(l) + "=" + d.labelValue(l));
        }
        return out;
    }

    private static Remote.WriteRequest extras(DecodedWriteRequest d) throws Exception {
        byte[] out = new byte[d.extrasLength()];
        assertEquals(out.length, d.writeExtras(out, 0));
        return Remote.WriteRequest.parseFrom(out);
    }

    @Test
    void keptRewrittenAndDroppedSeriesWithTheirExtras() throws Exception {
        byte[] body = body();
        RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(32 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        IngestRelabeling relabeling = new IngestRelabeling(RULES);
        IngestRelabeling.RequestRelabeler relabeler = relabeling.newRelabeler();
        for (int round = 0; round < 2; round++) { // the second round answers every series from the cache
            assertEquals(RemoteWriteStatus.OK, decoder.decode(body, 0, body.length, d), decoder.errorMessage());
            relabeler.apply(d);

            assertEquals(3, d.seriesCount());
            assertEquals(List.of("__name__=keep_float", "environment=prod"), labels(d, 0));
            assertEquals(List.of("__name__=kept_hist", "environment=prod"), labels(d, 1));
            assertEquals(List.of("__name__=untouched", "job=j"), labels(d, 2));
            // float samples, compacted in order
            assertEquals(3, d.sampleCount());
            assertEquals(List.of(0, 2, 2), List.of(d.seriesFirstSample(0), d.seriesFirstSample(1), d.seriesFirstSample(2)));
            assertEquals(List.of(2, 0, 1), List.of(d.seriesSampleCount(0), d.seriesSampleCount(1), d.seriesSampleCount(2)));
            assertArrayEquals(new long[] {T, T + 1, T + 4}, Arrays.copyOf(d.timestamps(), 3));
            assertArrayEquals(new double[] {1, 2, 6}, Arrays.copyOf(d.values(), 3));
            assertEquals(1, d.histogramCount());
            assertEquals(2, d.exemplarCount());
            assertEquals(1, d.createdTimestampCount());
            assertEquals(2, d.metadataCount()); // the dropped series' metadata went with it

            Remote.WriteRequest extras = extras(d);
            Remote.Exemplar exemplar = Remote.Exemplar.newBuilder().addLabels(Remote.Label.newBuilder().setName("trace_id").setValue("abc"))
                    .setValue(7.5).setTimestamp(T + 6).build();
            assertEquals(2, extras.getTimeseriesCount());
            Remote.TimeSeries f = extras.getTimeseries(0);
            assertEquals(List.of("__name__=keep_float", "environment=prod"), f.getLabelsList().stream().map(l -> l.getName() + "=" + l.getValue()).toList());
            assertEquals(List.of(exemplar), f.getExemplarsList());
            assertEquals(List.of(T - 1000), f.getUnknownFields().getField(6).getVarintList());
            Remote.TimeSeries h = extras.getTimeseries(1);
            assertEquals(List.of("__name__=kept_hist", "environment=prod"), h.getLabelsList().stream().map(l -> l.getName() + "=" + l.getValue()).toList());
            assertEquals(List.of(Remote.Histogram.parseFrom(HIST.toByteArray())), h.getHistogramsList());
            assertEquals(List.of(exemplar), h.getExemplarsList());
            assertEquals(List.of("keep_float/GAUGE", "kept_hist/HISTOGRAM"), extras.getMetadataList().stream()
                    .map(md -> md.getMetricFamilyName() + "/" + md.getType()).toList());
        }
        assertEquals(4, relabeling.droppedSeries()); // two per round
        assertEquals(2 * (1 + 1 + 2), relabeling.droppedSamples()); // drop_hist: 1 float + 1 histogram; killed: 2 floats
    }

    @Test
    void anUnchangedRequestKeepsItsLabelRanges() {
        byte[] body = body();
        RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(32 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        decoder.decode(body, 0, body.length, d);
        int[] first = new int[d.seriesCount()];
        for (int s = 0; s < first.length; s++) {
            first[s] = d.seriesFirstLabel(s);
        }
        IngestRelabeling keepAll = new IngestRelabeling(List.of(RelabelRule.of(RelabelAction.KEEP, List.of(), ";", ".*", 0, null, "$1")));
        keepAll.newRelabeler().apply(d);
        assertEquals(first.length, d.seriesCount());
        for (int s = 0; s < first.length; s++) {
            assertEquals(first[s], d.seriesFirstLabel(s));
        }
        assertEquals(0, keepAll.droppedSeries());
    }

    @Test
    void aRequestPublishedAgainIsNotRelabeledTwice() {
        // a scrape loop retries the same request after a full ring: a suffixing rule must apply once
        IngestRelabeling suffix = new IngestRelabeling(List.of(
                RelabelRule.of(RelabelAction.REPLACE, List.of("__name__"), ";", "(.+)", 0, "__name__", "${1}_x")));
        IngestRelabeling.RequestRelabeler relabeler = suffix.newRelabeler();
        DecodedWriteRequest d = new DecodedWriteRequest();
        for (int round = 0; round < 2; round++) {
            d.clear();
            int s = d.beginSeries();
            d.addLabel("__name__", "m");
            d.addSample(T, 1);
            assertEquals(RemoteWriteStatus.OK, d.finishSeries(s));
            relabeler.apply(d);
            relabeler.apply(d);
            assertEquals(List.of("__name__=m_x"), labels(d, 0), "round " + round);
        }
    }

    @Test
    void relabeledNamesAreSortedByUtf8Bytes() {
        // U+FF21 sorts after U+1F600 as UTF-16 (a surrogate, 0xD83D, is smaller) but before it as UTF-8 (EF < F0)
        DecodedWriteRequest d = new DecodedWriteRequest();
        d.clear();
        int s = d.beginSeries();
        d.addLabel("__name__", "m");
        d.addLabel("x_\uFF21", "1");
        d.addLabel("x_\uD83D\uDE00", "2");
        d.addSample(T, 1);
        assertEquals(RemoteWriteStatus.OK, d.finishSeries(s));
        IngestRelabeling labelmap = new IngestRelabeling(List.of(
                RelabelRule.of(RelabelAction.LABELMAP, List.of(), ";", "x_(.*)", 0, null, "$1"),
                RelabelRule.of(RelabelAction.LABELDROP, List.of(), ";", "x_.*", 0, null, "$1")));
        labelmap.newRelabeler().apply(d);
        assertEquals(List.of("__name__=m", "\uFF21=1", "\uD83D\uDE00=2"), labels(d, 0));
    }

    @Test
    void aRequestSeenBeforeIsRelabeledWithoutAllocating() {
        byte[] body = body();
        RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(32 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        IngestRelabeling.RequestRelabeler relabeler = new IngestRelabeling(RULES).newRelabeler();
        byte[] slot = new byte[1 << 16];
        for (int i = 0; i < 5_000; i++) {
            decoder.decode(body, 0, body.length, d);
            relabeler.apply(d);
            d.writeExtras(slot, 0);
        }
        int rounds = 2_000;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            decoder.decode(body, 0, body.length, d);
            relabeler.apply(d);
            d.writeExtras(slot, 0);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("relabel: %d bytes allocated over %d requests%n", allocated, rounds);
        assertTrue(allocated < rounds, "allocated " + allocated + " bytes over " + rounds + " requests");
    }
}
