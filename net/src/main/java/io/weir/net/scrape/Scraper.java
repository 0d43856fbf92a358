package io.weir.net.scrape;

import io.weir.net.ingest.IngestPath;

import java.util.ArrayList;
import java.util.List;

/**
 * The node's built-in scraper: one {@link ScrapePool} per {@code scrape_configs} job, started with the node, and one
 * discovery thread that checks file_sd files every second (a changed file is re-read at once; every file is re-read
 * at its {@code refresh_interval}) and starts or stops target loops. Scraped samples take the same path as remote
 * write: the ingest ring, the WAL, the forwarder and the sketches.
 */
public final class Scraper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Scraper.class.getName());
    static final long DISCOVERY_TICK_MILLIS = 1_000;

    private final List<ScrapePool> pools = new ArrayList<>();
    private final ScrapeStats stats = new ScrapeStats();
    private final Thread discovery;
    private volatile boolean closed;

    public Scraper(List<ScrapeJob> jobs, IngestPath ingest, String userAgent) {
        for (ScrapeJob job : jobs) {
            pools.add(new ScrapePool(job, ingest, stats, userAgent));
        }
        long now = System.currentTimeMillis();
        for (ScrapePool p : pools) {
            p.refresh(now, true);
        }
        boolean anyFileSd = jobs.stream().anyMatch(j -> !j.fileSdConfigs().isEmpty());
        discovery = anyFileSd ? Thread.ofPlatform().name("weir-scrape-discovery").daemon(true).start(this::discover) : null;
        LOG.log(System.Logger.Level.INFO, "scraping " + targetCount() + " target(s) in " + jobs.size() + " job(s)");
    }

    private void discover() {
        while (!closed) {
            try {
                Thread.sleep(DISCOVERY_TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            for (ScrapePool p : pools) {
                try {
                    p.refresh(now, false);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "file_sd refresh of job " + p.job().jobName() + " failed", e);
                }
            }
        }
    }

    public ScrapeStats stats() { return stats; }

    public int targetCount() {
        int n = 0;
        for (ScrapePool p : pools) {
            n += p.loops().size();
        }
        return n;
    }

    /** Targets whose last scrape succeeded. */
    public int targetsUp() {
        int n = 0;
        for (ScrapePool p : pools) {
            for (ScrapeLoop l : p.loops()) {
                if (l.up()) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        if (discovery != null) {
            discovery.interrupt();
            try {
                discovery.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ScrapePool p : pools) {
            p.close();
        }
    }
}
