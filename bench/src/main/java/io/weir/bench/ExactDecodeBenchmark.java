package io.weir.bench;

import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.exact.ExactSamplesFlyweight;
import io.weir.engine.sketch.exact.ExactWindow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decoding an exact-samples block (the Gorilla stream) into a window: the cost per sample that a query over raw
 * samples pays. One block of 5,760 samples (24 h at 15 s) in native memory, as in the slab; {@code kind} is the
 * value shape: latency-like decimals (XOR codes) or a counter (integer steps). Per operation: the whole block.
 */
@State(Scope.Thread)
public class ExactDecodeBenchmark extends WeirForkedBenchmark {
    private static final int SAMPLES = 5_760;

    @Param({"decimal", "counter"})
    public String kind;

    private final ExactSamplesFlyweight block = new ExactSamplesFlyweight();
    private final ExactWindow window = new ExactWindow();

    @Setup(Level.Trial)
    public void setUp() {
        int capacity = SAMPLES * 16 + 4096;
        MemorySegment seg = Arena.ofAuto().allocate(ExactSamplesDescriptor.HEADER_LENGTH + capacity, 64);
        block.wrap(seg, 0).init(1, Long.MAX_VALUE / 4, 7, Integer.MAX_VALUE, capacity);
        long t = SyntheticSeries.START_MS;
        double counter = 0;
        for (int i = 0; i < SAMPLES; i++) {
            t += 15_000 + (i % 7 == 0 ? 1 : 0);
            counter += i % 13;
            double v = kind.equals("counter") ? counter : 100 + ((i * 7919L) % 997) / 10.0;
            if (block.append(t, v) != ExactSamplesFlyweight.APPLIED) {
                throw new IllegalStateException("block full at " + i);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public int decodeAll() {
        block.read(Long.MIN_VALUE, Long.MAX_VALUE, window);
        return window.size();
    }
}
