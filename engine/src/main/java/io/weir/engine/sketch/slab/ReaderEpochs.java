package io.weir.engine.sketch.slab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Reader epoch slots that tell one writer when retired memory can no longer be seen by a reader.
 *
 * <p>A reader {@link #enter}s before it loads a block address and {@link #exit}s after its last load
 * from the block; both are lock-free (one CAS, one release store). While inside, its slot holds the
 * epoch it saw on entry. The single writer unpublishes a block, retires it stamped with
 * {@link #epoch()}, later {@link #advance}s and frees blocks whose stamp is below
 * {@link #minActiveEpoch()}. Why that is safe: the reader's slot store, its address load, the
 * writer's unpublish, the epoch advance and the writer's slot scan are all volatile, hence totally
 * ordered; a reader that loaded the old address stored its slot (with an epoch no newer than the
 * stamp) before the unpublish, so the scan sees it and the block stays retired.
 */
public final class ReaderEpochs {
    /** Value of a slot nobody holds; the largest long, so the minimum ignores it. */
    static final long FREE = Long.MAX_VALUE;
    /** 16 longs = 128 bytes between slots, so readers on different cores do not share a line. */
    private static final int STRIDE = 16;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle EPOCH;

    static {
        try {
            EPOCH = MethodHandles.lookup().findVarHandle(ReaderEpochs.class, "epoch", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots;
    private final int mask;
    @SuppressWarnings("unused") // accessed through EPOCH
    private volatile long epoch = 1;

    /** @param slotCount concurrent readers that can be inside at once without spinning; rounded up to a power of two */
    public ReaderEpochs(int slotCount) {
        if (slotCount < 1 || slotCount > (1 << 16)) {
            throw new IllegalArgumentException("readerSlots must be in [1, 65536], was " + slotCount);
        }
        int n = slotCount == 1 ? 1 : Integer.highestOneBit(slotCount - 1) << 1;
        this.mask = n - 1;
        this.slots = new long[(n + 1) * STRIDE];
        for (int i = 0; i < n; i++) {
            slots[index(i)] = FREE;
        }
        VarHandle.releaseFence();
    }

    private static int index(int slot) {
        return (slot + 1) * STRIDE;
    }

    public int slotCount() {
        return mask + 1;
    }

    /**
     * Any thread. Claims a slot stamped with the current epoch; spins only when every slot is held.
     *
     * @return the slot to pass to {@link #exit}
     */
    public int enter() {
        long e = (long) EPOCH.getVolatile(this);
        int start = (int) (Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L >>> 40);
        for (;;) {
            for (int i = 0; i <= mask; i++) {
                int slot = (start + i) & mask;
                int idx = index(slot);
                if ((long) SLOT.getVolatile(slots, idx) == FREE && SLOT.compareAndSet(slots, idx, FREE, e)) {
                    // a stale (smaller) e only makes the writer more conservative
                    return slot;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** Any thread: leaves the slot returned by {@link #enter}; loads before this stay before it. */
    public void exit(int slot) {
        SLOT.setRelease(slots, index(slot), FREE);
    }

    /** The current epoch. */
    public long epoch() {
        return (long) EPOCH.getVolatile(this);
    }

    /** Writer only: starts a new epoch and returns it. */
    public long advance() {
        long next = (long) EPOCH.getVolatile(this) + 1;
        EPOCH.setVolatile(this, next);
        return next;
    }

    /** Writer only: the oldest epoch a reader inside holds, or the current epoch when nobody is inside. */
    public long minActiveEpoch() {
        long min = (long) EPOCH.getVolatile(this);
        for (int i = 0; i <= mask; i++) {
            long s = (long) SLOT.getVolatile(slots, index(i));
            if (s < min) {
                min = s;
            }
        }
        return min;
    }

    /** Readers inside now (racy snapshot; for metrics and tests). */
    public int activeReaders() {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            if ((long) SLOT.getVolatile(slots, index(i)) != FREE) {
                n++;
            }
        }
        return n;
    }
}
