package io.weir.net.scrape;

import io.weir.net.ingest.IngestPath;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The targets of one {@code scrape_configs} job: its HTTP client (TLS settings), its target groups (static and from
 * file_sd) and one {@link ScrapeLoop} per target. {@link #sync} is called by the discovery thread only.
 */
final class ScrapePool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ScrapePool.class.getName());

    private final ScrapeJob job;
    private final HttpClient client;
    private final IngestPath ingest;
    private final ScrapeStats stats;
    private final String userAgent;
    private final List<FileSdReader> fileSd = new ArrayList<>();
    private final List<List<TargetGroup>> fileGroups = new ArrayList<>();
    private final Map<String, ScrapeLoop> loops = new LinkedHashMap<>();

    ScrapePool(ScrapeJob job, IngestPath ingest, ScrapeStats stats, String userAgent) {
        this.job = job;
        this.ingest = ingest;
        this.stats = stats;
        this.userAgent = userAgent;
        this.client = client(job);
        for (FileSdConfig f : job.fileSdConfigs()) {
            fileSd.add(new FileSdReader(f));
            fileGroups.add(List.of());
        }
    }

    ScrapeJob job() { return job; }

    /** Re-reads file_sd files that changed (or are due) and brings the loops in line. */
    synchronized void refresh(long nowMillis, boolean force) {
        boolean changed = force;
        for (int i = 0; i < fileSd.size(); i++) {
            FileSdReader r = fileSd.get(i);
            if (force || r.changed(nowMillis)) {
                List<TargetGroup> g = r.read(nowMillis);
                if (!g.equals(fileGroups.get(i))) {
                    fileGroups.set(i, g);
                    changed = true;
                }
            }
        }
        if (changed) {
            sync();
        }
    }

    private void sync() {
        Map<String, ScrapeTarget> wanted = new LinkedHashMap<>();
        List<TargetGroup> groups = new ArrayList<>(job.staticConfigs());
        fileGroups.forEach(groups::addAll);
        for (TargetGroup g : groups) {
            for (String address : g.targets()) {
                try {
                    ScrapeTarget t = TargetLabels.resolve(job, address, g.labels());
                    if (t != null) {
                        wanted.putIfAbsent(t.key(), t); // Prometheus drops duplicate targets too
                    }
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "scrape job " + job.jobName() + ": target " + address
                            + " skipped: " + e.getMessage());
                }
            }
        }
        for (var it = loops.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stop(true);
                it.remove();
            }
        }
        for (ScrapeTarget t : wanted.values()) {
            if (!loops.containsKey(t.key())) {
                ScrapeLoop loop = new ScrapeLoop(job, t, client, ingest, stats, userAgent);
                loops.put(t.key(), loop);
                loop.start();
            }
        }
    }

    synchronized List<ScrapeLoop> loops() { return new ArrayList<>(loops.values()); }

    /** Node shutdown: the loops stop without stale markers (the targets did not go away). */
    @Override
    public synchronized void close() {
        for (ScrapeLoop l : loops.values()) {
            l.stop(false);
        }
        for (ScrapeLoop l : loops.values()) {
            try {
                l.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        loops.clear();
        client.shutdownNow();
    }

    private static HttpClient client(ScrapeJob job) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofMillis(job.timeoutMillis()))
                .executor(Executors.newVirtualThreadPerTaskExecutor());
        if (job.tls().caFile() != null || job.tls().insecureSkipVerify()) {
            b.sslContext(sslContext(job.tls()));
        }
        return b.build();
    }

    static SSLContext sslContext(ScrapeJob.TlsConfig tls) {
        try {
            TrustManager[] trust;
            if (tls.insecureSkipVerify()) {
                trust = new TrustManager[] {new TrustAll()};
            } else {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                int i = 0;
                try (InputStream in = Files.newInputStream(tls.caFile())) {
                    for (Certificate c : cf.generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + i++, c);
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("tls_config: " + e.getMessage(), e);
        }
    }

    /** insecure_skip_verify: accepts any certificate and any host name (an extended manager skips the name check). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
