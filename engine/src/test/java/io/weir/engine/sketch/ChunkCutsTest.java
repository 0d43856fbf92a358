package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.weir.engine.sketch.exact.ChunkCut;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** A series' cut goes to one reader at a time, comes back for the next, and leaves with its series or its page. */
class ChunkCutsTest {

    @Test
    void aCutHasOneHolderAndLeavesWithItsSeries() {
        ChunkCuts cuts = new ChunkCuts();
        int far = 70 * SketchIndex.pageIds() + 5; // beyond the first directory: it grows
        ChunkCut held = cuts.take(far);
        assertNotSame(held, cuts.take(far), "a second reader meanwhile gets a cut of its own");
        cuts.give(far, held);
        assertSame(held, cuts.take(far), "given back, the next reader carries on from it");
        cuts.give(far, held);
        cuts.forget(far);
        assertNotSame(held, cuts.take(far), "the series left: its cut with it");

        ChunkCut other = cuts.take(far + 1);
        cuts.give(far + 1, other);
        cuts.release(far / SketchIndex.pageIds());
        assertNotSame(other, cuts.take(far + 1), "the page left: its cuts with it");
    }

    @Test
    void aSweepLetsGoOfCutsNotTakenSinceItsLastPass() {
        ChunkCuts cuts = new ChunkCuts();
        int a = 3;
        int b = SketchIndex.pageIds() + 7; // another page
        ChunkCut cutA = cuts.take(a);
        cuts.give(a, cutA);
        ChunkCut cutB = cuts.take(b);
        cuts.give(b, cutB);
        long one = cutA.heapBytes();

        List<Boolean> marks = new ArrayList<>();
        assertEquals(2 * one, cuts.sweepKept((bytes, read) -> marks.add(read)), "both kept, both marked as read");
        assertEquals(List.of(true, true), marks);

        assertSame(cutA, cuts.take(a), "kept: the next reader carries on from it");
        cuts.give(a, cutA);
        marks.clear();
        assertEquals(one, cuts.sweepKept((bytes, read) -> read), "b was not taken since the last pass: let go");
        assertSame(cutA, cuts.take(a));
        cuts.give(a, cutA);
        assertNotSame(cutB, cuts.take(b), "b's slot is empty: a fresh cut");

        ChunkCut held = cuts.take(a);
        assertEquals(0, cuts.sweepKept((bytes, read) -> false), "a cut a reader holds is not in its slot");
        cuts.give(a, held);
        assertSame(held, cuts.take(a), "given back after the pass: kept");
    }
}
