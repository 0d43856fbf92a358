package io.weir.engine.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeriesResolverAllocationTest {
    @TempDir
    Path dir;

    @Test
    void hitPathDoesNotAllocate() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<String[]> sets = LabelSets.random(new Random(1), 10_000);
        LabelSets.Spans spans = LabelSets.Spans.of(sets);
        try (SeriesTable table = SeriesTable.open(dir, sets.size())) {
            SeriesResolver resolver = table.newResolver();
            long checksum = 0;
            for (int round = 0; round < 50; round++) { // warm-up: creates the series, then lets the JIT compile
                checksum += resolveAll(resolver, spans, sets.size());
            }
            long missesBefore = resolver.misses();
            int rounds = 100;
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < rounds; round++) {
                checksum += resolveAll(resolver, spans, sets.size());
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            double perResolve = (double) allocated / ((long) rounds * sets.size());
            System.out.printf("hit path: %d bytes over %d resolves = %.4f bytes/resolve (checksum %d)%n",
                    allocated, (long) rounds * sets.size(), perResolve, checksum);
            assertEquals(missesBefore, resolver.misses(), "every measured resolve was a hit");
            assertTrue(perResolve < 0.1, "allocated " + perResolve + " bytes per resolve");
        }
    }

    private static long resolveAll(SeriesResolver resolver, LabelSets.Spans spans, int n) {
        long sum = 0;
        for (int s = 0; s < n; s++) {
            sum += spans.resolve(resolver, s);
        }
        return sum;
    }
}
