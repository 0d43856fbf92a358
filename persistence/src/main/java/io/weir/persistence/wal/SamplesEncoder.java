package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes a SAMPLES column block and compresses it into a caller's direct buffer. One per journaler thread: the
 * staging buffer and zstd context are reused, so after warm-up encoding allocates nothing.
 */
final class SamplesEncoder implements AutoCloseable {
    private final ZstdCompressCtx zstd = new ZstdCompressCtx();
    private final int flags;
    private ByteBuffer columns = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);

    SamplesEncoder(int zstdLevel, int flags) {
        zstd.setLevel(zstdLevel);
        zstd.setChecksum(false); // the record CRC already covers the compressed bytes
        this.flags = flags | FLAG_COMPRESSED;
    }

    int flags() {
        return flags;
    }

    /** Upper bound of the compressed block for {@code count} samples; callers reserve this much before {@link #encode}. */
    static int maxBlockLength(int count) {
        return (int) Zstd.compressBound((long) count * SAMPLE_BYTES);
    }

    /** @return compressed bytes written at {@code dst[dstOffset..]} */
    int encode(int count, int[] ids, long[] timestamps, double[] values, ByteBuffer dst, int dstOffset, int dstCapacity) {
        int rawLength = count * SAMPLE_BYTES;
        if (columns.capacity() < rawLength) {
            columns = ByteBuffer.allocateDirect(Math.max(rawLength, columns.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        writeColumns(columns, flags, count, ids, timestamps, values);
        return zstd.compressDirectByteBuffer(dst, dstOffset, dstCapacity, columns, 0, rawLength);
    }

    /** Package-visible so the codec test can measure each encoding choice on the same data. */
    static void writeColumns(ByteBuffer out, int flags, int count, int[] ids, long[] timestamps, double[] values) {
        boolean delta = (flags & FLAG_DELTA) != 0;
        boolean shuffle = (flags & FLAG_SHUFFLE) != 0;
        int idsBase = 0;
        int tsBase = count * Integer.BYTES;
        int valuesBase = count * (Integer.BYTES + Long.BYTES);
        int prevId = 0;
        long prevTs = 0;
        for (int i = 0; i < count; i++) {
            int id = delta ? ids[i] - prevId : ids[i];
            long ts = delta ? timestamps[i] - prevTs : timestamps[i];
            long bits = Double.doubleToRawLongBits(values[i]);
            prevId = ids[i];
            prevTs = timestamps[i];
            if (shuffle) {
                for (int b = 0; b < Integer.BYTES; b++) {
                    out.put(idsBase + b * count + i, (byte) (id >>> (b << 3)));
                }
                for (int b = 0; b < Long.BYTES; b++) {
                    out.put(tsBase + b * count + i, (byte) (ts >>> (b << 3)));
                    out.put(valuesBase + b * count + i, (byte) (bits >>> (b << 3)));
                }
            } else {
                out.putInt(idsBase + i * Integer.BYTES, id);
                out.putLong(tsBase + i * Long.BYTES, ts);
                out.putLong(valuesBase + i * Long.BYTES, bits);
            }
        }
    }

    @Override
    public void close() {
        zstd.close();
    }
}
