package io.weir.engine.snapshot;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;

/**
 * Off-heap memory for one shard's copy at a cut, allocated by the snapshot thread before the cut: allocating
 * zeroes the memory and faults its pages in, which would otherwise stall the shard writer for longer than the
 * copy itself. Allocated in pieces of {@link #PIECE} bytes so that the snapshot thread can pace the allocation
 * (zeroing and faulting in half a GB takes a core for a second or more, which ingest needs). A block never
 * straddles two pieces: {@link #place} moves one that would to the next piece. Owned by one thread at a time
 * (the snapshot thread, then the writer, then the captured state).
 */
public final class ShardCopyBuffer implements AutoCloseable {
    /** Bytes of a piece; larger than any slab block. */
    public static final long PIECE = 16L << 20;

    private final Arena arena;
    private final MemorySegment[] pieces;
    private boolean closed;

    private ShardCopyBuffer(Arena arena, MemorySegment[] pieces) {
        this.arena = arena;
        this.pieces = pieces;
    }

    /** Allocates at once (the writer thread, when a reserved buffer turned out too small). */
    public static ShardCopyBuffer allocate(long bytes) {
        return allocate(bytes, done -> { });
    }

    /**
     * Allocates at least {@code bytes}, a piece at a time; {@code afterPiece} is told the bytes of each piece once
     * it is allocated (it may wait, to pace the allocation).
     */
    public static ShardCopyBuffer allocate(long bytes, LongConsumer afterPiece) {
        Arena arena = Arena.ofShared();
        try {
            int n = (int) Math.max(0, (bytes + PIECE - 1) / PIECE);
            MemorySegment[] pieces = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                pieces[i] = arena.allocate(PIECE, 64);
                afterPiece.accept(PIECE);
            }
            return new ShardCopyBuffer(arena, pieces);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    public long capacity() { return pieces.length * PIECE; }

    /**
     * Where a block of {@code length} bytes goes when the previous one ended at {@code position}: there, or at the
     * start of the next piece when it would straddle two. Copy and reader call it with the same sequence.
     */
    static long place(long position, int length) {
        long inPiece = position % PIECE;
        return inPiece + length <= PIECE ? position : position - inPiece + PIECE;
    }

    MemorySegment piece(long position) { return pieces[(int) (position / PIECE)]; }

    static long offset(long position) { return position % PIECE; }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
