package io.weir.net.remotewrite;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Utf8#isValid} against the JDK's strict UTF-8 decoder (which refuses overlong forms, surrogates and code points
 * past U+10FFFF, as RFC 3629 does), on ranges that are mostly ASCII with a bad or multi-byte sequence anywhere: before,
 * inside and after the eight-byte ASCII steps, and at the very end of the array, where no whole word can be read.
 */
class Utf8Test {
    private static final byte[][] PIECES = {
        {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xE6, (byte) 0x8C, (byte) 0x87}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x93, (byte) 0x88},
        {(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xC3}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, {(byte) 0xFF},
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x93}, {0x7F}, {0},
    };

    @Test
    void agreesWithTheJdkDecoderOnRandomRanges() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(40)];
            int at = 0;
            while (at < b.length) {
                if (r.nextInt(6) == 0) {
                    byte[] piece = PIECES[r.nextInt(PIECES.length)];
                    int n = Math.min(piece.length, b.length - at);
                    System.arraycopy(piece, 0, b, at, n);
                    at += n;
                } else {
                    b[at++] = (byte) (0x20 + r.nextInt(0x5F));
                }
            }
            int off = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            int len = r.nextInt(b.length - off + 1);
            assertEquals(jdkValid(b, off, len), Utf8.isValid(b, off, len), () -> describe(b, off, len));
        }
    }

    @Test
    void asciiRangesOfEveryLengthAndEndAreValidAndOneHighByteAnywhereIsNot() {
        for (int size = 0; size <= 24; size++) {
            byte[] b = new byte[size];
            java.util.Arrays.fill(b, (byte) 'a');
            for (int off = 0; off <= size; off++) {
                for (int len = 0; off + len <= size; len++) {
                    assertEquals(true, Utf8.isValid(b, off, len));
                    for (int bad = off; bad < off + len; bad++) {
                        b[bad] = (byte) 0x80;
                        assertEquals(false, Utf8.isValid(b, off, len), "size " + size + " off " + off + " len " + len + " bad at " + bad);
                        b[bad] = 'a';
                    }
                }
            }
        }
    }

    private static boolean jdkValid(byte[] b, int off, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String describe(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder("off " + off + " len " + len + ":");
        for (byte x : b) {
            sb.append(String.format(" %02x", x & 0xFF));
        }
        return sb.toString();
    }
}
