package io.weir.net.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weir.net.otlp.proto.Otlp;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing of real OTLP bodies: every mutated body gets OK or BAD_PROTOBUF (no exception, no hang); a
 * refused body leaves nothing behind; an accepted one holds only complete, valid series; where protobuf-java reads the
 * mutated body back byte for byte (a canonical body), the samples kept and the points refused equal an independent
 * count over protobuf-java's objects; and a decoder that has just seen garbage decodes a valid request exactly.
 */
class OtlpFuzzTest {
    private static final int ITERATIONS = 30_000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void mutatedBodiesGetACodeAndNothingHalfWritten() throws Exception {
        Random r = new Random(0x07_1F_5EEDL);
        RandomOtlp random = new RandomOtlp(new Random(7));
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            seeds.add(random.request().toByteArray());
        }
        byte[] valid = seeds.get(0);
        OtlpMetricsDecoder fresh = new OtlpMetricsDecoder();
        DecodedWriteRequest validOut = new DecodedWriteRequest();
        assertEquals(RemoteWriteStatus.OK, fresh.decode(valid, 0, valid.length, validOut));
        List<String> validExpected = OtlpBodies.render(validOut);

        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder();
        DecodedWriteRequest out = new DecodedWriteRequest();
        int ok = 0;
        int bad = 0;
        int crossChecked = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] body = mutate(r, seeds.get(r.nextInt(seeds.size())), seeds);
            int code = decoder.decode(body, 0, body.length, out);
            if (code == RemoteWriteStatus.BAD_PROTOBUF) {
                bad++;
                assertNotNull(decoder.errorMessage());
                assertEquals(0, out.seriesCount());
                assertEquals(0, out.sampleCount());
                assertEquals(0, decoder.rejectedPoints());
            } else {
                assertEquals(RemoteWriteStatus.OK, code);
                ok++;
                assertWellFormed(out);
                long[] expected = reference(body);
                if (expected != null) {
                    crossChecked++;
                    final int n = i;
                    assertEquals(expected[0], out.sampleCount(), () -> "samples kept, iteration " + n);
                    assertEquals(expected[1], decoder.rejectedPoints(), () -> "points refused, iteration " + n);
                    assertEquals(expected[2], out.histogramCount(), () -> "native histograms kept, iteration " + n);
                }
            }
            if (i % 64 == 0) {
                assertEquals(RemoteWriteStatus.OK, decoder.decode(valid, 0, valid.length, out));
                assertEquals(validExpected, OtlpBodies.render(out));
            }
        }
        System.out.println("otlp fuzz: " + ITERATIONS + " bodies; OK=" + ok + " BAD_PROTOBUF=" + bad
                + "; canonical OK bodies cross-checked against protobuf-java=" + crossChecked);
        assertTrue(ok > 1000 && bad > 1000 && crossChecked > 500, "mutations should reach every outcome");
    }

    /** Each series: one sample, a non-empty __name__, labels sorted by name and unique, no empty name or value. */
    private static void assertWellFormed(DecodedWriteRequest d) {
        int samples = 0;
        for (int s = 0; s < d.seriesCount(); s++) {
            assertEquals(1, d.seriesSampleCount(s) + d.seriesHistogramCount(s), "one float sample or one native histogram");
            assertEquals(samples, d.seriesFirstSample(s));
            samples += d.seriesSampleCount(s);
            boolean name = false;
            String previous = null;
            for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
                String n = d.labelName(l);
                assertTrue(!n.isEmpty() && d.labelValueLength(l) > 0);
                assertTrue(previous == null || previous.compareTo(n) < 0, "sorted, unique: " + previous + " " + n);
                previous = n;
                name |= n.equals("__name__");
            }
            assertTrue(name);
        }
        assertEquals(samples, d.sampleCount());
        assertExtrasWellFormed(d);
    }

    /** The extras parse as a RW 1.0 WriteRequest, each histogram's spans cover exactly its deltas. */
    static void assertExtrasWellFormed(DecodedWriteRequest d) {
        byte[] bytes = new byte[d.extrasLength()];
        assertEquals(bytes.length, d.writeExtras(bytes, 0));
        io.weir.net.remotewrite.proto.Remote.WriteRequest w;
        try {
            w = io.weir.net.remotewrite.proto.Remote.WriteRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("extras do not parse", e);
        }
        int histograms = 0;
        int exemplars = 0;
        for (var ts : w.getTimeseriesList()) {
            exemplars += ts.getExemplarsCount();
            for (var h : ts.getHistogramsList()) {
                histograms++;
                assertEquals(h.getPositiveDeltasCount(), h.getPositiveSpansList().stream().mapToInt(sp -> sp.getLength()).sum());
                assertEquals(h.getNegativeDeltasCount(), h.getNegativeSpansList().stream().mapToInt(sp -> sp.getLength()).sum());
                assertTrue(h.getSchema() >= -4 && h.getSchema() <= 8, "schema " + h.getSchema());
            }
        }
        assertEquals(d.histogramCount(), histograms);
        assertEquals(d.exemplarCount(), exemplars);
    }

    /**
     * Samples kept and points refused per Prometheus' rules, counted over protobuf-java's objects; null when the body is
     * not canonical (protobuf-java would merge repeated singular fields) or holds a case this count does not model.
     */
    static long[] reference(byte[] body) {
        Otlp.ExportMetricsServiceRequest req;
        try {
            req = Otlp.ExportMetricsServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
        if (!Arrays.equals(req.toByteArray(), body)) {
            return null;
        }
        long samples = 0;
        long rejected = 0;
        long histograms = 0;
        for (Otlp.ResourceMetrics rm : req.getResourceMetricsList()) {
            boolean job = false;
            boolean instance = false;
            int other = 0;
            for (Otlp.KeyValue kv : rm.getResource().getAttributesList()) {
                switch (kv.getKey()) {
                    case "service.name" -> job = true;
                    case "service.instance.id" -> instance = true;
                    case "service.namespace" -> { }
                    case "" -> {
                        return null;
                    }
                    default -> other++;
                }
            }
            long latest = 0;
            for (Otlp.ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Otlp.Metric m : sm.getMetricsList()) {
                    if (m.getDataCase() != Otlp.Metric.DataCase.DATA_NOT_SET && !m.getName().chars().anyMatch(c -> c < 128 && Character.isLetterOrDigit(c))) {
                        return null;
                    }
                    switch (m.getDataCase()) {
                        case GAUGE -> {
                            for (Otlp.NumberDataPoint p : m.getGauge().getDataPointsList()) {
                                latest = later(latest, p.getTimeUnixNano());
                                if (emptyKey(p.getAttributesList())) {
                                    return null;
                                }
                                samples++;
                            }
                        }
                        case SUM -> {
                            boolean cumulative = m.getSum().getAggregationTemporalityValue() == 2;
                            for (Otlp.NumberDataPoint p : m.getSum().getDataPointsList()) {
                                latest = later(latest, p.getTimeUnixNano());
                                if (!cumulative) {
                                    rejected++;
                                } else if (emptyKey(p.getAttributesList())) {
                                    return null;
                                } else {
                                    samples++;
                                }
                            }
                        }
                        case HISTOGRAM -> {
                            boolean cumulative = m.getHistogram().getAggregationTemporalityValue() == 2;
                            for (Otlp.HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                                latest = later(latest, p.getTimeUnixNano());
                                int counts = p.getBucketCountsCount();
                                int bounds = p.getExplicitBoundsCount();
                                if (!cumulative || (counts != 0 && counts != bounds + 1)) {
                                    rejected++;
                                } else if (emptyKey(p.getAttributesList())) {
                                    return null;
                                } else {
                                    samples += (counts == 0 ? 0 : bounds) + 1 + (p.hasSum() ? 1 : 0) + 1;
                                }
                            }
                        }
                        case EXPONENTIAL_HISTOGRAM -> {
                            boolean cumulative = m.getExponentialHistogram().getAggregationTemporalityValue() == 2;
                            for (Otlp.ExponentialHistogramDataPoint p : m.getExponentialHistogram().getDataPointsList()) {
                                latest = later(latest, p.getTimeUnixNano());
                                if (!cumulative || p.getScale() < -4) {
                                    rejected++;
                                } else if (emptyKey(p.getAttributesList())) {
                                    return null;
                                } else {
                                    histograms++;
                                }
                            }
                        }
                        case SUMMARY -> {
                            for (Otlp.SummaryDataPoint p : m.getSummary().getDataPointsList()) {
                                latest = later(latest, p.getTimeUnixNano());
                                if (emptyKey(p.getAttributesList())) {
                                    return null;
                                }
                                samples += p.getQuantileValuesCount() + 2;
                            }
                        }
                        default -> { }
                    }
                }
            }
            if (latest != 0 && other > 0 && (job || instance)) {
                samples++;
            }
        }
        return new long[] {samples, rejected, histograms};
    }

    private static long later(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static boolean emptyKey(List<Otlp.KeyValue> attrs) {
        return attrs.stream().anyMatch(kv -> kv.getKey().isEmpty());
    }

    private static byte[] mutate(Random r, byte[] seed, List<byte[]> others) {
        byte[] b = seed;
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            if (b.length == 0) {
                return new byte[] {(byte) r.nextInt(256)};
            }
            int at = r.nextInt(b.length);
            b = switch (r.nextInt(7)) {
                case 0 -> {
                    byte[] c = b.clone();
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        c[r.nextInt(c.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                    yield c;
                }
                case 1 -> {
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    yield cat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
                }
                case 2 -> cat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + r.nextInt(16)), b.length));
                case 3 -> Arrays.copyOf(b, at);
                case 4 -> {
                    byte[] other = others.get(r.nextInt(others.size()));
                    yield cat(Arrays.copyOf(b, at), Arrays.copyOfRange(other, r.nextInt(other.length + 1), other.length));
                }
                case 5 -> { // one byte of a value: keeps the body canonical more often than structural mutations
                    byte[] c = b.clone();
                    c[at] = (byte) (c[at] + 1 + r.nextInt(3));
                    yield c;
                }
                default -> {
                    byte[] c = b.clone();
                    c[at] = (byte) r.nextInt(256);
                    yield c;
                }
            };
        }
        return b;
    }

    private static byte[] cat(byte[]... parts) {
        return OtlpMetricsDecoderTest.cat(parts);
    }

    @Test
    void referenceCountAgreesOnTheSeedsThemselves() {
        RandomOtlp random = new RandomOtlp(new Random(11));
        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder();
        DecodedWriteRequest out = new DecodedWriteRequest();
        long histograms = 0;
        for (int i = 0; i < 200; i++) {
            byte[] body = random.request().toByteArray();
            assertEquals(RemoteWriteStatus.OK, decoder.decode(body, 0, body.length, out));
            long[] expected = reference(body);
            assertNotNull(expected);
            assertArrayEquals(expected, new long[] {out.sampleCount(), decoder.rejectedPoints(), out.histogramCount()});
            histograms += out.histogramCount();
            assertExtrasWellFormed(out);
        }
        assertTrue(histograms > 0, "the seeds hold exponential histograms that are kept");
    }
}
