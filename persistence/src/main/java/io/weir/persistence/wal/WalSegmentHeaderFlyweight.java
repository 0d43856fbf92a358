package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalSegmentDescriptor.*;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Typed access to a segment header ({@link WalSegmentDescriptor}) at an offset of a little-endian buffer. */
final class WalSegmentHeaderFlyweight {
    private ByteBuffer buffer;
    private int offset;

    WalSegmentHeaderFlyweight wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Writes a complete header for this segment, CRC included. */
    void write(long segmentIndex, CRC32C crc) {
        buffer.putInt(offset + MAGIC_OFFSET, MAGIC);
        buffer.putShort(offset + VERSION_OFFSET, VERSION);
        buffer.putShort(offset + RESERVED_OFFSET, (short) 0);
        buffer.putLong(offset + INDEX_OFFSET, segmentIndex);
        buffer.putInt(offset + CRC_OFFSET, computeCrc(crc));
        buffer.putInt(offset + CRC_OFFSET + 4, 0);
    }

    int magic() {
        return buffer.getInt(offset + MAGIC_OFFSET);
    }

    int version() {
        return buffer.getShort(offset + VERSION_OFFSET) & 0xFFFF;
    }

    long segmentIndex() {
        return buffer.getLong(offset + INDEX_OFFSET);
    }

    boolean isAllZero() {
        for (int i = 0; i < HEADER_LENGTH; i++) {
            if (buffer.get(offset + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return null when the header is valid for this segment index, otherwise why not */
    String check(long expectedIndex, CRC32C crc) {
        if (magic() != MAGIC) {
            return "bad segment magic 0x" + Integer.toHexString(magic());
        }
        if (buffer.getInt(offset + CRC_OFFSET) != computeCrc(crc)) {
            return "segment header CRC32C mismatch";
        }
        if (version() != VERSION) {
            return "unsupported segment version " + version();
        }
        if (segmentIndex() != expectedIndex) {
            return "header names segment " + segmentIndex() + " but the file name says " + expectedIndex;
        }
        return null;
    }

    private int computeCrc(CRC32C crc) {
        crc.reset();
        int savedPosition = buffer.position();
        int savedLimit = buffer.limit();
        buffer.limit(offset + CRC_OFFSET).position(offset);
        crc.update(buffer);
        buffer.limit(savedLimit).position(savedPosition);
        return (int) crc.getValue();
    }
}
