package io.weir.net.remotewrite;

import io.weir.net.remotewrite.proto.Remote;
import io.weir.net.remotewrite.proto.WriteV2;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_PROTOBUF;
import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_SYMBOL_REFERENCE;
import static io.weir.net.remotewrite.RemoteWriteStatus.DUPLICATE_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.EMPTY_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.MISSING_METRIC_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote write 2.0 bodies decode to what protobuf-java parses (samples, labels, and the extras as RW 1.0), malformed
 * ones are refused whole with a message naming the series; and RW 1.0 extras are kept byte for byte.
 */
class RemoteWrite2DecoderTest {
    private final RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(32 << 20);
    private final DecodedWriteRequest out = new DecodedWriteRequest();

    private int decode(byte[] raw) {
        byte[] body = Fixtures.snappy(raw);
        return decoder.decode(body, 0, body.length, out);
    }

    @Test
    void randomRequestsDecodeToWhatProtobufJavaParses() throws Exception {
        RandomV2Requests random = new RandomV2Requests(new Random(2));
        int histograms = 0;
        int exemplars = 0;
        int metadata = 0;
        for (int i = 0; i < 2_000; i++) {
            WriteV2.Request req = random.request();
            assertEquals(OK, decode(req.toByteArray()), decoder::errorMessage);
            ExtrasOracle.assertSame(req, out);
            histograms += out.histogramCount();
            exemplars += out.exemplarCount();
            metadata += out.metadataCount();
        }
        assertTrue(histograms > 100 && exemplars > 100 && metadata > 100, histograms + " " + exemplars + " " + metadata);
    }

    @Test
    void symbolsAfterSeriesAndUnpackedRefsAreRead() throws Exception {
        // labels_refs unpacked (one VARINT per ref), the series before the symbols on the wire
        Pb series = Pb.of().tag(1, 0).varint(1).tag(1, 0).varint(2).len(2, Pb.sample(4.0, 1000));
        byte[] raw = Pb.of().len(5, series).str(4, "").str(4, "__name__").str(4, "up").bytes();
        assertEquals(OK, decode(raw), decoder::errorMessage);
        assertEquals(List.of("__name__=up"), Fixtures.decodedLabels(out, 0));
        assertEquals(1, out.sampleCount());
        assertEquals(1000, out.timestamp(0));
    }

    @Test
    void tenSamplesOfOneSeriesAreAllKept() throws Exception {
        WriteV2.TimeSeries.Builder ts = WriteV2.TimeSeries.newBuilder().addLabelsRefs(1).addLabelsRefs(2);
        for (int i = 0; i < 10; i++) {
            ts.addSamples(WriteV2.Sample.newBuilder().setValue(i).setTimestamp(1000L * i + 1));
        }
        WriteV2.Request req = WriteV2.Request.newBuilder().addSymbols("").addSymbols("__name__").addSymbols("v2_metric")
                .addTimeseries(ts).build();
        assertEquals(OK, decode(req.toByteArray()), decoder::errorMessage);
        assertEquals(10, out.sampleCount());
        ExtrasOracle.assertSame(req, out);
    }

    private void assertRefused(int code, String messagePart, byte[] raw) {
        int got = decode(raw);
        assertEquals(RemoteWriteStatus.name(code), RemoteWriteStatus.name(got), decoder.errorMessage());
        assertTrue(decoder.errorMessage().contains(messagePart), decoder.errorMessage());
        assertEquals(0, out.seriesCount());
        assertEquals(0, out.sampleCount());
        assertFalse(out.hasExtras());
    }

    private static WriteV2.Request.Builder symbols(String... s) {
        return WriteV2.Request.newBuilder().addAllSymbols(List.of(s));
    }

