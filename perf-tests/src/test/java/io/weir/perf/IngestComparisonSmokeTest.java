package io.weir.perf;

import io.weir.net.load.LoadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ingest comparison in its CI form: one short round per system. Asserts that the load went through and the
 * books balance, never how fast: two shared cores make speed assertions flaky.
 */
class IngestComparisonSmokeTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oneShortRoundAcknowledgesEverythingAndWeirCountsMatch() throws Exception {
        IngestComparison.Options options = new IngestComparison.Options(1, Duration.ofSeconds(1), Duration.ofSeconds(3),
                2, 2_000, 500, 300_000, Path.of("target/unused.md"), List.of(), "");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<IngestComparison.Round> rounds = IngestComparison.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));
        String out = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, rounds.size(), out);
        for (IngestComparison.SystemRun run : List.of(rounds.get(0).weir(), rounds.get(0).vm())) {
            LoadResult load = run.load();
            assertTrue(load.totalAckedSamples() > 0, run.system() + " acknowledged nothing\n" + out);
            assertEquals(0, load.serverErrors(), run.system() + " answered 5xx\n" + out);
            assertEquals(0, load.transportErrors(), run.system() + " transport errors\n" + out);
            assertEquals(List.of(), run.failures(), run.system() + " checks failed\n" + out);
        }
        assertEquals(2, rounds.get(0).weir().checks().size(), "both Weir checks ran: " + rounds.get(0).weir().checks());
    }
}
