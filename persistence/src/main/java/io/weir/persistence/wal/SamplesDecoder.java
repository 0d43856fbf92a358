package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decodes SAMPLES blocks into reused column arrays. One per reader thread. */
final class SamplesDecoder implements AutoCloseable {
    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();
    private ByteBuffer columns = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    int[] ids = new int[1024];
    long[] timestamps = new long[1024];
    double[] values = new double[1024];

    /** @return null on success, otherwise why the block does not decode */
    String decode(int flags, int count, ByteBuffer src, int srcOffset, int srcLength) {
        if (count < 0 || count > Integer.MAX_VALUE / SAMPLE_BYTES) {
            return "sample count " + Integer.toUnsignedString(count) + " out of range";
        }
        int rawLength = count * SAMPLE_BYTES;
        if (columns.capacity() < rawLength) {
            columns = ByteBuffer.allocateDirect(Math.max(rawLength, columns.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (ids.length < count) {
            int n = Math.max(count, ids.length * 2);
            ids = new int[n];
            timestamps = new long[n];
            values = new double[n];
        }
        if ((flags & FLAG_COMPRESSED) != 0) {
            int n;
            try {
                n = zstd.decompressDirectByteBuffer(columns, 0, rawLength, src, srcOffset, srcLength);
            } catch (ZstdException e) {
                return "zstd: " + e.getMessage();
            }
            if (n != rawLength) {
                return "block decompressed to " + n + " bytes, expected " + rawLength;
            }
            readColumns(columns, 0, flags, count);
        } else {
            if (srcLength != rawLength) {
                return "uncompressed block is " + srcLength + " bytes, expected " + rawLength;
            }
            readColumns(src, srcOffset, flags, count);
        }
        return null;
    }

    private void readColumns(ByteBuffer in, int base, int flags, int count) {
        boolean delta = (flags & FLAG_DELTA) != 0;
        boolean shuffle = (flags & FLAG_SHUFFLE) != 0;
        int idsBase = base;
        int tsBase = base + count * Integer.BYTES;
        int valuesBase = base + count * (Integer.BYTES + Long.BYTES);
        int prevId = 0;
        long prevTs = 0;
        for (int i = 0; i < count; i++) {
            int id;
            long ts;
            long bits;
            if (shuffle) {
                id = 0;
                for (int b = 0; b < Integer.BYTES; b++) {
                    id |= (in.get(idsBase + b * count + i) & 0xFF) << (b << 3);
                }
                ts = 0;
                bits = 0;
                for (int b = 0; b < Long.BYTES; b++) {
                    ts |= (in.get(tsBase + b * count + i) & 0xFFL) << (b << 3);
                    bits |= (in.get(valuesBase + b * count + i) & 0xFFL) << (b << 3);
                }
            } else {
                id = in.getInt(idsBase + i * Integer.BYTES);
                ts = in.getLong(tsBase + i * Long.BYTES);
                bits = in.getLong(valuesBase + i * Long.BYTES);
            }
            if (delta) {
                id += prevId;
                ts += prevTs;
            }
            ids[i] = prevId = id;
            timestamps[i] = prevTs = ts;
            values[i] = Double.longBitsToDouble(bits);
        }
    }

    @Override
    public void close() {
        zstd.close();
    }
}
