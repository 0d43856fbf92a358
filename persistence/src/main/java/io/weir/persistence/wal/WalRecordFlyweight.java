package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Typed access to one record frame ({@link WalRecordDescriptor}) at an offset of a little-endian buffer.
 * Reusable: {@link #wrap} it over the next frame instead of allocating.
 */
final class WalRecordFlyweight {
    /** Why a frame was rejected; {@link #VALID} otherwise. */
    static final int VALID = 0, TORN = 1, BAD_LENGTH = 2, BAD_TYPE = 3, BAD_CRC = 4;

    private ByteBuffer buffer;
    private int offset;

    WalRecordFlyweight wrap(ByteBuffer buffer, int offset) {
        assert buffer.order() == ByteOrder.LITTLE_ENDIAN;
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    int offset() {
        return offset;
    }

    /** Payload length as an unsigned value; a corrupt frame can hold anything here. */
    long payloadLength() {
        return Integer.toUnsignedLong(buffer.getInt(offset + LENGTH_OFFSET));
    }

    WalRecordFlyweight payloadLength(int length) {
        buffer.putInt(offset + LENGTH_OFFSET, length);
        return this;
    }

    int type() {
        return buffer.get(offset + TYPE_OFFSET) & 0xFF;
    }

    WalRecordFlyweight type(byte type) {
        buffer.put(offset + TYPE_OFFSET, type);
        return this;
    }

    int flags() {
        return buffer.get(offset + FLAGS_OFFSET) & 0xFF;
    }

    WalRecordFlyweight flags(int flags) {
        buffer.put(offset + FLAGS_OFFSET, (byte) flags);
        return this;
    }

    int reserved() {
        return buffer.getShort(offset + RESERVED_OFFSET) & 0xFFFF;
    }

    WalRecordFlyweight clearReserved() {
        buffer.putShort(offset + RESERVED_OFFSET, (short) 0);
        return this;
    }

    int crc() {
        return buffer.getInt(offset + CRC_OFFSET);
    }

    /** Index in the buffer of the first payload byte. */
    int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    int frameLength() {
        return HEADER_LENGTH + (int) payloadLength();
    }

    /** Computes the CRC over type, flags, reserved and the payload; needs the length already written. */
    int computeCrc(CRC32C crc) {
        crc.reset();
        int savedPosition = buffer.position();
        int savedLimit = buffer.limit();
        // CRC32C.update(ByteBuffer) consumes position..limit; it is the intrinsic path for direct buffers
        buffer.limit(offset + CRC_COVERED_HEADER_OFFSET + CRC_COVERED_HEADER_LENGTH).position(offset + CRC_COVERED_HEADER_OFFSET);
        crc.update(buffer);
        int payloadStart = payloadOffset();
        buffer.limit(payloadStart + (int) payloadLength()).position(payloadStart);
        crc.update(buffer);
        buffer.limit(savedLimit).position(savedPosition);
        return (int) crc.getValue();
    }

    WalRecordFlyweight sealCrc(CRC32C crc) {
        buffer.putInt(offset + CRC_OFFSET, computeCrc(crc));
        return this;
    }

    /**
     * Checks the frame header; the payload must already be in the buffer when the header says it fits.
     *
     * @param available bytes from {@link #offset()} that belong to this segment's readable range
     * @param maxPayload the largest payload a segment of this size can hold
     */
    int validate(long available, long maxPayload, CRC32C crc) {
        if (available < HEADER_LENGTH) {
            return TORN;
        }
        long length = payloadLength();
        if (length > maxPayload) {
            return BAD_LENGTH;
        }
        if (HEADER_LENGTH + length > available) {
            return TORN;
        }
        if (!isKnownType(type()) || (flags() & ~KNOWN_FLAGS) != 0 || reserved() != 0) {
            return BAD_TYPE;
        }
        return computeCrc(crc) == crc() ? VALID : BAD_CRC;
    }

    static String reason(int verdict) {
        return switch (verdict) {
            case VALID -> "valid";
            case TORN -> "record runs past the end of the data (torn write)";
            case BAD_LENGTH -> "record length larger than a segment";
            case BAD_TYPE -> "unknown record type, flags or non-zero reserved bits";
            case BAD_CRC -> "CRC32C mismatch";
            default -> "verdict " + verdict;
        };
    }
}
