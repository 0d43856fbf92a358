package io.weir.engine.sketch;

import io.weir.engine.series.KeptReadState;
import io.weir.engine.sketch.exact.ChunkCut;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Any thread. The {@link ChunkCut} of each series of a shard (by local id) that its exact block's reads keep for the
 * next read: a reader takes a series' cut, reads, and gives it back, so a cut has one user at a time; a reader that
 * finds it taken (another query is reading the series) reads with a fresh one. Paged like {@link SketchIndex}: the
 * writer forgets a series' cut when the series leaves and a page when the index releases it, so churned-out series
 * cost nothing here (ids are never reused).
 *
 * <p>Heap: a page of references (4 KiB) per 1,024 ids in use, and ~144 bytes a series that a read has cut (~288
 * with the cut of a window's end as well), held to {@code query.kept_state_size} with the labels' read state by a
 * sweep that lets go of the cuts of series not read lately ({@link #sweepKept}).
 */
final class ChunkCuts {
    private static final int PAGE_IDS = SketchIndex.pageIds();

    private volatile AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> pages = new AtomicReferenceArray<>(16);

    /** Any thread: the series' cut, which it holds until {@link #give}; a fresh one when another reader holds it. */
    ChunkCut take(int localId) {
        int p = localId / PAGE_IDS;
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> dir = pages;
        if (p >= dir.length()) {
            dir = grow(p);
        }
        AtomicReferenceArray<ChunkCut> page = dir.get(p);
        if (page == null) {
            AtomicReferenceArray<ChunkCut> fresh = new AtomicReferenceArray<>(PAGE_IDS);
            page = dir.compareAndExchange(p, null, fresh);
            if (page == null) {
                page = fresh;
            }
        }
        ChunkCut cut = page.getAndSet(localId % PAGE_IDS, null);
        if (cut == null) {
            cut = new ChunkCut();
        }
        cut.markRead();
        return cut;
    }

    /**
     * One thread at a time (the node's timer): offers every cut kept now to {@code pass}; a cut let go leaves its slot
     * (unless a reader took it meanwhile, which then gives it back as usual).
     *
     * @return the bytes of the cuts still kept
     */
    long sweepKept(KeptReadState pass) {
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> dir = pages;
        long kept = 0;
        for (int p = 0; p < dir.length(); p++) {
            AtomicReferenceArray<ChunkCut> page = dir.get(p);
            for (int i = 0; page != null && i < PAGE_IDS; i++) {
                ChunkCut cut = page.getAcquire(i);
                if (cut == null) {
                    continue;
                }
                long bytes = cut.heapBytes();
                if (pass.keep(bytes, cut.takeReadMark())) {
                    kept += bytes;
                } else {
                    page.compareAndSet(i, cut, null);
                }
            }
        }
        return kept;
    }

    /** Any thread: hands back the cut taken for the series (kept unless its page left meanwhile). */
    void give(int localId, ChunkCut cut) {
        AtomicReferenceArray<ChunkCut> page = page(localId / PAGE_IDS);
        if (page != null) {
            page.setRelease(localId % PAGE_IDS, cut);
        }
    }

    /** Writer: the series left; its cut goes with it. */
    void forget(int localId) {
        AtomicReferenceArray<ChunkCut> page = page(localId / PAGE_IDS);
        if (page != null) {
            page.setRelease(localId % PAGE_IDS, null);
        }
    }

    /** Writer: every series of page {@code p} left (the index released the page). */
    void release(int p) {
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> dir = pages;
        if (p < dir.length()) {
            dir.setRelease(p, null);
        }
    }

    private AtomicReferenceArray<ChunkCut> page(int p) {
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> dir = pages;
        return p < dir.length() ? dir.get(p) : null;
    }

    /** A directory that reaches page {@code p}; pages set in the old one meanwhile may be lost (cuts are a cache). */
    private synchronized AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> grow(int p) {
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> dir = pages;
        if (p < dir.length()) {
            return dir;
        }
        AtomicReferenceArray<AtomicReferenceArray<ChunkCut>> bigger = new AtomicReferenceArray<>(Math.max(dir.length() * 2, p + 1));
        for (int i = 0; i < dir.length(); i++) {
            bigger.set(i, dir.get(i));
        }
        pages = bigger;
        return bigger;
    }
}
