package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;
import static io.weir.persistence.wal.WalTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Round-trips every encoding and prints the ratio each gets on Prometheus-like batches (why WalWriter picks its flags). */
class SamplesCodecTest {
    @Test
    void everyEncodingRoundTripsAndTheChosenOneIsTheSmallest() {
        int count = 2000;
        Samples s = samples(new SplittableRandom(9), count, 1_700_000_000_000L);
        int raw = count * SAMPLE_BYTES;
        ByteBuffer columns = ByteBuffer.allocateDirect(raw).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer compressed = ByteBuffer.allocateDirect((int) Zstd.compressBound(raw)).order(ByteOrder.LITTLE_ENDIAN);
        int[] flagSets = {0, FLAG_DELTA, FLAG_SHUFFLE, FLAG_DELTA | FLAG_SHUFFLE};
        int chosenSize = 0;
        int smallest = Integer.MAX_VALUE;
        try (ZstdCompressCtx zstd = new ZstdCompressCtx().setLevel(1); SamplesDecoder decoder = new SamplesDecoder()) {
            for (int flags : flagSets) {
                SamplesEncoder.writeColumns(columns, flags, count, s.ids(), s.ts(), s.values());
                int n = zstd.compressDirectByteBuffer(compressed, 0, compressed.capacity(), columns, 0, raw);
                assertNull(decoder.decode(flags | FLAG_COMPRESSED, count, compressed, 0, n));
                assertEquals(s, new Samples(java.util.Arrays.copyOf(decoder.ids, count),
                        java.util.Arrays.copyOf(decoder.timestamps, count), java.util.Arrays.copyOf(decoder.values, count)));
                assertNull(decoder.decode(flags, count, columns, 0, raw), "uncompressed form decodes too");
                System.out.printf("samples block flags=%s%s: %d -> %d bytes, ratio %.2fx%n",
                        (flags & FLAG_DELTA) != 0 ? "delta" : "-", (flags & FLAG_SHUFFLE) != 0 ? "+shuffle" : "", raw, n, (double) raw / n);
                smallest = Math.min(smallest, n);
                if (flags == WalWriter.SAMPLES_FLAGS) {
                    chosenSize = n;
                }
            }
        }
        assertEquals(smallest, chosenSize);
    }

    @Test
    void damagedBlockIsReportedNotThrown() {
        try (SamplesDecoder decoder = new SamplesDecoder()) {
            ByteBuffer junk = ByteBuffer.allocateDirect(64);
            assertNotNull(decoder.decode(FLAG_COMPRESSED, 10, junk, 0, 64));
            assertNotNull(decoder.decode(0, 10, junk, 0, 64));
            assertNotNull(decoder.decode(0, -1, junk, 0, 64));
        }
    }
}
