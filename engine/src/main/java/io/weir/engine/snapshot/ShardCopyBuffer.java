package io.weir.engine.snapshot;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap memory for one shard's copy at a cut, allocated by the snapshot thread before the cut: allocating
 * zeroes the memory and faults its pages in, which would otherwise stall the shard writer for longer than the
 * copy itself. Owned by one thread at a time (the snapshot thread, then the writer, then the captured state).
 */
public final class ShardCopyBuffer implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment segment;
    private boolean closed;

    private ShardCopyBuffer(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    public static ShardCopyBuffer allocate(long bytes) {
        Arena arena = Arena.ofShared();
        try {
            return new ShardCopyBuffer(arena, bytes <= 0 ? MemorySegment.NULL : arena.allocate(bytes, 64));
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    public long capacity() { return segment.byteSize(); }

    MemorySegment segment() { return segment; }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
