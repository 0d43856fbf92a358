package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Label sets sorted by name, byte-wise unsigned, and repeated names found, against {@link Arrays#compareUnsigned} on
 * the names' bytes: names that share prefixes, are prefixes of one another, are shorter and longer than the eight
 * bytes compared as one word, and hold bytes with the high bit set; label sets that arrive sorted (the one-pass path)
 * and shuffled (the sort), through the remote write decoder and through the builder.
 */
class LabelOrderTest {
    /** Single code points whose UTF-8 bytes span the unsigned byte range: 0x00, ASCII, 0xC3.., 0xE6.. */
    private static final String[] CHARS = {"\0", "a", "b", "_", "\u007f", "é", "ÿ", "指"};

    private final Random r = new Random(11);

    private String name() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1 + r.nextInt(r.nextBoolean() ? 4 : 11); i > 0; i--) {
            sb.append(CHARS[r.nextInt(CHARS.length)]);
        }
        return sb.toString();
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        names.add("__name__");
        for (int i = r.nextInt(9); i > 0; i--) {
            names.add(r.nextInt(10) == 0 ? names.get(r.nextInt(names.size())) : name()); // sometimes a repeat
        }
        names.sort((x, y) -> Arrays.compareUnsigned(utf8(x), utf8(y)));
        if (r.nextBoolean()) {
            Collections.shuffle(names, r);
        }
        return names;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] expectedOrder(List<String> names) {
        byte[][] sorted = names.stream().map(LabelOrderTest::utf8).toArray(byte[][]::new);
        Arrays.sort(sorted, Arrays::compareUnsigned);
        return sorted;
    }

    private static boolean hasRepeat(byte[][] sorted) {
        for (int i = 1; i < sorted.length; i++) {
            if (Arrays.equals(sorted[i - 1], sorted[i])) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] namesOf(DecodedWriteRequest d, int s) {
        byte[][] out = new byte[d.seriesLabelCount(s)][];
        for (int i = 0; i < out.length; i++) {
            out[i] = utf8(d.labelName(d.seriesFirstLabel(s) + i));
        }
        return out;
    }

    @Test
    void theDecoderSortsAndRefusesRepeatsAsASortByBytesWould() {
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(1 << 20);
        DecodedWriteRequest d = new DecodedWriteRequest();
        for (int i = 0; i < 20_000; i++) {
            List<String> names = names();
            String[] pairs = new String[names.size() * 2];
            for (int j = 0; j < names.size(); j++) {
                pairs[2 * j] = names.get(j);
                pairs[2 * j + 1] = names.get(j).equals("__name__") ? "m" : "v" + j;
            }
            byte[] body = Fixtures.snappy(Pb.request(Pb.series(pairs)));
            int code = decoder.decode(body, 0, body.length, d);
            byte[][] expected = expectedOrder(names);
            if (hasRepeat(expected)) {
                assertEquals(RemoteWriteStatus.DUPLICATE_LABEL_NAME, code, names::toString);
            } else {
                assertEquals(RemoteWriteStatus.OK, code, () -> names + ": " + decoder.errorMessage());
                assertArrayEquals(expected, namesOf(d, 0), names::toString);
            }
        }
    }

    @Test
    void theBuilderSortsAndRefusesRepeatsAsASortByBytesWould() {
        DecodedWriteRequest d = new DecodedWriteRequest();
        for (int i = 0; i < 20_000; i++) {
            List<String> names = names();
            d.clear();
            int s = d.beginSeries();
            for (String n : names) {
                d.addLabel(n, "v");
            }
            int code = d.finishSeries(s);
            byte[][] expected = expectedOrder(names);
            assertEquals(hasRepeat(expected) ? RemoteWriteStatus.DUPLICATE_LABEL_NAME : RemoteWriteStatus.OK, code,
                    names::toString);
            assertArrayEquals(expected, namesOf(d, s), names::toString);
        }
    }
}
