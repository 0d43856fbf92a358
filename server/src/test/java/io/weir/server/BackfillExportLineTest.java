package io.weir.server;

import io.weir.engine.series.CanonicalLabels;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** VictoriaMetrics export lines as the backfill reads them: parsed exactly, and damaged ones refused clearly. */
class BackfillExportLineTest {
    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    @Test
    void linesAreJoinedPerSeriesFilteredAndOrdered() {
        BackfillCommand.ChunkCollector c = new BackfillCommand.ChunkCollector();
        Yaml y = yaml();
        BackfillCommand.parseLine(y, "{\"metric\":{\"job\":\"n\",\"__name__\":\"up\",\"empty\":\"\"},\"values\":[3,1e+06,0.5],"
                + "\"timestamps\":[3000,1000,2000]}", 1, c);
        BackfillCommand.parseLine(y, "{\"metric\":{\"__name__\":\"up\",\"job\":\"n\"},\"values\":[7,9],\"timestamps\":[500,9000]}", 2, c);
        BackfillCommand.parseLine(y, "{\"metric\":{\"__name__\":\"a\"},\"values\":[\"NaN\"],\"timestamps\":[1500]}", 3, c);
        List<BackfillCommand.SeriesSamples> got = c.sorted(1000, 3000);
        assertEquals(2, got.size());
        // label sets sort as "__name__\0a" < "__name__\0up"
        assertArrayEquals(CanonicalLabels.of("__name__", "a"), got.get(0).labels());
        assertTrue(Double.isNaN(got.get(0).values()[0]));
        assertArrayEquals(CanonicalLabels.of("__name__", "up", "job", "n"), got.get(1).labels());
        assertArrayEquals(new long[] {1000, 2000, 3000}, got.get(1).timestamps());
        assertArrayEquals(new double[] {1e6, 0.5, 3}, got.get(1).values());
    }

    @Test
    void damagedLinesAreRefusedWithTheLineNumber() {
        Yaml y = yaml();
        BackfillCommand.ChunkCollector c = new BackfillCommand.ChunkCollector();
        BackfillCommand.BackfillException e = assertThrows(BackfillCommand.BackfillException.class,
                () -> BackfillCommand.parseLine(y, "{\"metric\":{},\"values\":[1,2],\"timestamps\":[1]}", 7, c));
        assertTrue(e.getMessage().contains("line 7"), e.getMessage());
        String valid = "{\"metric\":{\"__name__\":\"up\",\"job\":\"n\"},\"values\":[1,2.5,-3],\"timestamps\":[1000,2000,3000]}";
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 5_000; round++) {
            char[] b = valid.toCharArray();
            for (int f = 0; f < 1 + rnd.nextInt(3); f++) {
                b[rnd.nextInt(b.length)] = "{}[],:\"0aZ.-e \\".charAt(rnd.nextInt(15));
            }
            try {
                BackfillCommand.parseLine(y, new String(b), round, new BackfillCommand.ChunkCollector());
            } catch (BackfillCommand.BackfillException | IllegalArgumentException expected) {
                // refused with a message (IllegalArgumentException: a label set the encoding refuses)
            } catch (RuntimeException other) {
                fail("round " + round + " (" + new String(b) + "): " + other, other);
            }
        }
    }
}
