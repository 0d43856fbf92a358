package io.weir.persistence.wal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

import java.nio.ByteBuffer;

/**
 * zstd for EXTRAS payloads (opaque bytes: pre-encoded remote write fields). One per thread, on one side: the journaler
 * compresses, a reader decompresses. The direct staging buffer and the zstd context are reused, so after warm-up
 * neither side allocates.
 */
final class ExtrasCodec implements AutoCloseable {
    private final ZstdCompressCtx compress;
    private final ZstdDecompressCtx decompress;
    private ByteBuffer staging = ByteBuffer.allocateDirect(16 * 1024);
    /** Decompressed bytes handed to visitors; reused. */
    byte[] raw = new byte[16 * 1024];

    private ExtrasCodec(ZstdCompressCtx compress, ZstdDecompressCtx decompress) {
        this.compress = compress;
        this.decompress = decompress;
    }

    static ExtrasCodec forWriting(int zstdLevel) {
        ZstdCompressCtx ctx = new ZstdCompressCtx();
        ctx.setLevel(zstdLevel);
        ctx.setChecksum(false); // the record CRC covers the compressed bytes
        return new ExtrasCodec(ctx, null);
    }

    static ExtrasCodec forReading() {
        return new ExtrasCodec(null, new ZstdDecompressCtx());
    }

    static int maxBlockLength(int length) {
        return (int) Zstd.compressBound(length);
    }

    /** @return compressed bytes written at {@code dst[dstOffset..]} */
    int compress(byte[] src, int off, int len, ByteBuffer dst, int dstOffset, int dstCapacity) {
        ensureStaging(len);
        staging.put(0, src, off, len);
        return compress.compressDirectByteBuffer(dst, dstOffset, dstCapacity, staging, 0, len);
    }

    /** Decompresses into {@link #raw}; @return null on success, otherwise why the block does not decode */
    String decompress(int rawLength, ByteBuffer src, int srcOffset, int srcLength) {
        if (rawLength < 0) {
            return "EXTRAS raw length " + Integer.toUnsignedString(rawLength) + " out of range";
        }
        ensureStaging(rawLength);
        int n;
        try {
            n = decompress.decompressDirectByteBuffer(staging, 0, rawLength, src, srcOffset, srcLength);
        } catch (ZstdException e) {
            return "zstd: " + e.getMessage();
        }
        if (n != rawLength) {
            return "EXTRAS block decompressed to " + n + " bytes, expected " + rawLength;
        }
        if (raw.length < rawLength) {
            raw = new byte[Math.max(rawLength, raw.length * 2)];
        }
        staging.get(0, raw, 0, rawLength);
        return null;
    }

    private void ensureStaging(int len) {
        if (staging.capacity() < len) {
            staging = ByteBuffer.allocateDirect(Math.max(len, staging.capacity() * 2));
        }
    }

    @Override
    public void close() {
        if (compress != null) {
            compress.close();
        }
        if (decompress != null) {
            decompress.close();
        }
    }
}
