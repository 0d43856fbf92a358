package io.weir.net.remotewrite;

import io.weir.net.remotewrite.proto.WriteV2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Random remote write 2.0 requests built with protobuf-java: symbols shared between series, every field used. */
final class RandomV2Requests {
    private final Random r;

    RandomV2Requests(Random r) {
        this.r = r;
    }

    /** Symbol table under construction: index of each string, "" first as the specification asks. */
    static final class Symbols {
        final Map<String, Integer> index = new LinkedHashMap<>();

        Symbols() {
            ref("");
        }

        int ref(String s) {
            return index.computeIfAbsent(s, k -> index.size());
        }

        List<String> list() {
            return new ArrayList<>(index.keySet());
        }
    }

    /** The same content as a 1.0 request, as 2.0: labels through a symbol table, exemplars' labels too. */
    static WriteV2.Request from(io.weir.net.remotewrite.proto.Remote.WriteRequest v1) {
        Symbols symbols = new Symbols();
        WriteV2.Request.Builder b = WriteV2.Request.newBuilder();
        for (io.weir.net.remotewrite.proto.Remote.TimeSeries ts : v1.getTimeseriesList()) {
            WriteV2.TimeSeries.Builder t = WriteV2.TimeSeries.newBuilder();
            ts.getLabelsList().forEach(l -> t.addLabelsRefs(symbols.ref(l.getName())).addLabelsRefs(symbols.ref(l.getValue())));
            ts.getSamplesList().forEach(x -> t.addSamples(WriteV2.Sample.newBuilder().setValue(x.getValue()).setTimestamp(x.getTimestamp())));
            for (io.weir.net.remotewrite.proto.Remote.Exemplar e : ts.getExemplarsList()) {
                WriteV2.Exemplar.Builder x = WriteV2.Exemplar.newBuilder().setValue(e.getValue()).setTimestamp(e.getTimestamp());
                e.getLabelsList().forEach(l -> x.addLabelsRefs(symbols.ref(l.getName())).addLabelsRefs(symbols.ref(l.getValue())));
                t.addExemplars(x);
            }
            for (io.weir.net.remotewrite.proto.Remote.Histogram h : ts.getHistogramsList()) {
                try {
                    t.addHistograms(WriteV2.Histogram.parseFrom(h.toByteArray()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
            b.addTimeseries(t);
        }
        return b.addAllSymbols(symbols.list()).build();
    }

    WriteV2.Request request() {
        Symbols symbols = new Symbols();
        List<WriteV2.TimeSeries> series = new ArrayList<>();
        int n = r.nextInt(8) == 0 ? r.nextInt(60) : 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            series.add(series(symbols));
        }
        return WriteV2.Request.newBuilder().addAllSymbols(symbols.list()).addAllTimeseries(series).build();
    }

    WriteV2.TimeSeries series(Symbols symbols) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("__name__", "metric_" + r.nextInt(30));
        for (int i = r.nextInt(6); i > 0; i--) {
            labels.putIfAbsent("l" + r.nextInt(20), r.nextInt(10) == 0 ? "" : "v" + r.nextInt(50) + (r.nextInt(30) == 0 ? "é✓" : ""));
        }
        WriteV2.TimeSeries.Builder ts = WriteV2.TimeSeries.newBuilder();
        labels.forEach((k, v) -> ts.addLabelsRefs(symbols.ref(k)).addLabelsRefs(symbols.ref(v)));
        boolean histogramSeries = r.nextInt(4) == 0;
        int samples = r.nextInt(6) == 0 ? r.nextInt(100) : r.nextInt(3);
        long t = 1_700_000_000_000L + r.nextInt(1_000_000);
        for (int i = 0; i < samples; i++) {
            t += 1 + r.nextInt(30_000);
            if (histogramSeries) {
                ts.addHistograms(histogram(t));
            } else {
                ts.addSamples(WriteV2.Sample.newBuilder().setValue(value()).setTimestamp(t));
            }
        }
        for (int i = r.nextInt(6) == 0 ? 1 + r.nextInt(3) : 0; i > 0; i--) {
            WriteV2.Exemplar.Builder e = WriteV2.Exemplar.newBuilder().setValue(value()).setTimestamp(t - r.nextInt(1000));
            if (r.nextInt(5) != 0) {
                e.addLabelsRefs(symbols.ref("trace_id")).addLabelsRefs(symbols.ref(Long.toHexString(r.nextLong())));
            }
            ts.addExemplars(e);
        }
        if (r.nextInt(3) == 0) {
            WriteV2.Metadata.Builder m = WriteV2.Metadata.newBuilder().setTypeValue(r.nextInt(8));
            if (r.nextBoolean()) {
                m.setHelpRef(symbols.ref("help text " + r.nextInt(10)));
            }
            if (r.nextInt(4) == 0) {
                m.setUnitRef(symbols.ref("seconds"));
            }
            ts.setMetadata(m);
        }
        if (r.nextInt(5) == 0) {
            ts.setCreatedTimestamp(1_690_000_000_000L + r.nextInt(1_000_000));
        }
        return ts.build();
    }

    WriteV2.Histogram histogram(long timestamp) {
        WriteV2.Histogram.Builder h = WriteV2.Histogram.newBuilder().setSum(value()).setTimestamp(timestamp)
                .setResetHint(WriteV2.Histogram.ResetHint.forNumber(r.nextInt(4)));
        if (r.nextInt(5) == 0) {
            // custom buckets (schema -53), float counts
            h.setCountFloat(10.5).setSchema(-53).addCustomValues(0.1).addCustomValues(1).addCustomValues(10)
                    .addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(0).setLength(3))
                    .addPositiveCounts(1.5).addPositiveCounts(4).addPositiveCounts(5);
        } else {
            h.setCountInt(r.nextInt(1000)).setSchema(r.nextInt(9) - 4).setZeroThreshold(1e-128).setZeroCountInt(r.nextInt(5))
                    .addPositiveSpans(WriteV2.BucketSpan.newBuilder().setOffset(r.nextInt(10) - 5).setLength(2))
                    .addPositiveDeltas(r.nextInt(100) - 50).addPositiveDeltas(3)
                    .addNegativeSpans(WriteV2.BucketSpan.newBuilder().setOffset(1).setLength(1))
                    .addNegativeDeltas(r.nextInt(7));
        }
        return h.build();
    }

    private double value() {
        return switch (r.nextInt(12)) {
            case 0 -> Double.NaN;
            case 1 -> Double.longBitsToDouble(0x7ff0000000000002L); // stale marker
            case 2 -> 0;
            default -> r.nextGaussian() * 1000;
        };
    }
}
