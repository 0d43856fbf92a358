package io.weir.net.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.nio.ByteBuffer;

/**
 * A response body given as parts (e.g. the JSON of a large query result, written in parallel), read out by the
 * channel's {@code ChunkedWriteHandler} a slice at a time, each slice copied into a pooled direct buffer as the
 * socket takes them.
 *
 * <p>Why: the epoll transport writes only direct memory. Handed a body of heap parts at once, the event loop joined
 * them into one heap buffer and copied that into one fresh direct buffer: for a 24 h dashboard panel (~38 MB) two
 * copies and two allocations of new memory, whose page faults cost more than the copies on this kind of virtual
 * machine, all before the first byte left. Written a slice at a time while the channel is writable, the body needs
 * one or two slices of direct memory at a time, which the allocator hands out again (memory already mapped), and its
 * first bytes leave as soon as the headers do. The parts must not change until the write has ended.
 *
 * <p>A part is a heap buffer's bytes from its position to its limit, read without moving either: a part may be a
 * range of an array that something else keeps (the range result cache's point text), handed on without a copy.
 */
final class PartsBody implements ChunkedInput<ByteBuf> {
    /** Largest slice: one write of the socket, small enough to be pooled. */
    static final int SLICE_BYTES = 256 << 10;

    private final ByteBuffer[] parts;
    private final long length;
    private int part;
    private int at;
    private long progress;

    PartsBody(ByteBuffer[] parts) {
        this.parts = parts;
        this.length = length(parts);
        skipEmpty();
    }

    /** Where part {@code p}'s bytes start in its array ({@code p.array()}); it holds {@code p.remaining()} of them. */
    static int start(ByteBuffer p) {
        return p.arrayOffset() + p.position();
    }

    /** Bytes in {@code parts}. */
    static long length(ByteBuffer[] parts) {
        long n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        return n;
    }

    private void skipEmpty() {
        while (part < parts.length && at >= parts[part].remaining()) {
            part++;
            at = 0;
        }
    }

    @Override
    public boolean isEndOfInput() {
        return part >= parts.length;
    }

    @Override
    public void close() {
        // nothing held: the parts are the caller's arrays
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) {
        if (isEndOfInput()) {
            return null;
        }
        // a slice spans parts: a cached panel's answer comes as a part per series (tens of kilobytes) and small ones
        // between them, which would otherwise each be a buffer and a write of their own
        int n = (int) Math.min(SLICE_BYTES, length - progress);
        ByteBuf slice = allocator.directBuffer(n, n);
        while (slice.isWritable()) {
            ByteBuffer p = parts[part];
            int k = Math.min(slice.writableBytes(), p.remaining() - at);
            slice.writeBytes(p.array(), start(p) + at, k);
            at += k;
            skipEmpty();
        }
        progress += n;
        return slice;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return progress;
    }
}
