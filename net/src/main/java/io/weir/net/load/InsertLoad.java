package io.weir.net.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * The remote write load driver behind {@code weir bench insert} and the perf tests: one platform thread and one
 * keep-alive connection per sender stream of a {@link RemoteWritePayloads}, each POSTing its bodies back to back in
 * order. A warm-up comes first; rates and latencies count only responses that arrive within the measured part.
 * 2xx acknowledges a body; 429/503 waits the Retry-After (at most one second, never past the end) and sends the
 * same body again; any other status or a transport error gives the body up and moves on, counted.
 */
public final class InsertLoad {
    private static final long MAX_RETRY_WAIT_NANOS = 1_000_000_000L;

    private InsertLoad() {}

    /** Where to send: host, port and path of a remote write endpoint on an {@code http://} URL. */
    /**
     * Where the load goes. {@code tls} null = plain HTTP; otherwise the connections speak TLS with this context.
     * {@code authorization} is a whole Authorization header value (e.g. "Basic ...") or null.
     */
    public record Target(String host, int port, String path, javax.net.ssl.SSLContext tls, String authorization) {
        /** Accepts a base URL ({@code http://127.0.0.1:9201}) or the full write URL; plain HTTP only. */
        public static Target of(String url) {
            return of(url, null, null);
        }

        /**
         * @param tls           required for an https:// URL (the trust the bench needs for the node's certificate)
         * @param authorization the Authorization header value, or null
         */
        public static Target of(String url, javax.net.ssl.SSLContext tls, String authorization) {
            URI uri = URI.create(url);
            boolean https = "https".equals(uri.getScheme());
            if (!(https || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("--url must be http(s)://HOST:PORT[/path], was " + url);
            }
            if (https && tls == null) {
                throw new IllegalArgumentException("an https:// --url needs --ca-file (the CA that signed the node's certificate)");
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
                    ? "/api/v1/write" : uri.getRawPath();
            return new Target(uri.getHost(), uri.getPort() < 0 ? (https ? 443 : 80) : uri.getPort(), path,
                    https ? tls : null, authorization);
        }
    }

    /**
     * Runs the load and returns when every sender has stopped (about {@code warmup + duration}, plus the last
     * in-flight request).
     *
     * @param progress receives a line every 5 s; null for none
     */
    public static LoadResult run(Target target, RemoteWritePayloads payloads, Duration warmup, Duration duration,
                                 PrintStream progress) throws InterruptedException {
        long start = System.nanoTime();
        long measureStart = start + warmup.toNanos();
        long end = measureStart + duration.toNanos();
        Sender[] senders = new Sender[payloads.senders()];
        Thread[] threads = new Thread[senders.length];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = new Sender(i, target, payloads, measureStart, end);
            threads[i] = Thread.ofPlatform().name("insert-sender-" + i).daemon().start(senders[i]);
        }
        long nextReport = start + 5_000_000_000L;
        long lastAcked = 0;
        long lastTime = start;
        for (Thread t : threads) {
            while (!t.join(Duration.ofMillis(200))) {
                long now = System.nanoTime();
                if (progress != null && now >= nextReport) {
                    long acked = 0;
                    for (Sender s : senders) {
                        acked += s.ackedProgress;
                    }
                    progress.printf(Locale.ROOT, "  %5.1f s  %s  %,.0f samples/s%n", (now - start) / 1e9,
                            now < measureStart ? "warm-up " : "measured", (acked - lastAcked) / ((now - lastTime) / 1e9));
                    lastAcked = acked;
                    lastTime = now;
                    nextReport += 5_000_000_000L;
                }
                if (now > end + 120_000_000_000L) {
                    throw new IllegalStateException("senders still running 120 s after the end");
                }
            }
        }
        LatencyHistogram latency = new LatencyHistogram();
        long measuredSamples = 0, measuredRequests = 0, ackedSamples = 0, ackedRequests = 0, throttled = 0, measuredThrottled = 0;
        long clientErrors = 0, serverErrors = 0, transportErrors = 0, skipped = 0;
        long lastMeasured = measureStart;
        boolean exhausted = false;
        int[] bodiesAcked = new int[senders.length];
        for (int i = 0; i < senders.length; i++) {
            Sender s = senders[i];
            latency.add(s.latency);
            measuredSamples += s.measuredSamples;
            measuredRequests += s.measuredRequests;
            ackedSamples += s.ackedSamples;
            ackedRequests += s.ackedRequests;
            throttled += s.throttled;
            measuredThrottled += s.measuredThrottled;
            clientErrors += s.clientErrors;
            serverErrors += s.serverErrors;
            transportErrors += s.transportErrors;
            skipped += s.skipped;
            exhausted |= s.exhausted;
            lastMeasured = Math.max(lastMeasured, s.lastMeasuredNanos);
            bodiesAcked[i] = s.skipped == 0 ? s.next : -1;
        }
        long measuredNanos = exhausted ? lastMeasured - measureStart : end - measureStart;
        return new LoadResult(measuredNanos / 1e9, measuredSamples, measuredRequests, latency.quantileMicros(0.50),
                latency.quantileMicros(0.99), latency.quantileMicros(0.999), ackedSamples, ackedRequests, throttled, measuredThrottled,
                clientErrors, serverErrors, transportErrors, skipped, exhausted, bodiesAcked);
    }

