package io.weir.net.scrape;

import io.weir.engine.ingest.IngestTicket;
import io.weir.net.ingest.IngestPath;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Scrapes one target every interval on its own virtual thread, at a fixed offset into the interval derived from the
 * target's hash (so a job's targets are spread over the interval, as in Prometheus), and publishes each scrape as one
 * request on the ingest path. A scrape is cut at {@code scrape_timeout}; a slow or hanging target delays nothing but
 * itself. The next scrape's request is published only once the previous one is in the WAL; a full ring or WAL is
 * retried with the same request until the next scrape is due, then the batch is counted as dropped.
 */
final class ScrapeLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(ScrapeLoop.class.getName());
    /** What Prometheus 2.42 sends: OpenMetrics preferred, then the text format. */
    static final String ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private final ScrapeJob job;
    private final ScrapeTarget target;
    private final HttpClient client;
    private final IngestPath ingest;
    private final ScrapeStats stats;
    private final String userAgent;
    private final ExpositionParser parser = new ExpositionParser();
    /** As Prometheus formats it: "10", "0.5". */
    private final String timeoutHeader;
    private final ScrapeBatch batch;
    private volatile boolean stopping;
    private volatile boolean gone;
    private volatile Thread thread;
    private volatile String lastError;
    private volatile long lastScrapeMillis;
    private volatile boolean up;

    ScrapeLoop(ScrapeJob job, ScrapeTarget target, HttpClient client, IngestPath ingest, ScrapeStats stats, String userAgent) {
        this.job = job;
        this.target = target;
        this.client = client;
        this.ingest = ingest;
        this.stats = stats;
        this.userAgent = userAgent;
        this.timeoutHeader = java.math.BigDecimal.valueOf(job.timeoutMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
        this.batch = new ScrapeBatch(target, job.honorLabels(), job.honorTimestamps(), job.sampleLimit(), job.metricRelabelConfigs());
    }

    ScrapeTarget target() { return target; }
    boolean up() { return up; }
    String lastError() { return lastError; }
    long lastScrapeMillis() { return lastScrapeMillis; }

    void start() {
        thread = Thread.ofVirtual().name("weir-scrape-" + target.jobName() + "-" + target.instance()).start(this);
    }

    /** @param targetGone write stale markers for everything this target reported (it left discovery) */
    void stop(boolean targetGone) {
        gone = targetGone;
        stopping = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    void join(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(Duration.ofMillis(millis));
        }
    }

    /** The first scrape time at or after now that is congruent to the target's offset modulo the interval. */
    static long firstScrape(long now, long interval, long hash) {
        long offset = Long.remainderUnsigned(hash, interval);
        long base = now - Math.floorMod(now, interval);
        long t = base + offset;
        return t < now ? t + interval : t;
    }

    @Override
    public void run() {
        IngestPath.Writer writer = ingest.newWriter();
        long interval = job.intervalMillis();
        long next = firstScrape(System.currentTimeMillis(), interval, target.hash());
        try {
            while (!stopping) {
                if (!sleepUntil(next)) {
                    break;
                }
                long start = System.currentTimeMillis();
                scrapeOnce(start);
                if (stopping) {
                    break; // a scrape cut by shutdown is not a failed scrape: no up 0, no stale markers
                }
                publish(writer, start + interval);
                next += interval;
                long now = System.currentTimeMillis();
                if (next <= now) {
                    next += ((now - next) / interval + 1) * interval; // missed rounds are skipped, not bunched
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "scrape loop of " + target.url() + " stopped", e);
        }
        if (gone && lastScrapeMillis != 0) { // a target never scraped has nothing to mark stale
            Thread.interrupted(); // the interrupt that stopped us must not cut the last publish
            batch.targetGone(System.currentTimeMillis());
            stopping = false;
            publish(writer, System.currentTimeMillis() + Math.min(interval, 5_000));
        }
    }

    private boolean sleepUntil(long timeMillis) {
        while (!stopping) {
            long wait = timeMillis - System.currentTimeMillis();
            if (wait <= 0) {
                return true;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    /** One scrape into the batch: samples and stale markers, or a failure; then the report series. */
    private void scrapeOnce(long start) {
        long t0 = System.nanoTime();
        batch.begin(start);
        String error = null;
        byte[] body = null;
        String contentType = null;
        CompletableFuture<HttpResponse<byte[]>> f = null;
        try {
            f = client.sendAsync(request(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> r = f.get(job.timeoutMillis(), TimeUnit.MILLISECONDS);
            if (r.statusCode() != 200) {
                error = "server returned HTTP status " + r.statusCode();
            } else {
                body = r.body();
                contentType = r.headers().firstValue("content-type").orElse(null);
            }
        } catch (TimeoutException e) {
            error = "scrape timeout after " + job.timeoutMillis() + " ms";
        } catch (ExecutionException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            error = c.getClass().getSimpleName() + ": " + c.getMessage();
        } catch (InterruptedException e) {
            error = "stopped";
            Thread.currentThread().interrupt();
        } catch (IOException | IllegalArgumentException e) {
            error = e.getMessage();
        } finally {
            if (f != null && !f.isDone()) {
                f.cancel(true); // the JDK client aborts the exchange: a hanging target holds no connection
            }
        }
        double duration = (System.nanoTime() - t0) / 1e9;
        if (error == null && !parser.parse(body, body.length, ExpositionParser.isOpenMetrics(contentType), batch)) {
            error = parser.error();
        }
        stats.scrapes.increment();
        if (error == null) {
            batch.addStaleMarkers();
            stats.samples.add(batch.samplesPostRelabel());
        } else {
            stats.failures.increment();
            batch.failed();
        }
        batch.addReport(error == null, duration);
        up = error == null;
        lastError = error;
        lastScrapeMillis = start;
        if (error != null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "scrape of " + target.url() + " failed: " + lastError);
        }
    }

    private HttpRequest request() throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.url()).GET()
                .timeout(Duration.ofMillis(job.timeoutMillis()))
                .header("Accept", ACCEPT)
                .header("User-Agent", userAgent)
                .header("X-Prometheus-Scrape-Timeout-Seconds", timeoutHeader);
        ScrapeJob.BasicAuth basic = job.basicAuth();
        if (basic != null) {
            String password = basic.passwordFile() != null ? Files.readString(basic.passwordFile()).strip() : nullToEmpty(basic.password());
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (basic.username() + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        ScrapeJob.Authorization auth = job.authorization();
        if (auth != null) {
            String cred = auth.credentialsFile() != null ? Files.readString(auth.credentialsFile()).strip() : nullToEmpty(auth.credentials());
            b.header("Authorization", auth.type() + " " + cred);
        }
        return b.build();
    }

    private static String nullToEmpty(String s) { return s == null ? "" : s; }

    /** Publishes the batch and waits until it is in the WAL; retries a full ring or WAL until {@code giveUpAt}. */
    private void publish(IngestPath.Writer writer, long giveUpAt) {
        long backoff = 50;
        try {
            while (true) {
                Ticket ticket = new Ticket(Thread.currentThread());
                int r = writer.publish(batch.request(), ticket);
                if (r == IngestPath.PUBLISHED) {
                    if (!ticket.await()) {
                        stats.walFailures.increment();
                    }
                    return;
                }
                if (r == IngestPath.EMPTY) {
                    return;
                }
                if (r == IngestPath.LIMITED) {
                    // a limit is a verdict on the content, not backpressure: the same batch would be refused again
                    stats.droppedBatches.increment();
                    LOG.log(System.Logger.Level.WARNING, "scrape of " + target.url() + " refused by an ingest limit: "
                            + writer.refusal().message());
                    return;
                }
                if (System.currentTimeMillis() + backoff >= giveUpAt || stopping) {
                    stats.droppedBatches.increment();
                    LOG.log(System.Logger.Level.WARNING, "scrape of " + target.url() + " dropped: "
                            + (r == IngestPath.RING_FULL ? "ingest ring" : "WAL") + " still full when the next scrape was due");
                    return;
                }
                stats.retries.increment();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stats.droppedBatches.increment();
                    return;
                }
                backoff = Math.min(backoff * 2, 1000);
            }
        } finally {
            batch.committed();
        }
    }

    /** Completed by the journaler; the scrape thread parks until then. */
    private static final class Ticket implements IngestTicket {
        private final Thread waiter;
        private volatile int state; // 0 pending, 1 durable, 2 failed

        Ticket(Thread waiter) {
            this.waiter = waiter;
        }

        @Override
        public void durable() {
            state = 1;
            LockSupport.unpark(waiter);
        }

        @Override
        public void failed(String reason) {
            LOG.log(System.Logger.Level.WARNING, "scraped samples not journaled: " + reason);
            state = 2;
            LockSupport.unpark(waiter);
        }

        /** @return true when durable; waits through interrupts (the ring completes every ticket, also on close) */
        boolean await() {
            boolean interrupted = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a halted ring must not hang a stop
            while (state == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(this, 100_000_000L);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return state == 1;
        }
    }
}
