package io.weir.engine.sketch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AggregateSketchSpecTest {
    @Test
    void choosesSmallestNiceWidth() {
        assertEquals(new AggregateSketchSpec(60_000, 61), AggregateSketchSpec.forWindow(3_600_000, 60));
        assertEquals(new AggregateSketchSpec(5_000, 61), AggregateSketchSpec.forWindow(300_000, 100));
        assertEquals(new AggregateSketchSpec(1_000, 61), AggregateSketchSpec.forWindow(60_000, 60));
        assertEquals(new AggregateSketchSpec(900_000, 97), AggregateSketchSpec.forWindow(86_400_000, 100));
        // window not a multiple of W: ceil, so the ring still holds it
        assertEquals(new AggregateSketchSpec(2_000, 47), AggregateSketchSpec.forWindow(91_000, 50));
    }

    @Test
    void rejectsBadConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> AggregateSketchSpec.forWindow(0, 10));
        assertThrows(IllegalArgumentException.class, () -> AggregateSketchSpec.forWindow(60_000, 0));
        assertThrows(IllegalArgumentException.class, () -> AggregateSketchSpec.forWindow(365L * 86_400_000 * 100, 10));
        assertThrows(IllegalArgumentException.class, () -> new AggregateSketchSpec(1000, 1));
    }
}
