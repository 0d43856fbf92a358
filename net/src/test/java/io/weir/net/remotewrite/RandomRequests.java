package io.weir.net.remotewrite;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.weir.net.remotewrite.proto.Remote;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random, valid remote write bodies (raw protobuf) in the shapes real and odd clients send: unsorted and unicode labels,
 * empty values, special floats, exemplars, histograms, metadata, unknown fields, labels after samples, non-minimal
 * length varints. The expected content is whatever protobuf-java parses from the same bytes.
 */
final class RandomRequests {
    static final long STALE_NAN = 0x7ff0000000000002L;

    private static final String[] WORDS = {
        "job", "instance", "le", "quantile", "code", "method", "handler", "pod", "namespace", "a", "A", "_x", "Z9",
        "zone", "ünïcødé", "指标", "метка", "📈chart", "näme.with.dots", "sp ace", "__meta", "___", "é", "e\u0301",
    };

    private final Random r;

    RandomRequests(Random r) {
        this.r = r;
    }

    byte[] request() {
        Pb body = Pb.of();
        int series = r.nextInt(40);
        for (int i = 0; i < series; i++) {
            if (r.nextInt(8) == 0) {
                body.len(3, metadata().toByteArray());
            }
            if (r.nextInt(8) == 0) {
                unknownTopLevel(body);
            }
            byte[] ts = series();
            body.tag(1, 2);
            int minimal = varintSize(ts.length);
            body.paddedVarint(ts.length, r.nextInt(6) == 0 ? minimal + 1 + r.nextInt(10 - minimal) : minimal);
            body.raw(ts);
        }
        if (r.nextInt(4) == 0) {
            body.len(3, metadata().toByteArray());
        }
        return body.bytes();
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private void unknownTopLevel(Pb body) {
        int field = 4 + r.nextInt(200);
        switch (r.nextInt(4)) {
            case 0 -> body.tag(field, 0).varint(r.nextLong());
            case 1 -> body.fixed64(field, r.nextLong());
            case 2 -> body.len(field, randomBytes(r.nextInt(20)));
            default -> body.tag(field, 5).raw(r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256));
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private UnknownFieldSet unknownFields() {
        UnknownFieldSet.Field.Builder f = UnknownFieldSet.Field.newBuilder();
        switch (r.nextInt(4)) {
            case 0 -> f.addVarint(r.nextLong());
            case 1 -> f.addFixed64(r.nextLong());
            case 2 -> f.addFixed32(r.nextInt());
            default -> f.addLengthDelimited(ByteString.copyFrom(randomBytes(r.nextInt(12))));
        }
        return UnknownFieldSet.newBuilder().addField(20 + r.nextInt(1000), f.build()).build();
    }

    private String word() {
        return switch (r.nextInt(4)) {
            case 0 -> randomText(1 + r.nextInt(12));
            default -> WORDS[r.nextInt(WORDS.length)] + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(50)));
        };
    }

