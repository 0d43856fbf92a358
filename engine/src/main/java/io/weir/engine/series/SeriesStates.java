package io.weir.engine.series;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One int per series id saying where the id is in its life, read by any thread, moved on by CAS:
 * <pre>
 *   value >= 0          LIVE: the second (of the table's clock) the series was last resolved
 *   value == FREED      the id expired and its labels were dropped (or it was never handed out): never used again
 *   value <= -2         RETIRING: expired, out of the label index, labels kept until the forwarder has passed its
 *                       samples; the value names the retirement ({@link #retiring})
 * </pre>
 * Resolvers only ever CAS a LIVE value to a newer second; everything else happens under the series table's
 * creation lock. Entries live in pages of 4,096 ids that never move (only the page directory is copied when it
 * grows), so a CAS never lands in a stale copy. A page whose ids are all FREED is swapped for one shared,
 * never-written FREED page: ids are never reused, so what stays of an expired id is 4 bytes until its whole page
 * has expired, then nothing but its directory slot.
 */
final class SeriesStates {
    static final int FREED = -1;
    private static final int RETIRED_0 = -2;
    static final int PAGE_SHIFT = 12;
    static final int PAGE_IDS = 1 << PAGE_SHIFT;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int[] FREED_PAGE = freedPage();

    private volatile int[][] pages = new int[16][];
    /** Per page, ids not FREED; creation lock holder only. */
    private int[] alive = new int[16];

    /** The RETIRING value of retirement number {@code seq}. */
    static int retiring(int seq) {
        return RETIRED_0 - (seq & 0x3FFF_FFFF);
    }

    static boolean isRetiring(int state) {
        return state <= RETIRED_0;
    }

    /** Any thread: the state of an id; FREED for an id without a page (never handed out, or expired at load). */
    int get(int id) {
        int[][] dir = pages;
        int p = id >>> PAGE_SHIFT;
        int[] page = p < dir.length ? dir[p] : null;
        return page == null ? FREED : (int) ENTRY.getVolatile(page, id & (PAGE_IDS - 1));
    }

    /** Any thread: a LIVE id's last second moved from {@code expected} to {@code value} (its page exists). */
    boolean compareAndSet(int id, int expected, int value) {
        return ENTRY.compareAndSet(pages[id >>> PAGE_SHIFT], id & (PAGE_IDS - 1), expected, value);
    }

    /**
     * Creation lock holder only: sets an id's state, adding its page when needed (a new page reads FREED, the
     * state of ids never handed out).
     *
     * @param size the table's size after this change: a page wholly below it whose ids are all FREED is released
     */
    void set(int id, int value, int size) {
        int p = id >>> PAGE_SHIFT;
        int[][] dir = pages;
        if (p >= dir.length) {
            dir = Arrays.copyOf(dir, Math.max(p + 1, dir.length * 2));
            alive = Arrays.copyOf(alive, dir.length);
        }
        int[] page = dir[p];
        if (page == null || page == FREED_PAGE) {
            page = freedPage();
            dir[p] = page;
            pages = dir; // volatile: whoever is later handed the id sees its page
        }
        int slot = id & (PAGE_IDS - 1);
        int old = (int) ENTRY.getVolatile(page, slot);
        ENTRY.setVolatile(page, slot, value);
        if (old == FREED && value != FREED) {
            alive[p]++;
        } else if (old != FREED && value == FREED && --alive[p] == 0 && (long) (p + 1) << PAGE_SHIFT <= size) {
            dir[p] = FREED_PAGE;
        }
    }

    /** Creation lock holder only: false when every id of page {@code p} is FREED (an expiry scan skips it). */
    boolean hasAlive(int p) {
        return p < alive.length && alive[p] > 0;
    }

    /** Bytes held by the pages, for the residue of expired ids. */
    long bytes() {
        int[][] dir = pages;
        long total = 16L + 4L * dir.length;
        for (int[] page : dir) {
            if (page != null && page != FREED_PAGE) {
                total += 16L + 4L * page.length;
            }
        }
        return total;
    }

    private static int[] freedPage() {
        int[] page = new int[PAGE_IDS];
        Arrays.fill(page, FREED);
        return page;
    }
}
