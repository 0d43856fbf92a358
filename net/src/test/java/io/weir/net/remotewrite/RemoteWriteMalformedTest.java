package io.weir.net.remotewrite;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_PROTOBUF;
import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_SNAPPY;
import static io.weir.net.remotewrite.RemoteWriteStatus.DUPLICATE_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.EMPTY_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.INVALID_LABEL_VALUE;
import static io.weir.net.remotewrite.RemoteWriteStatus.MISSING_METRIC_NAME;
import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static io.weir.net.remotewrite.RemoteWriteStatus.TOO_LARGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A table of malformed bodies, each with the code and the message fragment the decoder must give. */
class RemoteWriteMalformedTest {
    private static final int CAP = 1 << 20;
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(CAP);
    private final DecodedWriteRequest out = new DecodedWriteRequest();

    private static final Pb UP = Pb.series("__name__", "up", "job", "node");

    private static Arguments proto(String name, byte[] raw, int code, String fragment) {
        return Arguments.of(name, Fixtures.snappy(raw), code, fragment);
    }

    private static Arguments body(String name, byte[] body, int code, String fragment) {
        return Arguments.of(name, body, code, fragment);
    }

    static Stream<Arguments> cases() {
        byte[] badUtf8 = {'j', (byte) 0xC3, '(', 'b'};
        return Stream.of(
                body("empty body", new byte[0], BAD_SNAPPY, "empty body"),
                body("snappy header never ends", new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                        (byte) 0x80, 0x01}, BAD_SNAPPY, "length header"),
                body("snappy garbage", new byte[] {0x20, (byte) 0xFF, (byte) 0xFF, 0x13, 0x55}, BAD_SNAPPY, "corrupt"),
                body("snappy copy before any literal", new byte[] {0x0A, 0x05, 0x01}, BAD_SNAPPY, "snappy"),
                body("snappy header over the cap", new byte[] {(byte) 0x81, (byte) 0x80, (byte) 0x40, 0x00, 0x00},
                        TOO_LARGE, "over the limit of " + CAP),
                body("snappy header of 4 GiB", new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F},
                        TOO_LARGE, "4294967295"),
                proto("overlong varint tag", Pb.of().raw(0x8A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                        0x00).bytes(), BAD_PROTOBUF, "longer than 10 bytes"),
                proto("overlong varint timestamp", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(2, Pb.of().tag(2, 0).raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01))),
                        BAD_PROTOBUF, "series 0: varint longer than 10 bytes"),
                proto("tag beyond 32 bits", Pb.of().varint(1L << 35 | 2).bytes(), BAD_PROTOBUF, "tag out of range"),
                proto("field number 0", Pb.of().raw(0x02, 0x00).bytes(), BAD_PROTOBUF, "field number 0"),
                proto("series length past end", Pb.of().tag(1, 2).varint(100).raw(UP.bytes()).bytes(), BAD_PROTOBUF,
                        "WriteRequest.timeseries: length 100"),
                proto("label length past series end", Pb.request(Pb.of().tag(1, 2).varint(50)
                        .raw(Pb.label("__name__", "up").bytes())), BAD_PROTOBUF, "series 0: TimeSeries.labels: length 50"),
                proto("name length past label end", Pb.request(Pb.of().len(1, Pb.of().tag(1, 2).varint(9).raw('u', 'p'))),
                        BAD_PROTOBUF, "Label.name: length 9"),
                proto("huge length", Pb.of().tag(1, 2).varint(-1L).bytes(), BAD_PROTOBUF, "runs past the end"),
                proto("truncated fixed64 value", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(2, Pb.of().tag(1, 1).raw(1, 2, 3))), BAD_PROTOBUF, "truncated fixed64"),
                proto("truncated unknown fixed32", Pb.of().tag(9, 5).raw(1, 2).bytes(), BAD_PROTOBUF, "truncated fixed32"),
                proto("timeseries as varint", Pb.of().tag(1, 0).varint(5).bytes(), BAD_PROTOBUF,
                        "WriteRequest.timeseries: wrong wire type 0"),
                proto("metadata as fixed64", Pb.of().fixed64(3, 5).bytes(), BAD_PROTOBUF, "WriteRequest.metadata: wrong wire type 1"),
                proto("label as fixed32", Pb.request(Pb.of().tag(1, 5).raw(1, 2, 3, 4)), BAD_PROTOBUF,
                        "TimeSeries.labels: wrong wire type 5"),
                proto("label name as varint", Pb.request(Pb.of().len(1, Pb.of().tag(1, 0).varint(3))), BAD_PROTOBUF,
                        "Label.name: wrong wire type 0"),
                proto("sample value as varint", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(2, Pb.of().tag(1, 0).varint(3))), BAD_PROTOBUF, "Sample.value: wrong wire type 0"),
                proto("sample timestamp as fixed64", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(2, Pb.of().fixed64(2, 3))), BAD_PROTOBUF, "Sample.timestamp: wrong wire type 1"),
                proto("exemplar as varint", Pb.request(Pb.of().len(1, Pb.label("__name__", "up")).tag(3, 0).varint(1)),
                        BAD_PROTOBUF, "TimeSeries.exemplars: wrong wire type 0"),
                proto("start group", Pb.of().tag(7, 3).tag(7, 4).bytes(), BAD_PROTOBUF, "group wire type 3"),
                proto("end group", Pb.of().tag(7, 4).bytes(), BAD_PROTOBUF, "group wire type 4"),
                proto("group inside a series", Pb.request(Pb.of().len(1, Pb.label("__name__", "up")).tag(9, 3)),
                        BAD_PROTOBUF, "series 0: field 9: group wire type 3"),
                proto("wire type 6", Pb.of().tag(7, 6).bytes(), BAD_PROTOBUF, "invalid wire type 6"),
                proto("wire type 7", Pb.of().tag(7, 7).bytes(), BAD_PROTOBUF, "invalid wire type 7"),
                proto("malformed histogram", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(4, Pb.of().tag(3, 1).raw(1))), BAD_PROTOBUF, "truncated fixed64"),
                proto("missing __name__", Pb.request(UP, Pb.series("job", "node")), MISSING_METRIC_NAME,
                        "series 1: no __name__ label (or an empty one) in {job=\"node\"}"),
                proto("empty __name__ value", Pb.request(Pb.series("__name__", "", "job", "x")), MISSING_METRIC_NAME,
                        "series 0: no __name__"),
                proto("empty label name", Pb.request(UP, UP, Pb.series("__name__", "up", "", "x")), EMPTY_LABEL_NAME,
                        "series 2: empty label name (value \"x\")"),
                proto("label without name field", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(1, Pb.of().str(2, "v"))), EMPTY_LABEL_NAME, "series 0: empty label name"),
                proto("invalid UTF-8 name", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(1, Pb.of().len(1, badUtf8).str(2, "v"))), INVALID_LABEL_NAME,
                        "series 0: label name is not valid UTF-8: j\\xc3(b"),
                proto("surrogate in name", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(1, Pb.of().len(1, new byte[] {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80}).str(2, "v"))),
                        INVALID_LABEL_NAME, "not valid UTF-8"),
                proto("invalid UTF-8 value", Pb.request(Pb.of().len(1, Pb.label("__name__", "up"))
                        .len(1, Pb.of().str(1, "job").len(2, badUtf8))), INVALID_LABEL_VALUE,
                        "series 0: value of label \"job\" is not valid UTF-8"),
                proto("duplicate names", Pb.request(UP, Pb.series("__name__", "up", "job", "a", "x", "1", "job", "b")),
                        DUPLICATE_LABEL_NAME, "series 1: duplicate label name \"job\""),
                proto("duplicate __name__", Pb.request(Pb.series("__name__", "a", "__name__", "b")),
                        DUPLICATE_LABEL_NAME, "duplicate label name \"__name__\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedBodyIsRefusedWithItsCode(String name, byte[] body, int code, String fragment) {
        int got = decoder.decode(body, 0, body.length, out);
        assertEquals(RemoteWriteStatus.name(code), RemoteWriteStatus.name(got), decoder::errorMessage);
        assertTrue(decoder.errorMessage().contains(fragment),
                () -> "message \"" + decoder.errorMessage() + "\" lacks \"" + fragment + "\"");
        assertEquals(0, out.seriesCount(), "a refused request leaves nothing behind");
        assertEquals(0, out.sampleCount());
        // and the decoder is not poisoned
        byte[] good = Fixtures.snappy(Pb.request(UP));
        assertEquals(OK, decoder.decode(good, 0, good.length, out), decoder::errorMessage);
        assertEquals(1, out.seriesCount());
    }

    @Test
    void truncationAtEveryByteIsRefusedUnlessItEndsOnASeries() {
        List<Integer> boundaries = new ArrayList<>();
        Pb raw = Pb.of();
        boundaries.add(0);
        for (Pb s : new Pb[] {UP, Pb.series("__name__", "ünïcødé", "b", "2", "a", "1"), Pb.series("__name__", "x")}) {
            raw.len(1, s);
            boundaries.add(raw.bytes().length);
        }
        byte[] full = raw.bytes();
        for (int cut = 0; cut <= full.length; cut++) {
            byte[] body = Fixtures.snappy(Arrays.copyOf(full, cut));
            int code = decoder.decode(body, 0, body.length, out);
            if (boundaries.contains(cut)) {
                assertEquals(OK, code, "cut at " + cut + ": " + decoder.errorMessage());
                assertEquals(boundaries.indexOf(cut), out.seriesCount());
            } else {
                int at = cut;
                assertEquals(BAD_PROTOBUF, code, () -> "cut at " + at);
                assertTrue(decoder.errorMessage().contains("runs past the end")
                        || decoder.errorMessage().contains("truncated"), decoder.errorMessage());
            }
        }
    }

    @Test
    void nonMinimalVarintsAreAccepted() {
        byte[] label = Pb.label("__name__", "up").bytes();
        byte[] sample = Pb.of().tag(1, 1).raw(new byte[8]).tag(2, 0).paddedVarint(5, 10).bytes();
        byte[] series = Pb.of().tag(1, 2).paddedVarint(label.length, 5).raw(label)
                .paddedVarint(2 << 3 | 2, 3).paddedVarint(sample.length, 2).raw(sample).bytes();
        byte[] body = Fixtures.snappy(Pb.of().tag(1, 2).paddedVarint(series.length, 10).raw(series).bytes());
        assertEquals(OK, decoder.decode(body, 0, body.length, out), decoder::errorMessage);
        assertEquals(5, out.timestamp(0));
    }

    @Test
    void labelWithEmptyValueIsDropped() {
        byte[] body = Fixtures.snappy(Pb.request(Pb.series("__name__", "up", "gone", "", "job", "x")));
        assertEquals(OK, decoder.decode(body, 0, body.length, out), decoder::errorMessage);
        assertEquals(List.of("__name__=up", "job=x"), Fixtures.decodedLabels(out, 0));
    }

    @Test
    void utf8ValidationAgreesWithTheJdk() {
        Random r = new Random(3);
        var strict = StandardCharsets.UTF_8.newDecoder();
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(6)];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) (r.nextInt(3) == 0 ? r.nextInt(128) : 0x80 + r.nextInt(128));
            }
            boolean jdk;
            try {
                strict.decode(java.nio.ByteBuffer.wrap(b));
                jdk = true;
            } catch (java.nio.charset.CharacterCodingException e) {
                jdk = false;
            }
            assertEquals(jdk, Utf8.isValid(b, 0, b.length), () -> Arrays.toString(b));
        }
    }
}
