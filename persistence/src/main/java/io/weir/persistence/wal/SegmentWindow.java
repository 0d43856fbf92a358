package io.weir.persistence.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * A direct buffer holding a contiguous range of one segment file, so records are parsed from memory with one read
 * per window rather than one per record. Single-threaded, owned by a reader or by writer recovery.
 */
final class SegmentWindow {
    private ByteBuffer buffer;
    private FileChannel channel;
    private long start;
    private int length;

    SegmentWindow(int initialCapacity) {
        buffer = ByteBuffer.allocateDirect(initialCapacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    void reset(FileChannel channel) {
        this.channel = channel;
        this.start = 0;
        this.length = 0;
    }

    ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Makes file bytes {@code [fileOffset, fileOffset + n)} available in {@link #buffer()}, reading nothing at or
     * beyond {@code readEnd}: bytes past a reader's limit may still be in flight and must never be cached.
     *
     * @return the buffer index of {@code fileOffset}, or -1 when the file (or readEnd) ends first
     */
    int ensure(long fileOffset, int n, long readEnd) throws IOException {
        if (fileOffset >= start && fileOffset + n <= start + length) {
            return (int) (fileOffset - start);
        }
        if (fileOffset + n > readEnd) {
            return -1;
        }
        if (buffer.capacity() < n) {
            buffer = ByteBuffer.allocateDirect(Math.max(n, buffer.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        start = fileOffset;
        length = 0;
        int want = (int) Math.min(buffer.capacity(), readEnd - fileOffset);
        buffer.clear().limit(want);
        while (buffer.position() < n) {
            int r = channel.read(buffer, fileOffset + buffer.position());
            if (r < 0) {
                break;
            }
        }
        length = buffer.position();
        buffer.clear();
        return length >= n ? 0 : -1;
    }
}
