package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.weir.engine.sketch.exact.ChunkCut;
import org.junit.jupiter.api.Test;

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
}
