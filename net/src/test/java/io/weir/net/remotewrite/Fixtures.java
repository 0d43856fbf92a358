package io.weir.net.remotewrite;

import io.weir.net.remotewrite.proto.Remote;
import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test support: real client payloads, snappy, and the comparison of a decoded request with protobuf-java's parse. */
final class Fixtures {
    static final String[] NAMES = {"req-0001.bin", "req-0002.bin", "req-0003.bin", "req-0021.bin", "req-0024.bin"};

    private Fixtures() {}

    static byte[] load(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] snappy(byte[] raw) {
        try {
            return Snappy.compress(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] unsnappy(byte[] compressed) {
        try {
            return Snappy.uncompress(compressed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the decoder must produce for one series: labels without empty values, sorted by UTF-8 bytes. */
    static List<String> expectedLabels(Remote.TimeSeries ts) {
        List<Remote.Label> labels = new ArrayList<>();
        for (Remote.Label l : ts.getLabelsList()) {
            if (!l.getValue().isEmpty()) {
                labels.add(l);
            }
        }
        labels.sort((a, b) -> Arrays.compareUnsigned(a.getName().getBytes(StandardCharsets.UTF_8),
                b.getName().getBytes(StandardCharsets.UTF_8)));
        List<String> out = new ArrayList<>();
        for (Remote.Label l : labels) {
            out.add(l.getName() + "=" + l.getValue());
        }
        return out;
    }

    static List<String> decodedLabels(DecodedWriteRequest d, int s) {
        List<String> out = new ArrayList<>();
        for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
            out.add(d.labelName(l) + "=" + d.labelValue(l));
        }
        return out;
    }

    /** Asserts the decoded request holds exactly what protobuf-java parsed (after the documented normalisation). */
    static void assertSame(Remote.WriteRequest expected, DecodedWriteRequest d) {
        assertSame(expected, d, false);
    }

    /**
     * @param topBitQuirk tolerate timestamps differing only in bit 63: protobuf-java's fast varint path ignores the
     *                    value bits of a 10th varint byte, which only a mutated (non-canonical) body can exercise; the
     *                    decoder follows the spec and gogo-protobuf (Prometheus) there
     */
    static void assertSame(Remote.WriteRequest expected, DecodedWriteRequest d, boolean topBitQuirk) {
        assertEquals(expected.getTimeseriesCount(), d.seriesCount(), "series count");
        int samples = 0;
        int histograms = 0;
        int exemplars = 0;
        for (int s = 0; s < expected.getTimeseriesCount(); s++) {
            Remote.TimeSeries ts = expected.getTimeseries(s);
            assertEquals(expectedLabels(ts), decodedLabels(d, s), "labels of series " + s);
            assertEquals(ts.getSamplesCount(), d.seriesSampleCount(s), "sample count of series " + s);
            assertEquals(samples, d.seriesFirstSample(s), "first sample of series " + s);
            for (int i = 0; i < ts.getSamplesCount(); i++) {
                Remote.Sample e = ts.getSamples(i);
                int j = d.seriesFirstSample(s) + i;
                long got = topBitQuirk && (e.getTimestamp() ^ d.timestamp(j)) == Long.MIN_VALUE
                        ? e.getTimestamp() : d.timestamp(j);
                assertEquals(e.getTimestamp(), got, "timestamp of series " + s + " sample " + i);
                assertEquals(Double.doubleToRawLongBits(e.getValue()), Double.doubleToRawLongBits(d.value(j)),
                        "value bits of series " + s + " sample " + i);
            }
            samples += ts.getSamplesCount();
            histograms += ts.getHistogramsCount();
            exemplars += ts.getExemplarsCount();
        }
        assertEquals(samples, d.sampleCount(), "sample count");
        assertEquals(histograms, d.histogramCount(), "histogram count");
        assertEquals(exemplars, d.exemplarCount(), "exemplar count");
        assertEquals(expected.getMetadataCount(), d.metadataCount(), "metadata count");
    }
}
