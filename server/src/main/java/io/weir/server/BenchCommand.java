package io.weir.server;

import io.weir.engine.query.Durations;
import io.weir.net.load.InsertLoad;
import io.weir.net.load.LoadResult;
import io.weir.net.load.RemoteWritePayloads;
import io.weir.net.load.SeriesCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code weir bench}: load tools to point at any node (or any remote write receiver). */
@Command(name = "bench", description = "Load tools to run against a node.", subcommands = {BenchCommand.Insert.class})
public final class BenchCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** Pre-encoded remote write load; prints acknowledged samples/s and latency. */
    @Command(name = "insert", description = "Send remote write load (pre-encoded bodies, keep-alive connections) and report "
            + "acknowledged samples/s and latency. The payload pool lives in the heap: give it room with WEIR_JAVA_OPTS=-Xmx8g.")
    static final class Insert implements Callable<Integer> {
        @Option(names = "--url", required = true, description = "node base URL or full write URL, e.g. http://127.0.0.1:9201")
        String url;
        @Option(names = "--series", defaultValue = "10000", description = "distinct series (default ${DEFAULT-VALUE})")
        int series;
        @Option(names = "--samples-per-request", defaultValue = "2000", description = "samples per request, one per series entry (default ${DEFAULT-VALUE})")
        int samplesPerRequest;
        @Option(names = "--concurrency", defaultValue = "4", description = "senders, one connection each (default ${DEFAULT-VALUE})")
        int concurrency;
        @Option(names = "--duration", defaultValue = "30s", description = "measured time (default ${DEFAULT-VALUE})")
        String duration;
        @Option(names = "--warmup", defaultValue = "10s", description = "load before measuring (default ${DEFAULT-VALUE})")
        String warmup;
        @Option(names = "--max-rate", defaultValue = "1500000", description = "samples/s the pre-encoded pool must last for "
                + "(default ${DEFAULT-VALUE}); capped by heap")
        long maxRate;
        @Option(names = "--scrape-interval", defaultValue = "15s", description = "timestamp step per series (default ${DEFAULT-VALUE})")
        String scrapeInterval;
        @Option(names = "--ca-file", description = "PEM CA certificate that signed the node's certificate (for an https:// --url)")
        java.nio.file.Path caFile;
        @Option(names = "--basic-auth", description = "USER:PASSWORD sent as basic auth (a node with a web config)")
        String basicAuth;
        @Option(names = "--bearer-token-file", description = "file holding a bearer token with the write role")
        java.nio.file.Path bearerTokenFile;

        @Override
        public Integer call() throws Exception {
            InsertLoad.Target target;
            Duration measure, warm;
            long interval;
            try {
                String authorization = new HttpCredentials(basicAuth, bearerTokenFile, caFile).authorization();
                target = InsertLoad.Target.of(url, caFile == null ? null : io.weir.net.security.ClientTls.context(caFile, null, null),
                        authorization);
                measure = Duration.ofMillis(Durations.parseMillis(duration));
                warm = Duration.ofMillis(Durations.parseMillis(warmup));
                interval = Durations.parseMillis(scrapeInterval);
            } catch (IllegalArgumentException | java.io.IOException e) {
                System.err.println("weir bench insert: " + e.getMessage());
                return 2;
            }
            if (series < 1 || samplesPerRequest < 1 || concurrency < 1 || concurrency > series || measure.isZero()) {
                System.err.println("weir bench insert: --series, --samples-per-request, --duration must be > 0 and "
                        + "--concurrency in [1, series]");
                return 2;
            }
            long wanted = (long) (maxRate * (warm.toMillis() + measure.toMillis()) / 1000.0);
            long heapCap = Runtime.getRuntime().maxMemory() / 2 / 40; // about 25 bytes a sample, compressed, plus slack
            long samples = Math.min(wanted, heapCap);
            System.out.printf(Locale.ROOT, "encoding %,d samples (%,d series, %,d per request, %d senders)%s...%n", samples,
                    series, samplesPerRequest, concurrency, samples < wanted ? " (capped by heap; raise -Xmx for more)" : "");
            RemoteWritePayloads payloads = RemoteWritePayloads.build(SeriesCatalog.of(series), concurrency,
                    samplesPerRequest, samples, interval, System.currentTimeMillis());
            System.out.printf(Locale.ROOT, "sending to %s://%s:%d%s: %s warm-up, %s measured%n", target.tls() == null ? "http" : "https", target.host(),
                    target.port(), target.path(), warm, measure);
            LoadResult r = InsertLoad.run(target, payloads, warm, measure, System.out);
            System.out.println(r.summary());
            return r.totalAckedSamples() > 0 && r.serverErrors() == 0 && r.transportErrors() == 0 ? 0 : 1;
        }
    }
}
