package io.weir.engine.sketch.slab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The seqlock protocol on a per-record version word, shared by every sketch family.
 *
 * <p>Writer (exactly one thread per record): {@link #beginWrite} makes the version odd, the record
 * is changed with plain stores, {@link #endWrite} makes it even again. Readers (any thread, never
 * blocking the writer): {@link #readBegin} waits for an even version, the reader copies what it
 * needs with plain loads, then {@link #readValidate} tells whether that copy is consistent; on
 * false the reader discards the copy and starts again.
 *
 * <p>Readers must tolerate garbage during a failed attempt: every loop bound they derive from the
 * copy has to be clamped by immutable fields, so a torn read costs a retry, never an exception.
 */
public final class SeqLock {
    private static final VarHandle VERSION = ValueLayout.JAVA_LONG.varHandle();

    private SeqLock() {
    }

    /** Writer only. Makes the version odd; the fence keeps the data stores after it. */
    public static void beginWrite(MemorySegment segment, long versionOffset) {
        long v = (long) VERSION.get(segment, versionOffset);
        VERSION.setRelease(segment, versionOffset, v + 1);
        // setRelease orders earlier accesses only; the data stores that follow must not pass it.
        VarHandle.storeStoreFence();
    }

    /** Writer only. Publishes the update: release keeps every data store before the even version. */
    public static void endWrite(MemorySegment segment, long versionOffset) {
        long v = (long) VERSION.get(segment, versionOffset);
        VERSION.setRelease(segment, versionOffset, v + 1);
    }

    /** Writer only, before the record is published: starts it at version 0. */
    public static void initialise(MemorySegment segment, long versionOffset) {
        VERSION.set(segment, versionOffset, 0L);
    }

    /** Any thread. Spins until the version is even and returns it (acquire). */
    public static long readBegin(MemorySegment segment, long versionOffset) {
        long v;
        while (((v = (long) VERSION.getAcquire(segment, versionOffset)) & 1L) != 0) {
            Thread.onSpinWait();
        }
        return v;
    }

    /** Any thread. True when nothing changed since {@link #readBegin} returned {@code version}. */
    public static boolean readValidate(MemorySegment segment, long versionOffset, long version) {
        // keeps the plain data loads of the attempt before the second version load
        VarHandle.loadLoadFence();
        return (long) VERSION.get(segment, versionOffset) == version;
    }

    /** Any thread: the current version (acquire), for diagnostics and tests. */
    public static long version(MemorySegment segment, long versionOffset) {
        return (long) VERSION.getAcquire(segment, versionOffset);
    }
}
