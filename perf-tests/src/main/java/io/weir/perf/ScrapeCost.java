package io.weir.perf;

import com.sun.net.httpserver.HttpServer;
import io.weir.server.BuildInfo;
import io.weir.server.Main;
import io.weir.server.WeirNode;
import io.weir.server.config.ConfigResult;
import io.weir.server.config.WeirConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scrape cost per 1,000 targets: one node scrapes N tiny in-process targets on loopback (one JDK HTTP server, N
 * target groups with the same address and a distinct label, so N targets) every interval; reports the process CPU
 * seconds per scrape round, and that figure without the CPU of the target server's own threads.
 *
 * <pre>java -cp ... io.weir.perf.ScrapeCost [targets=1000] [samplesPerTarget=50] [intervalSeconds=10] [rounds=6]</pre>
 */
public final class ScrapeCost {
    public static void main(String[] args) throws Exception {
        int targets = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int interval = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 6;

        StringBuilder body = new StringBuilder("# TYPE tiny_requests_total counter\n");
        for (int i = 0; i < samples; i++) {
            body.append("tiny_requests_total{code=\"").append(200 + i % 5).append("\",path=\"/p").append(i).append("\"} ")
                    .append(1000 + i).append('\n');
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        AtomicInteger served = new AtomicInteger();
        ThreadFactory serverThreads = Thread.ofPlatform().name("target-", 0).daemon(true).factory();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.setExecutor(Executors.newFixedThreadPool(2, serverThreads));
        server.createContext("/metrics", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
            served.incrementAndGet();
        });
        server.start();
        String address = "127.0.0.1:" + server.getAddress().getPort();

        StringBuilder yaml = new StringBuilder("sketch:\n  targets: []\nscrape_configs:\n  - job_name: tiny\n    scrape_interval: ")
                .append(interval).append("s\n    static_configs:\n");
        for (int i = 0; i < targets; i++) {
            yaml.append("      - targets: [\"").append(address).append("\"]\n        labels: {n: \"").append(i).append("\"}\n");
        }
        Path dir = Files.createTempDirectory("weir-scrape-cost");
        ConfigResult r = Main.configLoader().parse(yaml.toString(), "scrape-cost");
        if (!r.isValid()) {
            throw new IllegalStateException(r.problems().toString());
        }
        WeirConfig cfg = Main.configLoader().withOverrides(r.config(), "127.0.0.1:0", dir, null);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (WeirNode node = WeirNode.start(cfg, BuildInfo.load())) {
            // two rounds of warm-up (series creation, JIT)
            awaitServed(served, 2L * targets, interval);
            long cpu0 = os.getProcessCpuTime();
            long srv0 = serverCpu(threads);
            long t0 = System.nanoTime();
            int s0 = served.get();
            awaitServed(served, s0 + (long) rounds * targets, interval * (rounds + 2));
            long cpu = os.getProcessCpuTime() - cpu0;
            long srv = serverCpu(threads) - srv0;
            double wall = (System.nanoTime() - t0) / 1e9;
            int scrapes = served.get() - s0;
            double perRound = cpu / 1e9 / scrapes * targets;
            double perRoundNoServer = (cpu - srv) / 1e9 / scrapes * targets;
            System.out.printf("targets %d, %d samples each, interval %ds: %d scrapes in %.1f s; process CPU %.2f s"
                    + " (target server threads %.2f s)%n", targets, samples, interval, scrapes, wall, cpu / 1e9, srv / 1e9);
            System.gc();
            Thread.sleep(500);
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.printf("heap in use after GC: %.1f MiB%n", (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
            System.out.printf("CPU-seconds per round of %d scrapes: %.3f with the targets' server, %.3f without"
                    + " (%.0f us per scrape; %.2f us per sample)%n", targets, perRound, perRoundNoServer,
                    perRoundNoServer / targets * 1e6, perRoundNoServer / targets / samples * 1e6);
        } finally {
            server.stop(0);
        }
    }

    private static long serverCpu(ThreadMXBean threads) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("target-") || n.startsWith("HTTP-Dispatcher") || n.startsWith("server-timer")) {
                long c = threads.getThreadCpuTime(t.threadId());
                if (c > 0) {
                    sum += c;
                }
            }
        }
        return sum;
    }

    private static void awaitServed(AtomicInteger served, long count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 3_000_000_000L + 30_000_000_000L;
        while (served.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + served.get() + " of " + count + " scrapes served");
            }
            Thread.sleep(50);
        }
    }
}
