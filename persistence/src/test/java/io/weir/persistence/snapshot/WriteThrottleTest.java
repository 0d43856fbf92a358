package io.weir.persistence.snapshot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteThrottleTest {
    @Test
    void pacesTheBytesItIsGivenAndPassesThemThrough() throws IOException {
        WriteThrottle throttle = new WriteThrottle(1 << 20); // 1 MiB/s
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        byte[] data = new byte[256 << 10];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        long t0 = System.nanoTime();
        try (OutputStream out = throttle.pace(sink)) {
            out.write(data, 0, data.length);
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        // a lower bound only: 256 KiB at 1 MiB/s cannot be through in less than 250 ms (a slow machine may take longer)
        assertTrue(elapsedMs >= 240, "paced write took " + elapsedMs + " ms");
        assertArrayEquals(data, sink.toByteArray());
    }

    @Test
    void liftingEndsTheWaitOfAWriteInProgress() throws Exception {
        WriteThrottle throttle = new WriteThrottle(1024); // 1 KiB/s: 1 MiB would take 17 minutes
        CountDownLatch writing = new CountDownLatch(1);
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) { }

            @Override
            public void write(byte[] b, int off, int len) {
                writing.countDown();
            }
        };
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try (OutputStream out = throttle.pace(sink)) {
                out.write(new byte[1 << 20]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(writing.await(10, TimeUnit.SECONDS));
        throttle.lift();
        write.get(10, TimeUnit.SECONDS); // rethrows a failure on the writing thread
    }

    @Test
    void unlimitedWrapsNothingAndZeroIsRefused() {
        OutputStream sink = new ByteArrayOutputStream();
        assertSame(sink, WriteThrottle.unlimited().pace(sink));
        assertThrows(IllegalArgumentException.class, () -> new WriteThrottle(0));
    }
}