    /** Random code points from ASCII, Latin, CJK and astral planes; never a lone surrogate. */
    private String randomText(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = switch (r.nextInt(5)) {
                case 0 -> 0x20 + r.nextInt(0x5F);
                case 1 -> 0x80 + r.nextInt(0x700);
                case 2 -> 0x3000 + r.nextInt(0x5000);
                case 3 -> 0xE000 + r.nextInt(0x1FFF);
                default -> 0x10000 + r.nextInt(0xFFFFF);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private Remote.Label label(String name, String value) {
        Remote.Label.Builder b = Remote.Label.newBuilder().setName(name).setValue(value);
        if (r.nextInt(30) == 0) {
            b.setUnknownFields(unknownFields());
        }
        return b.build();
    }

    private double value() {
        return switch (r.nextInt(10)) {
            case 0 -> Double.NaN;
            case 1 -> Double.longBitsToDouble(STALE_NAN);
            case 2 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 3 -> r.nextBoolean() ? 0.0 : -0.0;
            case 4 -> r.nextInt(1000);
            case 5 -> Double.longBitsToDouble(r.nextLong());
            default -> r.nextGaussian() * 1e6;
        };
    }

    private long timestamp() {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -r.nextInt(1_000_000);
            case 2 -> r.nextLong();
            default -> 1_700_000_000_000L + r.nextInt(1_000_000_000);
        };
    }

    private byte[] series() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("__name__", r.nextInt(10) == 0 ? randomText(1 + r.nextInt(8)) : "metric_" + r.nextInt(100));
        int n = r.nextInt(14);
        for (int i = 0; i < n; i++) {
            String value = r.nextInt(8) == 0 ? "" : word();
            labels.putIfAbsent(word(), value);
        }
        List<Remote.Label> labelList = new ArrayList<>();
        labels.forEach((k, v) -> labelList.add(label(k, v)));
        if (r.nextInt(4) != 0) {
            Collections.shuffle(labelList, r);
        }
        List<Remote.Sample> samples = new ArrayList<>();
        int m = r.nextInt(6) == 0 ? r.nextInt(200) : r.nextInt(3);
        for (int i = 0; i < m; i++) {
            Remote.Sample.Builder s = Remote.Sample.newBuilder().setValue(value()).setTimestamp(timestamp());
            if (r.nextInt(40) == 0) {
                s.setUnknownFields(unknownFields());
            }
            samples.add(s.build());
        }
        Remote.TimeSeries.Builder rest = Remote.TimeSeries.newBuilder();
        int exemplars = r.nextInt(8) == 0 ? 1 + r.nextInt(3) : 0;
        for (int i = 0; i < exemplars; i++) {
            rest.addExemplars(Remote.Exemplar.newBuilder().addLabels(label("trace_id", Long.toHexString(r.nextLong())))
                    .setValue(value()).setTimestamp(timestamp()));
        }
        int histograms = r.nextInt(8) == 0 ? 1 + r.nextInt(3) : 0;
        for (int i = 0; i < histograms; i++) {
            rest.addHistograms(Remote.Histogram.newBuilder().setCountInt(r.nextInt(1000)).setSum(value())
                    .setSchema(r.nextInt(9) - 4).setZeroThreshold(1e-128).setZeroCountInt(r.nextInt(5))
                    .addPositiveSpans(Remote.BucketSpan.newBuilder().setOffset(r.nextInt(10) - 5).setLength(2))
                    .addPositiveDeltas(r.nextInt(100) - 50).addPositiveDeltas(3)
                    .addNegativeCounts(2.5).setResetHint(Remote.Histogram.ResetHint.NO).setTimestamp(timestamp()));
        }
        if (r.nextInt(20) == 0) {
            rest.setUnknownFields(unknownFields());
        }
        Remote.TimeSeries labelsOnly = Remote.TimeSeries.newBuilder().addAllLabels(labelList).build();
        Remote.TimeSeries samplesOnly = Remote.TimeSeries.newBuilder().addAllSamples(samples).build();
        // Concatenated messages merge, repeated fields append: this puts labels after samples on the wire.
        Pb out = Pb.of();
        switch (r.nextInt(3)) {
            case 0 -> out.raw(samplesOnly.toByteArray()).raw(rest.build().toByteArray()).raw(labelsOnly.toByteArray());
            case 1 -> {
                List<Remote.Label> firstHalf = labelList.subList(0, labelList.size() / 2);
                List<Remote.Label> secondHalf = labelList.subList(labelList.size() / 2, labelList.size());
                out.raw(Remote.TimeSeries.newBuilder().addAllLabels(firstHalf).build().toByteArray())
                        .raw(samplesOnly.toByteArray())
                        .raw(Remote.TimeSeries.newBuilder().addAllLabels(secondHalf).build().toByteArray())
                        .raw(rest.build().toByteArray());
            }
            default -> out.raw(labelsOnly.toByteArray()).raw(samplesOnly.toByteArray()).raw(rest.build().toByteArray());
        }
        return out.bytes();
    }

    private Remote.MetricMetadata metadata() {
        return Remote.MetricMetadata.newBuilder()
                .setType(Remote.MetricMetadata.MetricType.forNumber(r.nextInt(8)))
                .setMetricFamilyName("metric_" + r.nextInt(100)).setHelp(randomText(r.nextInt(30)))
                .setUnit(r.nextBoolean() ? "seconds" : "").build();
    }
}
