package io.weir.engine.sketch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Local series id to block handle, one entry per sketch family, written by one shard writer thread
 * and read by any thread.
 *
 * <p>Entries live in fixed pages of a primitive array; pages never move, only the page directory
 * is replaced (copy on grow) and republished, so a reader never sees an entry go back in time.
 * Entries are written with volatile stores and read with volatile loads: publication needs only
 * release/acquire, but the reader-epoch argument in {@code ReaderEpochs} needs unpublish and lookup
 * to be totally ordered with the epoch slots (a volatile load is a plain load on x86 and ARMv8.3+).
 * Values {@code <= 0} mean "no block": {@link #UNKNOWN}, {@link #NOT_SKETCHED}, {@link #REFUSED}.
 */
public final class SketchIndex {
    /** The writer has not decided yet (no sample seen since the last reset). */
    public static final long UNKNOWN = 0L;
    /** The targets say the series has no sketch of this family. */
    public static final long NOT_SKETCHED = -1L;
    /** The memory limit refused the block; counted once. */
    public static final long REFUSED = -2L;
    /** Exact slot only: the series outgrew its exact block and is served by its family sketches. */
    public static final long PROMOTED = -3L;

    private static final int FAMILIES = SketchFunction.Family.values().length;
    /** Per id: one entry per family, then the exact-samples block (see {@code sketch.exact}). */
    private static final int SLOTS = FAMILIES + 1;
    private static final int PAGE_SHIFT = 10;
    private static final int PAGE_IDS = 1 << PAGE_SHIFT;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    private volatile long[][] pages = new long[16][];

    /** Any thread: the entry, or {@link #UNKNOWN} for ids never written. */
    public long get(int localId, SketchFunction.Family family) {
        long[][] dir = pages;
        int p = localId >>> PAGE_SHIFT;
        if (p >= dir.length) {
            return UNKNOWN;
        }
        long[] page = dir[p];
        if (page == null) {
            return UNKNOWN;
        }
        return (long) ENTRY.getVolatile(page, slot(localId, family.ordinal()));
    }

    /** Local ids at or past this were never written (a bound for walks over the index, e.g. snapshots). */
    public int idLimit() {
        return pages.length << PAGE_SHIFT;
    }

    /** Writer only: publishes an entry; the block it names must be fully initialised already. */
    public void set(int localId, SketchFunction.Family family, long value) {
        long[] page = pageForWrite(localId >>> PAGE_SHIFT);
        ENTRY.setVolatile(page, slot(localId, family.ordinal()), value);
    }

    /** Any thread: the series' exact-samples block, {@link #PROMOTED}, or another "no block" value. */
    public long getExact(int localId) {
        long[][] dir = pages;
        int p = localId >>> PAGE_SHIFT;
        if (p >= dir.length) {
            return UNKNOWN;
        }
        long[] page = dir[p];
        if (page == null) {
            return UNKNOWN;
        }
        return (long) ENTRY.getVolatile(page, slot(localId, FAMILIES));
    }

    /** Writer only: publishes the exact-samples entry. */
    public void setExact(int localId, long value) {
        long[] page = pageForWrite(localId >>> PAGE_SHIFT);
        ENTRY.setVolatile(page, slot(localId, FAMILIES), value);
    }

    /** Local ids below this may have entries (the writer's scan bound). */
    public int idBound() {
        return pages.length << PAGE_SHIFT;
    }

    /** Local ids per page: a page is released and re-created as a whole. */
    static int pageIds() {
        return PAGE_IDS;
    }

    /**
     * Writer only: drops a page whose every entry is {@link #UNKNOWN} (its series gone, e.g. evicted and expired), so
     * series that never come back leave nothing behind but a directory slot. A reader still holding the page reads
     * UNKNOWN from it, as it would from the missing page; the next write to one of its ids starts a fresh page.
     *
     * @return true when the page was dropped
     */
    boolean releaseIfEmpty(int page) {
        long[][] dir = pages;
        if (page >= dir.length || dir[page] == null) {
            return false;
        }
        long[] entries = dir[page];
        for (long e : entries) {
            if (e != UNKNOWN) {
                return false;
            }
        }
        dir[page] = null;
        pages = dir; // volatile re-publication
        return true;
    }

    /** Pages held now (1,024 ids x one 8-byte entry per family and the exact tier); any thread, approximate. */
    int pagesHeld() {
        int n = 0;
        for (long[] page : pages) {
            if (page != null) {
                n++;
            }
        }
        return n;
    }

    private static int slot(int localId, int which) {
        return (localId & (PAGE_IDS - 1)) * SLOTS + which;
    }

    private long[] pageForWrite(int p) {
        long[][] dir = pages;
        if (p >= dir.length) {
            dir = Arrays.copyOf(dir, Math.max(p + 1, dir.length * 2));
            pages = dir;
        }
        long[] page = dir[p];
        if (page == null) {
            page = new long[PAGE_IDS * SLOTS];
            dir[p] = page;
            pages = dir; // volatile re-publication of the directory with its new page
        }
        return page;
    }
}
