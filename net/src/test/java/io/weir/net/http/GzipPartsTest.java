package io.weir.net.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * An answer compressed in stretches on several threads is one gzip member whose single deflate stream inflates to the
 * answer exactly (a reader that stops at the first final block or checks the trailer would see a stretch ended too
 * early or a wrong CRC), for answers empty, smaller than a stretch, and of many stretches with parts of every size.
 */
class GzipPartsTest {

    @Test
    void oneGzipMemberThatInflatesToTheAnswer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            SplittableRandom rnd = new SplittableRandom(9);
            int[] totals = {0, 1, 100, GzipParts.STRETCH_BYTES - 1, GzipParts.STRETCH_BYTES, 3 * GzipParts.STRETCH_BYTES + 777};
            for (int total : totals) {
                ByteBuffer[] parts = parts(total, rnd);
                byte[] joined = joined(parts);
                for (int parallelism : new int[] {1, 3}) {
                    ByteBuffer[] gz = GzipParts.compress(parts, 1, parallelism == 1 ? null : pool, parallelism);
                    for (ByteBuffer p : gz) {
                        assertTrue(p.remaining() <= GzipParts.OUT_BYTES, "an output part of " + p.remaining() + " bytes");
                    }
                    byte[] stream = joined(gz);
                    String what = total + " bytes, parallelism " + parallelism;
                    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(stream))) {
                        assertArrayEquals(joined, in.readAllBytes(), what);
                    }
                    // one member: the deflate stream between the 10-byte header and the 8-byte trailer ends exactly there
                    Inflater inflater = new Inflater(true);
                    inflater.setInput(stream, 10, stream.length - 18);
                    byte[] out = new byte[joined.length + 1];
                    int n = 0;
                    while (!inflater.finished() && n < out.length) {
                        int k = inflater.inflate(out, n, out.length - n);
                        if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                            break;
                        }
                        n += k;
                    }
                    assertTrue(inflater.finished(), what + ": the stream ends at its trailer");
                    assertEquals(0, inflater.getRemaining(), what);
                    assertArrayEquals(joined, Arrays.copyOf(out, n), what);
                    inflater.end();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void acceptEncoding() {
        assertTrue(GzipParts.accepted("gzip"));
        assertTrue(GzipParts.accepted("deflate, gzip;q=1.0, *;q=0.5"));
        assertTrue(GzipParts.accepted("GZIP"));
        assertTrue(GzipParts.accepted("*"));
        assertTrue(GzipParts.accepted("gzip;q=nonsense"));
        assertFalse(GzipParts.accepted(null));
        assertFalse(GzipParts.accepted(""));
        assertFalse(GzipParts.accepted("deflate, br"));
        assertFalse(GzipParts.accepted("gzip;q=0"));
        assertFalse(GzipParts.accepted("identity"));
    }

    /** JSON-like ASCII in parts of 0 .. 90 KiB (some empty), as a query answer is written. */
    /**
     * ASCII point text of {@code total} bytes as parts of random lengths (some empty), each a range inside a larger
     * array (as the range result cache's text is handed on): some at a position past 0, some sliced (an array offset).
     */
    static ByteBuffer[] parts(int total, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < total; i++) {
            sb.append("[").append(1_700_000_000 + 60 * i).append(",\"").append(rnd.nextInt(100_000) / 100.0).append("\"],");
        }
        byte[] all = sb.substring(0, total).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        List<ByteBuffer> out = new ArrayList<>();
        for (int at = 0; at < all.length; ) {
            int n = rnd.nextInt(10) == 0 ? 0 : Math.min(all.length - at, rnd.nextInt(1, 90 << 10));
            out.add(within(Arrays.copyOfRange(all, at, at + n), rnd));
            at += n;
        }
        return out.toArray(ByteBuffer[]::new);
    }

    /** {@code bytes} as a part inside a larger array of noise: whole, at a position, or sliced there. */
    static ByteBuffer within(byte[] bytes, SplittableRandom rnd) {
        int before = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1, 100);
        byte[] padded = new byte[before + bytes.length + rnd.nextInt(100)];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = (byte) rnd.nextInt(256);
        }
        System.arraycopy(bytes, 0, padded, before, bytes.length);
        ByteBuffer at = ByteBuffer.wrap(padded, before, bytes.length);
        return rnd.nextBoolean() ? at.slice() : at;
    }

    static byte[] joined(ByteBuffer[] parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer p : parts) {
            out.write(p.array(), p.arrayOffset() + p.position(), p.remaining());
        }
        return out.toByteArray();
    }
}