    /** One sender stream; its counters are written by its own thread and read after it has been joined. */
    private static final class Sender implements Runnable {
        private final int id;
        private final Target target;
        private final RemoteWritePayloads payloads;
        private final long measureStart;
        private final long end;
        final LatencyHistogram latency = new LatencyHistogram();
        long measuredSamples, measuredRequests, ackedSamples, ackedRequests, throttled, measuredThrottled;
        long clientErrors, serverErrors, transportErrors, skipped, lastMeasuredNanos;
        /** Written by the sender only, read racily for progress lines. */
        volatile long ackedProgress;
        int next;
        boolean exhausted;
        private boolean interrupted;

        Sender(int id, Target target, RemoteWritePayloads payloads, long measureStart, long end) {
            this.id = id;
            this.target = target;
            this.payloads = payloads;
            this.measureStart = measureStart;
            this.end = end;
        }

        @Override
        public void run() {
            byte[][] bodies = payloads.bodies(id);
            RemoteWriteConnection conn = null;
            try {
                while (next < bodies.length && !interrupted && System.nanoTime() < end) {
                    if (conn == null) {
                        try {
                            conn = new RemoteWriteConnection(target);
                        } catch (IOException e) {
                            transportErrors++;
                            pause(100_000_000L);
                            continue;
                        }
                    }
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = conn.post(bodies[next]);
                    } catch (IOException | RuntimeException e) {
                        transportErrors++;
                        skipped++;
                        next++;
                        conn.close();
                        conn = null;
                        continue;
                    }
                    long t1 = System.nanoTime();
                    if (status / 100 == 2) {
                        int samples = payloads.samplesIn(id, next);
                        ackedSamples += samples;
                        ackedRequests++;
                        ackedProgress = ackedSamples;
                        if (t1 >= measureStart && t1 <= end) {
                            measuredSamples += samples;
                            measuredRequests++;
                            lastMeasuredNanos = t1;
                            latency.record((t1 - t0) / 1000);
                        }
                        next++;
                    } else if (status == 429 || status == 503) {
                        throttled++;
                        if (t1 >= measureStart) {
                            measuredThrottled++;
                        }
                        pause(Math.min(MAX_RETRY_WAIT_NANOS, Math.max(1, conn.retryAfterSeconds()) * 1_000_000_000L));
                    } else {
                        if (status / 100 == 5) {
                            serverErrors++;
                        } else {
                            clientErrors++;
                        }
                        skipped++;
                        next++;
                    }
                    if (conn.mustClose()) {
                        conn.close();
                        conn = null;
                    }
                }
                exhausted = next == bodies.length;
            } finally {
                if (conn != null) {
                    conn.close();
                }
            }
        }

        /** Sleeps, but never past the end of the run. */
        private void pause(long nanos) {
            long left = Math.min(nanos, end - System.nanoTime());
            if (left > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                }
            }
        }
    }
}
