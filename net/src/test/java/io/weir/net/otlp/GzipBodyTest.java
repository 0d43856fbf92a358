package io.weir.net.otlp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GzipBodyTest {
    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void inflatesOneOrMoreMembersExactly() throws IOException {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        Arrays.fill(data, 1000, 200_000, (byte) 7);
        GzipBody g = new GzipBody();
        byte[] z = gzip(data);
        assertEquals(data.length, g.inflate(z, 0, z.length, data.length));
        assertArrayEquals(data, Arrays.copyOf(g.buffer(), data.length));
        byte[] two = OtlpMetricsDecoderTest.cat(gzip(new byte[] {1, 2}), gzip(new byte[] {3}));
        assertEquals(3, g.inflate(two, 0, two.length, 100));
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(g.buffer(), 3));
    }

    @Test
    void stopsAtTheLimitWithoutInflatingTheRest() throws IOException {
        byte[] bomb = gzip(new byte[50 << 20]); // 50 MiB of zeros, ~50 KiB compressed
        GzipBody g = new GzipBody();
        assertEquals(GzipBody.TOO_LARGE, g.inflate(bomb, 0, bomb.length, 1 << 20));
        assertTrue(g.buffer().length <= (1 << 20) + 1, "never grew past the limit: " + g.buffer().length);
        assertTrue(g.errorMessage().contains("server.max_request_bytes"));
        byte[] exact = gzip(new byte[1000]);
        assertEquals(1000, g.inflate(exact, 0, exact.length, 1000));
        assertEquals(GzipBody.TOO_LARGE, g.inflate(exact, 0, exact.length, 999));
    }

    @Test
    void refusesBrokenStreams() throws IOException {
        byte[] z = gzip("hello world, hello world".getBytes());
        GzipBody g = new GzipBody();
        Object[][] cases = {
            {new byte[0], "empty"},
            {"plain".getBytes(), "truncated header"},
            {"not gzip at all".getBytes(), "bad magic"},
            {Arrays.copyOf(z, z.length - 3), "truncated trailer"},
            {Arrays.copyOf(z, 15), "truncated deflate"},
            {flip(z, z.length - 6), "CRC-32"},
            {flip(z, z.length - 2), "length trailer"},
            {OtlpMetricsDecoderTest.cat(z, new byte[] {0x1f}), "truncated header"},
        };
        for (Object[] c : cases) {
            byte[] b = (byte[]) c[0];
            assertEquals(GzipBody.BAD, g.inflate(b, 0, b.length, 1 << 20), (String) c[1]);
            assertTrue(g.errorMessage().contains((String) c[1]), c[1] + " vs " + g.errorMessage());
        }
    }

    private static byte[] flip(byte[] b, int at) {
        byte[] c = b.clone();
        c[at] ^= 1;
        return c;
    }
}
