package io.weir.engine.sketch;

import java.util.Arrays;

/**
 * When each series of a shard last got a sample and how long it may stay idle, in seconds of the writer's
 * clock; owned by the shard's writer thread alone (no reader ever looks at it). Paged like {@link SketchIndex}.
 */
final class SeriesActivity {
    private static final int PAGE_SHIFT = 10;
    private static final int PAGE_IDS = 1 << PAGE_SHIFT;

    /** Per page: lastSeen at [2i], idleAfter at [2i + 1]. */
    private int[][] pages = new int[16][];

    void touch(int localId, int nowSec) {
        int[] page = page(localId >>> PAGE_SHIFT);
        page[(localId & (PAGE_IDS - 1)) * 2] = nowSec;
    }

    void idleAfter(int localId, int seconds) {
        int[] page = page(localId >>> PAGE_SHIFT);
        page[(localId & (PAGE_IDS - 1)) * 2 + 1] = seconds;
    }

    /** True when the series has been idle for longer than its allowance at {@code nowSec}. */
    boolean idle(int localId, int nowSec) {
        int p = localId >>> PAGE_SHIFT;
        if (p >= pages.length || pages[p] == null) {
            return false;
        }
        int i = (localId & (PAGE_IDS - 1)) * 2;
        return nowSec - pages[p][i] > pages[p][i + 1];
    }

    /** Forgets a page of series (their index page was released); a later touch starts it afresh. */
    void release(int p) {
        if (p < pages.length) {
            pages[p] = null;
        }
    }

    private int[] page(int p) {
        if (p >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(p + 1, pages.length * 2));
        }
        int[] page = pages[p];
        if (page == null) {
            page = new int[PAGE_IDS * 2];
            pages[p] = page;
        }
        return page;
    }
}