    private static WriteV2.TimeSeries.Builder series(int... refs) {
        WriteV2.TimeSeries.Builder ts = WriteV2.TimeSeries.newBuilder();
        for (int r : refs) {
            ts.addLabelsRefs(r);
        }
        return ts.addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(5));
    }

    @Test
    void malformedRequestsAreRefusedWholeNamingTheSeries() {
        WriteV2.TimeSeries good = series(1, 2).build();
        assertRefused(BAD_SYMBOL_REFERENCE, "series 1: TimeSeries.labels_refs has 3 entries",
                symbols("", "__name__", "up").addTimeseries(good).addTimeseries(series(1, 2, 1)).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "series 0: TimeSeries.labels_refs: symbol index 3 out of range (the request has 3 symbols)",
                symbols("", "__name__", "up").addTimeseries(series(1, 3)).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "symbol index 4294967295 out of range",
                symbols("", "__name__", "up").addTimeseries(series(1, -1)).build().toByteArray());
        assertRefused(EMPTY_LABEL_NAME, "series 0: empty label name",
                symbols("", "__name__", "up").addTimeseries(series(1, 2, 0, 2)).build().toByteArray());
        assertRefused(MISSING_METRIC_NAME, "series 0: no __name__ label (or an empty one) in {job=\"up\"}",
                symbols("", "job", "up").addTimeseries(series(1, 2)).build().toByteArray());
        assertRefused(MISSING_METRIC_NAME, "series 0: no __name__",
                symbols("", "__name__").addTimeseries(series(1, 0)).build().toByteArray());
        assertRefused(DUPLICATE_LABEL_NAME, "series 1: duplicate label name \"__name__\"",
                symbols("", "__name__", "up", "down").addTimeseries(good).addTimeseries(series(1, 2, 1, 3)).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "series 0: Exemplar.labels_refs: symbol index 9 out of range",
                symbols("", "__name__", "up").addTimeseries(series(1, 2).addExemplars(
                        WriteV2.Exemplar.newBuilder().addLabelsRefs(1).addLabelsRefs(9))).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "series 0: Exemplar.labels_refs has 1 entries",
                symbols("", "__name__", "up").addTimeseries(series(1, 2).addExemplars(
                        WriteV2.Exemplar.newBuilder().addLabelsRefs(1))).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "series 0: Metadata help_ref 7 out of range",
                symbols("", "__name__", "up").addTimeseries(series(1, 2).setMetadata(
                        WriteV2.Metadata.newBuilder().setHelpRef(7))).build().toByteArray());
        assertRefused(BAD_SYMBOL_REFERENCE, "series 0: Metadata unit_ref 3 out of range",
                symbols("", "__name__", "up").addTimeseries(series(1, 2).setMetadata(
                        WriteV2.Metadata.newBuilder().setUnitRef(3))).build().toByteArray());
        assertRefused(BAD_PROTOBUF, "Metadata.type 9 is not a MetricType",
                symbols("", "__name__", "up").addTimeseries(series(1, 2).setMetadata(
                        WriteV2.Metadata.newBuilder().setTypeValue(9))).build().toByteArray());
        assertRefused(BAD_PROTOBUF, "symbol 1 is not valid UTF-8",
                Pb.of().str(4, "").len(4, new byte[] {(byte) 0xC3, 0x28}).bytes());
        // a remote write 1.0 body sent as 2.0: refused, not read as an empty request
        assertRefused(BAD_PROTOBUF, "looks like a remote write 1.0",
                Pb.request(Pb.series("__name__", "up")));
        // a malformed histogram kept whole would make the backend refuse the forwarded batch
        assertRefused(BAD_PROTOBUF, "Histogram field 3: wrong wire type",
                Pb.of().str(4, "").str(4, "__name__").str(4, "up")
                        .len(5, Pb.of().tag(1, 0).varint(1).tag(1, 0).varint(2).len(3, Pb.of().tag(3, 0).varint(1))).bytes());
        // after all of that the decoder still reads a good request exactly
        assertEquals(OK, decode(symbols("", "__name__", "up").addTimeseries(good).build().toByteArray()), decoder::errorMessage);
        assertEquals(1, out.sampleCount());
    }

    @Test
    void remoteWrite1ExtrasAreKeptAsTheyCame() throws Exception {
        RemoteWriteDecoder v1 = new RemoteWriteDecoder(32 << 20);
        RandomRequests random = new RandomRequests(new Random(5));
        int withExtras = 0;
        for (int i = 0; i < 1_000; i++) {
            byte[] raw = random.request();
            byte[] body = Fixtures.snappy(raw);
            assertEquals(OK, v1.decode(body, 0, body.length, out), v1::errorMessage);
            Remote.WriteRequest req = Remote.WriteRequest.parseFrom(raw);
            ExtrasOracle.assertExtrasSame(req, out);
            if (out.hasExtras()) {
                withExtras++;
            }
        }
        assertTrue(withExtras > 100, "requests with extras: " + withExtras);
    }

    /** Extras repeat referenced strings: their size is counted in a long, so the caller's limit check cannot wrap. */
    @Test
    void extrasSizeOfManyReferencesToOneLongSymbolDoesNotOverflow() {
        String big = "y".repeat(1 << 20);
        WriteV2.TimeSeries.Builder ts = series(1, 2);
        for (int i = 0; i < 3_000; i++) {
            ts.addExemplars(WriteV2.Exemplar.newBuilder().addLabelsRefs(3).addLabelsRefs(4).setValue(i));
        }
        assertEquals(OK, decode(symbols("", "__name__", "up", "trace_id", big).addTimeseries(ts).build().toByteArray()),
                decoder::errorMessage);
        assertEquals(3_000, out.exemplarCount());
        assertTrue(out.extrasSize() > 3_000L * (1 << 20), "extras size " + out.extrasSize());
    }
}
