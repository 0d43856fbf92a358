package io.weir.net.scrape;

import com.lmax.disruptor.EventHandler;
import com.sun.net.httpserver.HttpServer;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.series.SeriesTable;
import io.weir.net.ingest.IngestPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A full WAL (the ingest path refuses with WAL_FULL) is retried with the same scrape's batch: when it clears before
 * the next scrape is due, exactly that scrape's samples arrive, once; when it does not, the batch is counted as
 * dropped and none of it arrives. The target serves its request number as the value, so loss and duplication show.
 */
class ScrapeBackpressureTest {
    /** Journals nothing to disk: records the first value of each batch (the scraped series comes first) and acks. */
    private static final class RecordingJournaler implements EventHandler<IngestBatch> {
        final List<Double> firstValues = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEvent(IngestBatch b, long sequence, boolean endOfBatch) {
            if (b.count() > 0 && b.ticket() != null) {
                firstValues.add(b.values()[0]);
            }
            if (b.ticket() != null) {
                b.ticket().durable();
            }
        }
    }

    @Test
    void fullWalIsRetriedWithTheSameBatchThenDroppedWhenTheNextScrapeIsDue(@TempDir Path dir) throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        target.createContext("/metrics", ex -> {
            byte[] b = ("m " + served.incrementAndGet() + "\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        target.start();
        AtomicBoolean walFull = new AtomicBoolean(true);
        RecordingJournaler journaler = new RecordingJournaler();
        @SuppressWarnings("unchecked")
        EventHandler<IngestBatch>[] writers = new EventHandler[] {(EventHandler<IngestBatch>) (b, s, e) -> { }};
        ScrapeJob job = new ScrapeJob("j", 3_000, 1_000, "/metrics", "http", Map.of(),
                List.of(new TargetGroup(List.of("127.0.0.1:" + target.getAddress().getPort()), Map.of(), "test")),
                List.of(), List.of(), List.of(), false, true, 0, null, null, ScrapeJob.TlsConfig.DEFAULT);
        try (SeriesTable series = SeriesTable.open(dir.resolve("series"), 1024);
             IngestRing ring = new IngestRing(64, 256, journaler, writers)) {
            ring.start();
            BooleanSupplier over = walFull::get;
            IngestPath ingest = new IngestPath(series, ring, new IngestStats(), over);
            try (Scraper scraper = new Scraper(List.of(job), ingest, "test")) {
                ScrapeStats st = scraper.stats();
                // phase 1: the WAL stays full past the next scrape: the batch is given up, counted, and never arrives
                await(() -> st.droppedBatches() >= 1, "a dropped batch");
                assertTrue(st.retries() >= 2, "retries " + st.retries());
                assertEquals(List.of(), journaler.firstValues);
                // phase 2: the next scrape is being retried; the WAL clears: that very scrape's batch arrives
                long retries = st.retries();
                await(() -> st.retries() >= retries + 2, "the next scrape being retried");
                int blockedRequest = served.get();
                walFull.set(false);
                await(() -> journaler.firstValues.size() >= 2, "two journaled scrapes");
                List<Double> got = new ArrayList<>(journaler.firstValues);
                assertEquals((double) blockedRequest, got.get(0), "first journaled scrape: " + got);
                for (int i = 1; i < got.size(); i++) {
                    assertEquals(got.get(i - 1) + 1, got.get(i), "scrapes in order, none lost or repeated: " + got);
                }
                assertEquals(1, st.droppedBatches(), "only the first blocked batch was dropped");
                assertTrue(blockedRequest >= 2, "the dropped scrape was request 1.." + (blockedRequest - 1));
            }
        } finally {
            target.stop(0);
        }
    }

    private interface Condition {
        boolean met();
    }

    private static void await(Condition c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!c.met()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
