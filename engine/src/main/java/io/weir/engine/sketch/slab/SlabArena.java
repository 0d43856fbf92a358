package io.weir.engine.sketch.slab;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Off-heap blocks for one shard, allocated and freed only by that shard's writer thread; any
 * thread may resolve a block ({@link #segment}, {@link #offset}) while inside {@link #readerEpochs()}.
 *
 * <p>Blocks come in size classes from {@value #MIN_BLOCK_BYTES} bytes up to the chunk size, four per doubling
 * (64, 128, 192, 256, then 320, 384, 448, 512, 640, ...: every class a multiple of 64), so a block wastes at
 * most a fifth of its bytes instead of up to half with power-of-two classes; blocks are cut from chunks of one
 * shared {@link Arena} and are 64-byte aligned. Bytes in use
 * (handed out or retired but not yet reusable) and bytes reserved (chunks) never exceed the memory
 * limit: {@link #allocate} returns {@link #NULL_BLOCK} instead, and the caller counts the refusal.
 *
 * <p>{@link #retire} does not make a block reusable at once: readers may still hold its address.
 * It is stamped with the current reader epoch and moved to its free list by {@link #reclaim} once
 * every reader inside entered after that epoch. Free blocks are chained both ways through their first two words
 * and carry their own handle in the third, which is safe because no reader can reach them any more.
 *
 * <p><b>Chunks are recycled.</b> A free block serves only its own size class, so a population of blocks that grows
 * through the classes together (a node's series after a start, each exact block doubling, each sketch table growing)
 * would otherwise leave every class it passed through holding its old blocks: slabs reserved measured 3 to 10 times
 * the bytes in use. The arena counts the live blocks (handed out or retired) of every chunk; when a chunk holds none,
 * its free blocks leave their lists (walked by their handles, chunk start to end) and the chunk goes back to the
 * bump allocator, for blocks of any class. Past {@value #IDLE_CHUNKS_KEPT} such idle chunks and an eighth of the
 * bytes reserved in them, a chunk is given back to the OS (each chunk has its own {@link Arena}, closed then; its index is taken by the next new chunk), so the bytes
 * reserved fall again when the data shrinks (a series promoted to smaller sketches, series leaving) instead of
 * staying at their peak. Chunks are mapped with {@code mmap} and unmapped when their arena closes: memory from
 * {@code malloc} (what {@link Arena#allocate} uses) stays in the process after a free of 1 MiB once glibc has raised
 * its mapping threshold, so resident memory would not fall with the bytes reserved. Where {@code mmap} cannot be
 * called, chunks come from {@link Arena#allocate}.
 *
 * <p><b>Pools.</b> Blocks of different lifetimes cut from one chunk pin it: a long-lived sketch block keeps a chunk
 * whose exact-sample blocks (rebuilt every eighth of a window) have all left. So blocks come from {@value #POOLS}
 * pools, {@link #LONG_LIVED} (sketch blocks) and {@link #SHORT_LIVED} (raw-sample blocks and tails), each with its own
 * free lists and its own chunk being cut; a recycled chunk may go to either.
 *
 * <p>A block handle packs {@code sizeClass:7 | chunk+1:24 | offset:32} into a positive long; 0 is
 * {@link #NULL_BLOCK}.
 */
public final class SlabArena implements AutoCloseable {
    public static final long NULL_BLOCK = 0L;
    public static final int MIN_BLOCK_BYTES = 64;
    private static final int MAX_CHUNKS = (1 << 24) - 1;
    private static final VarHandle IN_USE;
    private static final VarHandle RESERVED;
    private static final VarHandle RECYCLED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            IN_USE = l.findVarHandle(SlabArena.class, "bytesInUse", long.class);
            RESERVED = l.findVarHandle(SlabArena.class, "bytesReserved", long.class);
            RECYCLED = l.findVarHandle(SlabArena.class, "recycledChunksTotal", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** mmap(2) and munmap(2), or null where they cannot be called (chunks then come from the arena's malloc). */
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    static {
        MethodHandle map = null;
        MethodHandle unmap = null;
        try {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            map = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG));
            unmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        } catch (RuntimeException | Error e) {
            map = null;
            unmap = null;
        }
        MMAP = map;
        MUNMAP = unmap;
    }

    /**
     * Idle chunks (all blocks free) kept for the bump allocator at least; more go back to the OS once they hold an
     * eighth of the bytes reserved. The share keeps the steady churn of rebuilt blocks (every exact block is rebuilt
     * about every eighth of its window) on chunks already mapped: giving back everything past four chunks took an
     * in-process run of 10,000 series from 21-45 s to 60-77 s (closing a shared arena is a handshake with every
     * thread, and a mapped chunk faults its pages in again; with the eighth kept: 52 s, noisy), while a
     * population that shrinks still gives back all but an eighth.
     */
    static final int IDLE_CHUNKS_KEPT = 4;
    private long idleBytes;
    private final long memoryLimitBytes;
    private final int chunkBytes;
    private final ReaderEpochs readerEpochs;
    /** Blocks that live as long as their series' sketches. */
    public static final int LONG_LIVED = 0;
    /** Blocks rebuilt while their series lives (raw samples, tails). */
    public static final int SHORT_LIVED = 1;
    public static final int POOLS = 2;

    /** One pool's free lists (head per size class) and the chunk it is cutting blocks from. */
    private static final class Pool {
        final long[] freeHeads;
        MemorySegment bumpChunk;
        int bumpChunkIndex = -1;
        long bumpOffset;

        Pool(int classes) {
            freeHeads = new long[classes];
        }
    }

    private final Pool[] pools = new Pool[POOLS];
    private final int classCount;

    /** Replaced (copy on grow) by the writer; readers index it, so it must only ever grow. */
    private volatile MemorySegment[] chunks = new MemorySegment[8];
    private int chunkCount;
    /** Writer only, per chunk: blocks handed out or retired and not yet free. */
    private int[] chunkLive = new int[8];
    /** Writer only, per chunk: where its blocks end (the bump offset when the allocator left it). */
    private long[] chunkEnd = new long[8];
    /** Writer only: chunks whose blocks are all free, taken again by the bump allocator before a new chunk. */
    private int[] recycledChunks = new int[8];
    private int recycledCount;
    @SuppressWarnings("unused") // written by the writer (opaque), read by any thread
    private long recycledChunksTotal;
    /** Writer only, per chunk: the pool whose blocks it holds. */
    private byte[] chunkPool = new byte[8];
    /** Writer only, per chunk: the arena that owns it (closed when the chunk goes back to the OS). */
    private Arena[] chunkArenas = new Arena[8];
    /** Writer only: indices of chunks given back to the OS, taken again by new chunks. */
    private int[] releasedIndices = new int[8];
    private int releasedCount;

    /** Retired blocks in stamp order (a FIFO; stamps never decrease). */
    private long[] retiredBlocks = new long[64];
    private long[] retiredStamps = new long[64];
    private int retiredHead;
    private int retiredTail;

    @SuppressWarnings("unused") // written by the writer (opaque), read by any thread
    private long bytesInUse;
    @SuppressWarnings("unused")
    private long bytesReserved;
    private boolean closed;

    /**
     * @param memoryLimitBytes upper bound for bytes reserved from the OS by this arena
     * @param chunkBytes       size of each chunk, a power of two in [64, 2^30]; also the largest block
     * @param readerSlots      reader epoch slots (readers inside at once without spinning)
     */
    public SlabArena(long memoryLimitBytes, int chunkBytes, int readerSlots) {
        if (memoryLimitBytes < MIN_BLOCK_BYTES) {
            throw new IllegalArgumentException("memoryLimitBytes must be >= " + MIN_BLOCK_BYTES + ", was " + memoryLimitBytes);
        }
        if (chunkBytes < MIN_BLOCK_BYTES || chunkBytes > (1 << 30) || Integer.bitCount(chunkBytes) != 1) {
            throw new IllegalArgumentException("chunkBytes must be a power of two in [64, 2^30], was " + chunkBytes);
        }
        this.memoryLimitBytes = memoryLimitBytes;
        this.chunkBytes = chunkBytes;
        this.readerEpochs = new ReaderEpochs(readerSlots);
        this.classCount = classOf(chunkBytes) + 1;
        for (int i = 0; i < POOLS; i++) {
            pools[i] = new Pool(classCount);
        }
    }

    /** Classes at or below 256 bytes step by 64; above, each doubling [2^e, 2^(e+1)] has four steps of 2^(e-2). */
    private static final int LINEAR_CLASSES = 4;
    private static final int LINEAR_LIMIT = LINEAR_CLASSES * MIN_BLOCK_BYTES;
    private static final int LINEAR_LIMIT_SHIFT = 8;

    /** The size class serving {@code bytes}, or -1 when larger than a chunk. */
    public int sizeClassOf(int bytes) {
        int c = classOf(Math.max(1, bytes));
        return c < classCount ? c : -1;
    }

    private static int classOf(int bytes) {
        if (bytes <= LINEAR_LIMIT) {
            return (bytes + MIN_BLOCK_BYTES - 1) / MIN_BLOCK_BYTES - 1;
        }
        int e = 31 - Integer.numberOfLeadingZeros(bytes - 1); // 2^e < bytes <= 2^(e+1)
        int step = 1 << (e - 2);
        int idx = (bytes - (1 << e) + step - 1) / step - 1;   // 0..3
        return LINEAR_CLASSES + (e - LINEAR_LIMIT_SHIFT) * 4 + idx;
    }

    /** Bytes of a block of the given size class. */
    public static int classBytes(int sizeClass) {
        if (sizeClass < LINEAR_CLASSES) {
            return MIN_BLOCK_BYTES * (sizeClass + 1);
        }
        int e = LINEAR_LIMIT_SHIFT + (sizeClass - LINEAR_CLASSES) / 4;
        int idx = (sizeClass - LINEAR_CLASSES) % 4;
        return (1 << e) + (idx + 1) * (1 << (e - 2));
    }

    /** Bytes of the block behind a handle (its size class). */
    public static int blockBytes(long block) {
        return classBytes((int) (block >>> 56));
    }

    /** Offset of the block within {@link #segment}. Any thread. */
    public static long offset(long block) {
        return block & 0xFFFF_FFFFL;
    }

    /** The chunk holding the block. Any thread, while inside a reader epoch (or the writer). */
    public MemorySegment segment(long block) {
        return chunks[(int) ((block >>> 32) & 0xFF_FFFF) - 1];
    }

    /**
     * Writer only. A block of at least {@code bytes}; its contents are undefined (zero when new,
     * stale when reused), so the caller initialises it before publishing it.
     *
     * @return the block handle, or {@link #NULL_BLOCK} when the memory limit refuses it
     * @throws IllegalArgumentException when {@code bytes} exceeds the chunk size (a configuration error)
     */
    public long allocate(int bytes) {
        return allocate(bytes, LONG_LIVED);
    }

    /** {@link #allocate(int)} from {@code pool} ({@link #LONG_LIVED} or {@link #SHORT_LIVED}). */
    public long allocate(int bytes, int pool) {
        int c = sizeClassOf(bytes);
        if (c < 0 || bytes <= 0) {
            throw new IllegalArgumentException("block of " + bytes + " bytes does not fit chunkBytes " + chunkBytes);
        }
        if (closed) {
            return NULL_BLOCK;
        }
        int size = classBytes(c);
        long inUse = (long) IN_USE.getOpaque(this);
        if (inUse + size > memoryLimitBytes) {
            // retired blocks still count as in use; they may be reclaimable by now
            if (retiredHead == retiredTail || reclaim() == 0) {
                return NULL_BLOCK;
            }
            inUse = (long) IN_USE.getOpaque(this);
            if (inUse + size > memoryLimitBytes) {
                return NULL_BLOCK;
            }
        }
        Pool from = pools[pool];
        long block = popFree(from, c);
        if (block == NULL_BLOCK && retiredHead != retiredTail) {
            reclaim();
            block = popFree(from, c);
        }
        if (block == NULL_BLOCK) {
            block = bump(from, pool, c, size);
            if (block == NULL_BLOCK) {
                return NULL_BLOCK;
            }
        }
        chunkLive[chunkIndex(block)]++;
        // re-read: a reclaim above may have lowered it since 'inUse' was taken
        IN_USE.setOpaque(this, (long) IN_USE.getOpaque(this) + size);
        return block;
    }

    /**
     * Writer only. The block has been unpublished (no new reader can find it); it becomes reusable
     * once every reader inside now has left.
     */
    public void retire(long block) {
        if (retiredTail == retiredBlocks.length) {
            compactOrGrowRetired();
        }
        retiredBlocks[retiredTail] = block;
        retiredStamps[retiredTail] = readerEpochs.epoch();
        retiredTail++;
    }

    /**
     * Writer only. Advances the reader epoch and frees retired blocks that no reader can still see.
     *
     * @return blocks freed
     */
    public int reclaim() {
        if (retiredHead == retiredTail) {
            return 0;
        }
        readerEpochs.advance();
        long min = readerEpochs.minActiveEpoch();
        int freed = 0;
        long released = 0;
        while (retiredHead != retiredTail && retiredStamps[retiredHead] < min) {
            long block = retiredBlocks[retiredHead++];
            pushFree(block);
            released += blockBytes(block);
            freed++;
            int chunk = chunkIndex(block);
            if (--chunkLive[chunk] == 0 && chunk != pools[chunkPool[chunk]].bumpChunkIndex) {
                recycle(chunk);
            }
        }
        if (retiredHead == retiredTail) {
            retiredHead = retiredTail = 0;
        }
        if (released != 0) {
            IN_USE.setOpaque(this, (long) IN_USE.getOpaque(this) - released);
        }
        return freed;
    }

    /** Any thread: chunks handed back to the bump allocator since the start (their blocks all free). */
    public long recycledChunks() {
        return (long) RECYCLED.getOpaque(this);
    }

    /** Writer only: blocks retired and not yet reclaimed. */
    public int retiredCount() {
        return retiredTail - retiredHead;
    }

    public ReaderEpochs readerEpochs() {
        return readerEpochs;
    }

    public long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    /** Any thread: bytes of blocks handed out or retired and not yet reclaimed. */
    public long bytesInUse() {
        return (long) IN_USE.getOpaque(this);
    }

    /** Any thread: bytes of chunks reserved from the OS. */
    public long bytesReserved() {
        return (long) RESERVED.getOpaque(this);
    }

    /**
     * Writer only, once no reader can enter any more: releases every chunk. Readers that still touch
     * a block afterwards get {@link IllegalStateException} from the closed segment, never stale memory.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < chunkCount; i++) {
            if (chunkArenas[i] != null) {
                chunkArenas[i].close();
                chunkArenas[i] = null;
            }
        }
        for (Pool pool : pools) {
            Arrays.fill(pool.freeHeads, NULL_BLOCK);
            pool.bumpChunk = null;
        }
        retiredHead = retiredTail = 0;
        IN_USE.setOpaque(this, 0L);
        RESERVED.setOpaque(this, 0L);
    }

    /** Words of a free block: next and previous free block of its class, and its own handle. */
    private static final long FREE_NEXT = 0;
    private static final long FREE_PREV = 8;
    private static final long FREE_SELF = 16;

    private static int chunkIndex(long block) {
        return (int) ((block >>> 32) & 0xFF_FFFF) - 1;
    }

    private long popFree(Pool pool, int c) {
        long block = pool.freeHeads[c];
        if (block != NULL_BLOCK) {
            unlink(block);
        }
        return block;
    }

    private void pushFree(long block) {
        int c = (int) (block >>> 56);
        long[] freeHeads = pools[chunkPool[chunkIndex(block)]].freeHeads;
        MemorySegment seg = segment(block);
        long off = offset(block);
        long head = freeHeads[c];
        seg.set(ValueLayout.JAVA_LONG, off + FREE_NEXT, head);
        seg.set(ValueLayout.JAVA_LONG, off + FREE_PREV, NULL_BLOCK);
        seg.set(ValueLayout.JAVA_LONG, off + FREE_SELF, block);
        if (head != NULL_BLOCK) {
            segment(head).set(ValueLayout.JAVA_LONG, offset(head) + FREE_PREV, block);
        }
        freeHeads[c] = block;
    }

    /** Takes a free block out of its class's list. */
    private void unlink(long block) {
        MemorySegment seg = segment(block);
        long off = offset(block);
        long next = seg.get(ValueLayout.JAVA_LONG, off + FREE_NEXT);
        long prev = seg.get(ValueLayout.JAVA_LONG, off + FREE_PREV);
        if (prev == NULL_BLOCK) {
            pools[chunkPool[chunkIndex(block)]].freeHeads[(int) (block >>> 56)] = next;
        } else {
            segment(prev).set(ValueLayout.JAVA_LONG, offset(prev) + FREE_NEXT, next);
        }
        if (next != NULL_BLOCK) {
            segment(next).set(ValueLayout.JAVA_LONG, offset(next) + FREE_PREV, prev);
        }
    }

    /**
     * A chunk none of whose blocks is live: every block in it, from its start to where the allocator left it, is
     * free (each carries its handle), so each leaves its list, and the chunk waits for the bump allocator.
     */
    private void recycle(int chunk) {
        MemorySegment seg = chunks[chunk];
        long end = chunkEnd[chunk];
        for (long off = 0; off + MIN_BLOCK_BYTES <= end; ) {
            long block = seg.get(ValueLayout.JAVA_LONG, off + FREE_SELF);
            if (chunkIndex(block) != chunk || offset(block) != off) {
                throw new IllegalStateException("chunk " + chunk + " at " + off + " holds no free block of its own");
            }
            unlink(block);
            off += blockBytes(block);
        }
        RECYCLED.setOpaque(this, (long) RECYCLED.getOpaque(this) + 1);
        long len = chunks[chunk].byteSize();
        if (recycledCount < IDLE_CHUNKS_KEPT || idleBytes + len <= (long) RESERVED.getOpaque(this) / 8) {
            if (recycledCount == recycledChunks.length) {
                recycledChunks = Arrays.copyOf(recycledChunks, recycledCount * 2);
            }
            recycledChunks[recycledCount++] = chunk;
            idleBytes += len;
        } else {
            release(chunk);
        }
    }

    /**
     * Gives an idle chunk back to the OS: no block in it is handed out, retired or on a free list, and every reader
     * that could have held one of its blocks has left (its blocks were reclaimed), so nothing reaches it any more.
     */
    private void release(int chunk) {
        long len = chunks[chunk].byteSize();
        chunks[chunk] = null;
        chunkArenas[chunk].close();
        chunkArenas[chunk] = null;
        if (releasedCount == releasedIndices.length) {
            releasedIndices = Arrays.copyOf(releasedIndices, releasedCount * 2);
        }
        releasedIndices[releasedCount++] = chunk;
        RESERVED.setOpaque(this, (long) RESERVED.getOpaque(this) - len);
    }

    private static long handle(int sizeClass, int chunkIndex, long offset) {
        return ((long) sizeClass << 56) | ((long) (chunkIndex + 1) << 32) | offset;
    }

    private long bump(Pool pool, int poolIndex, int c, int size) {
        if (pool.bumpChunk == null || pool.bumpOffset + size > pool.bumpChunk.byteSize()) {
            int recycled = takeRecycled(size);
            if (recycled >= 0) {
                leaveBumpChunk(pool);
                startBumping(pool, poolIndex, recycled);
            } else {
                long reserved = (long) RESERVED.getOpaque(this);
                long len = Math.min(chunkBytes, (memoryLimitBytes - reserved) & ~(long) (MIN_BLOCK_BYTES - 1));
                if (len < size || (chunkCount == MAX_CHUNKS && releasedCount == 0)) {
                    return NULL_BLOCK;
                }
                leaveBumpChunk(pool);
                Arena owner = Arena.ofShared();
                MemorySegment chunk = mapChunk(owner, len);
                int index;
                if (releasedCount > 0) {
                    index = releasedIndices[--releasedCount];
                } else {
                    if (chunkCount == chunks.length) {
                        chunks = Arrays.copyOf(chunks, chunkCount * 2);
                        chunkLive = Arrays.copyOf(chunkLive, chunkCount * 2);
                        chunkEnd = Arrays.copyOf(chunkEnd, chunkCount * 2);
                        chunkPool = Arrays.copyOf(chunkPool, chunkCount * 2);
                        chunkArenas = Arrays.copyOf(chunkArenas, chunkCount * 2);
                    }
                    index = chunkCount++;
                }
                chunkArenas[index] = owner;
                MemorySegment[] cs = chunks;
                cs[index] = chunk;
                chunks = cs; // volatile re-publication so readers see the new element
                startBumping(pool, poolIndex, index);
                RESERVED.setOpaque(this, reserved + len);
            }
        }
        long block = handle(c, pool.bumpChunkIndex, pool.bumpOffset);
        pool.bumpOffset += size;
        return block;
    }

    private void startBumping(Pool pool, int poolIndex, int chunk) {
        pool.bumpChunk = chunks[chunk];
        pool.bumpChunkIndex = chunk;
        pool.bumpOffset = 0;
        chunkPool[chunk] = (byte) poolIndex;
    }

    /** A zeroed chunk of {@code len} bytes owned by {@code owner}: mapped, unmapped when the owner closes. */
    private static MemorySegment mapChunk(Arena owner, long len) {
        if (MMAP != null) {
            try {
                MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, len, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (at.address() != -1L) { // MAP_FAILED
                    return at.reinterpret(len, owner, mapped -> unmap(mapped, len));
                }
            } catch (Throwable e) {
                // fall back to the arena's allocator
            }
        }
        return owner.allocate(len, MIN_BLOCK_BYTES);
    }

    private static void unmap(MemorySegment mapped, long len) {
        try {
            int unused = (int) MUNMAP.invokeExact(mapped, len);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }

    /** A recycled chunk of at least {@code size} bytes, taken off the stack; -1 when none. */
    private int takeRecycled(int size) {
        for (int i = recycledCount - 1; i >= 0; i--) {
            int chunk = recycledChunks[i];
            if (chunks[chunk].byteSize() >= size) {
                recycledChunks[i] = recycledChunks[--recycledCount];
                idleBytes -= chunks[chunk].byteSize();
                return chunk;
            }
        }
        return -1;
    }

    /** The pool moves to another chunk: the current one's tail goes to the free lists, and its end is noted. */
    private void leaveBumpChunk(Pool pool) {
        if (pool.bumpChunk == null) {
            return;
        }
        carveTail(pool);
        int chunk = pool.bumpChunkIndex;
        chunkEnd[chunk] = pool.bumpOffset;
        pool.bumpChunk = null;
        pool.bumpChunkIndex = -1;
        if (chunkLive[chunk] == 0) {
            recycle(chunk);
        }
    }

    /** Hands the unused tail of the current chunk to the free lists, largest classes first. */
    private void carveTail(Pool pool) {
        long remaining = pool.bumpChunk.byteSize() - pool.bumpOffset;
        while (remaining >= MIN_BLOCK_BYTES) {
            // powers of two (every fourth class): the sizes most likely to be asked for again
            int c = Math.min(classCount - 1, classOf((int) Long.highestOneBit(remaining)));
            int size = classBytes(c);
            // keep blocks aligned to their own size where it matters for cache lines (64 bytes is enough)
            pushFree(handle(c, pool.bumpChunkIndex, pool.bumpOffset));
            pool.bumpOffset += size;
            remaining -= size;
        }
    }

    private void compactOrGrowRetired() {
        int live = retiredTail - retiredHead;
        if (retiredHead > 0 && live < retiredBlocks.length / 2) {
            System.arraycopy(retiredBlocks, retiredHead, retiredBlocks, 0, live);
            System.arraycopy(retiredStamps, retiredHead, retiredStamps, 0, live);
        } else {
            long[] b = new long[retiredBlocks.length * 2];
            long[] s = new long[b.length];
            System.arraycopy(retiredBlocks, retiredHead, b, 0, live);
            System.arraycopy(retiredStamps, retiredHead, s, 0, live);
            retiredBlocks = b;
            retiredStamps = s;
        }
        retiredHead = 0;
        retiredTail = live;
    }
}
