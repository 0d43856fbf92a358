package io.weir.net.scrape;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutated and random bodies through parser and batch, both formats: nothing throws, and a body that fails to parse
 * leaves exactly the report series with up 0 (the scrape is dropped whole), whatever reached the batch before.
 */
class ExpositionFuzzTest {
    private static final String SEED_TEXT = """
            # HELP a_total doc \\\\ with \\n escapes
            # TYPE a_total counter
            a_total{x="1",y="q\\"uote"} 1.5e3 1700000000000
            b NaN
            c{le="+Inf"} -Inf
            """;
    private static final String SEED_OM = """
            # TYPE a counter
            # UNIT a seconds
            a_total{x="1"} 1.5 1700000000.5 # {t="x"} 1 1700000000
            a_created 1700000000
            b 2
            # EOF
            """;

    @Test
    void mutatedBodiesNeverCrashAndFailWhole() {
        Random r = new Random(42);
        ScrapeTarget target = new ScrapeTarget("j", java.net.URI.create("http://h:1/metrics"),
                new TreeMap<>(Map.of("job", "j", "instance", "h:1")), "k");
        ExpositionParser p = new ExpositionParser();
        ScrapeBatch b = new ScrapeBatch(target, false, true, 0, List.of());
        byte[] alphabet = "{}=\",# \n\\.eE+-0123456789abcxyzNaInf_:\t\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        int failed = 0;
        int ok = 0;
        for (int i = 0; i < 200_000; i++) {
            boolean om = (i & 1) == 1;
            byte[] body = (om ? SEED_OM : SEED_TEXT).getBytes(StandardCharsets.UTF_8);
            int mode = r.nextInt(4);
            if (mode == 0) {
                body = new byte[r.nextInt(200)];
                for (int k = 0; k < body.length; k++) {
                    body[k] = alphabet[r.nextInt(alphabet.length)];
                }
            } else {
                int edits = 1 + r.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = r.nextInt(body.length);
                    switch (r.nextInt(3)) {
                        case 0 -> body[at] = alphabet[r.nextInt(alphabet.length)];
                        case 1 -> body = java.util.Arrays.copyOf(body, at);
                        default -> body[at] = (byte) r.nextInt(256);
                    }
                    if (body.length == 0) {
                        break;
                    }
                }
            }
            b.begin(1000 + i);
            if (p.parse(body, body.length, om, b)) {
                ok++;
                b.addStaleMarkers();
                b.addReport(true, 0.1);
            } else {
                failed++;
                assertTrue(p.error() != null && p.error().startsWith("line "), p.error());
                b.failed();
                b.addReport(false, 0.1);
                // only stale markers for the previous scrape's series and the 5 report series remain
                var d = b.request();
                int reports = 0;
                for (int s = 0; s < d.seriesCount(); s++) {
                    double v = d.value(d.seriesFirstSample(s));
                    boolean stale = Double.doubleToRawLongBits(v) == Double.doubleToRawLongBits(ScrapeBatch.STALE_NAN);
                    if (!stale) {
                        reports++;
                    }
                }
                assertEquals(5, reports, "failed scrape kept samples: " + new String(body, StandardCharsets.ISO_8859_1));
                assertEquals(0.0, d.value(d.seriesFirstSample(d.seriesCount() - 5)), "up must be 0");
            }
            b.committed();
        }
        System.out.printf("fuzz: %d bodies parsed, %d refused%n", ok, failed);
        assertTrue(ok > 1000 && failed > 1000, ok + " ok, " + failed + " failed");
    }
}
