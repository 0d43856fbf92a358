package io.weir.net.scrape;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scrapes are spread over the interval by the target's hash: the same phase every round, never in the past. */
class ScrapeScheduleTest {
    @Test
    void firstScrapeIsAtTheTargetsPhase() {
        long interval = 15_000;
        for (long hash : new long[] {0, 1, 14_999, 15_000, -1, 0x9e3779b97f4a7c15L}) {
            for (long now : new long[] {1_700_000_000_000L, 1_700_000_007_123L, 1_700_000_014_999L}) {
                long t = ScrapeLoop.firstScrape(now, interval, hash);
                assertTrue(t >= now && t < now + interval, hash + " " + now + " -> " + t);
                assertEquals(Long.remainderUnsigned(hash, interval), Math.floorMod(t, interval));
            }
        }
    }
}
