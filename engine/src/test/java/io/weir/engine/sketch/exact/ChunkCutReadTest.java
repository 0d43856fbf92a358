package io.weir.engine.sketch.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Reads that carry on from the cut of an earlier read ({@link ChunkCut}) answer exactly what a read from the
 * checkpoint answers: the same samples and the same chunk moments, bit for bit, whatever order the windows come in
 * (starts moving forward by a sample or two, as a dashboard refreshes; jumping back; into other chunks), while the
 * block keeps growing, and after the block at the same address was compacted (its checkpoints now hold other samples:
 * the cut must not be taken for them).
 */
class ChunkCutReadTest {

    @Test
    void readsCarriedOnFromACutEqualReadsFromTheCheckpoint() {
        SplittableRandom rnd = new SplittableRandom(33);
        int carried = 0;
        int refused = 0;
        for (int round = 0; round < 60; round++) {
            int kind = round % 5;
            int n = 1_000 + rnd.nextInt(4_000);
            int capacity = n * 24 + 8192;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 8);
                ExactSamplesFlyweight f = new ExactSamplesFlyweight().wrap(seg, 0);
                f.init(7, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
                long[] ts = new long[n];
                long t = 1_000_000;
                double counter = 0;
                ChunkCut cut = new ChunkCut();
                int appended = 0;
                for (int phase = 0; phase < 4; phase++) {
                    // the block grows between the phases: cuts taken in it stay good
                    int until = phase == 3 ? n : (phase + 1) * n / 4;
                    for (; appended < until; appended++) {
                        t += 1 + rnd.nextInt(2_000);
                        ts[appended] = t;
                        double v = switch (kind) {
                            case 0 -> counter += rnd.nextInt(50);
                            case 1 -> Math.round(rnd.nextDouble() * 10_000) / 100.0;
                            case 2 -> rnd.nextInt(300) == 0 ? Double.NaN : rnd.nextGaussian() * 100;
                            case 3 -> 1e6 + rnd.nextGaussian() * 1e-3;
                            default -> rnd.nextDouble();
                        };
                        assertEquals(ExactSamplesFlyweight.APPLIED, f.append(t, v));
                    }
                    long start = ts[rnd.nextInt(appended / 2)];
                    for (int q = 0; q < 60; q++) {
                        // mostly a start moved on by a sample or two; sometimes back, sometimes far
                        int move = rnd.nextInt(10);
                        if (move < 7) {
                            start += rnd.nextInt(3_000);
                        } else if (move < 9) {
                            start -= rnd.nextInt(3_000);
                        } else {
                            start = ts[rnd.nextInt(appended)] - rnd.nextInt(2);
                        }
                        long end = rnd.nextInt(3) == 0 ? ts[appended - 1] - rnd.nextInt(100_000) : Long.MAX_VALUE / 8;
                        boolean moments = rnd.nextBoolean();
                        FirstChunk first = FirstChunk.values()[rnd.nextInt(FirstChunk.values().length)];
                        int before = cut.checkpoint();
                        boolean continues = before >= 0 && cut.startExclusiveMs() <= start;
                        assertSameRead(f, start, end, moments, first, cut, "round " + round + " phase " + phase + " q " + q);
                        continues &= cut.checkpoint() == before;
                        if (continues) {
                            carried++;
                        }
                    }
                }
                // the same address then holds the block compacted: its checkpoint j lies on another sample (or on
                // the same one at another stream position), so a cut taken before must be refused
                int bytes = ExactSamplesDescriptor.HEADER_LENGTH + capacity;
                MemorySegment pristine = arena.allocate(bytes, 8);
                MemorySegment.copy(seg, 0, pristine, 0, bytes);
                MemorySegment compacted = arena.allocate(bytes, 8);
                int drop = 1 + rnd.nextInt(n / 2);
                if (!f.compactInto(new ExactSamplesFlyweight().wrap(compacted, 0), ts[drop], capacity)) {
                    continue;
                }
                for (int q = 0; q < 30; q++) {
                    MemorySegment.copy(pristine, 0, seg, 0, bytes);
                    long start = ts[drop + 1 + rnd.nextInt(n - drop - 3)] - rnd.nextInt(2);
                    ChunkCut stale = new ChunkCut();
                    f.read(start, Long.MAX_VALUE / 8, new ExactWindow(), true, FirstChunk.SUMS, stale);
                    int takenAt = stale.checkpoint();
                    MemorySegment.copy(compacted, 0, seg, 0, bytes);
                    long later = start + rnd.nextInt(3_000);
                    ChunkCut fresh = new ChunkCut();
                    ExactWindow expected = new ExactWindow();
                    f.read(later, Long.MAX_VALUE / 8, expected, true, FirstChunk.SUMS, fresh);
                    ExactWindow actual = new ExactWindow();
                    f.read(later, Long.MAX_VALUE / 8, actual, true, FirstChunk.SUMS, stale);
                    assertSameWindow(expected, actual, "round " + round + " compacted, start " + later);
                    if (takenAt >= 0 && takenAt == fresh.checkpoint()) {
                        refused++; // same checkpoint index, other checkpoint: only its state tells them apart
                    }
                }
            }
        }
        assertTrue(carried > 1_000, "reads that carried on from a cut: " + carried);
        assertTrue(refused > 100, "stale cuts left alone: " + refused);
    }

    private static void assertSameRead(ExactSamplesFlyweight f, long start, long end, boolean moments, FirstChunk first,
                                       ChunkCut cut, String what) {
        ExactWindow carried = new ExactWindow();
        f.read(start, end, carried, moments, first, cut);
        ExactWindow fresh = new ExactWindow();
        f.read(start, end, fresh, moments, first, new ChunkCut());
        assertSameWindow(fresh, carried, what + " (" + start + ", " + end + "] " + moments + " " + first);
    }

    static void assertSameWindow(ExactWindow expected, ExactWindow actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": samples");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.timestamps()[i], actual.timestamps()[i], what + ": timestamp " + i);
            assertEquals(Double.doubleToRawLongBits(expected.values()[i]), Double.doubleToRawLongBits(actual.values()[i]),
                what + ": value " + i);
        }
        assertEquals(expected.chunks(), actual.chunks(), what + ": chunks");
        for (int k = 0; k < expected.chunks(); k++) {
            assertEquals(expected.chunkSamples(k), actual.chunkSamples(k), what + ": chunk samples " + k);
            assertEquals(Double.doubleToRawLongBits(expected.chunkSumHi(k)), Double.doubleToRawLongBits(actual.chunkSumHi(k)), what + ": sum hi " + k);
            assertEquals(Double.doubleToRawLongBits(expected.chunkSumLo(k)), Double.doubleToRawLongBits(actual.chunkSumLo(k)), what + ": sum lo " + k);
            assertEquals(Double.doubleToRawLongBits(expected.chunkDev2(k)), Double.doubleToRawLongBits(actual.chunkDev2(k)), what + ": dev2 " + k);
            assertEquals(Double.doubleToRawLongBits(expected.chunkMin(k)), Double.doubleToRawLongBits(actual.chunkMin(k)), what + ": min " + k);
            assertEquals(Double.doubleToRawLongBits(expected.chunkMax(k)), Double.doubleToRawLongBits(actual.chunkMax(k)), what + ": max " + k);
        }
    }
}
