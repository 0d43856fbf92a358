package io.weir.net.scrape;

import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import io.weir.net.remotewrite.DecodedWriteRequest;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one scrape publishes: target labels, honor_labels, relabeling, limits, stale markers, report series. */
class ScrapeBatchTest {
    private static final ScrapeTarget TARGET = new ScrapeTarget("node", URI.create("http://h:9100/metrics"),
            new TreeMap<>(Map.of("job", "node", "instance", "h:9100", "env", "prod")), "k");

    static List<String> render(DecodedWriteRequest d) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < d.seriesCount(); s++) {
            StringBuilder sb = new StringBuilder("{");
            for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
                sb.append(l > d.seriesFirstLabel(s) ? "," : "").append(d.labelName(l)).append("=\"").append(d.labelValue(l)).append('"');
            }
            sb.append('}');
            for (int i = d.seriesFirstSample(s), end = i + d.seriesSampleCount(s); i < end; i++) {
                double v = d.value(i);
                sb.append(' ').append(Double.doubleToRawLongBits(v) == Double.doubleToRawLongBits(ScrapeBatch.STALE_NAN) ? "STALE" : Double.toString(v))
                        .append(" @").append(d.timestamp(i));
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** Runs one scrape of {@code body} through parser and batch; @return the request's series, rendered */
    static List<String> scrape(ScrapeBatch b, ExpositionParser p, String body, long t) {
        b.begin(t);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (p.parse(bytes, bytes.length, false, b)) {
            b.addStaleMarkers();
            b.addReport(true, 0.5);
        } else {
            b.failed();
            b.addReport(false, 0.5);
        }
        List<String> r = render(b.request());
        b.committed();
        return r;
    }

    private static String report(long t, int up, int scraped, int post, int added) {
        String l = "env=\"prod\",instance=\"h:9100\",job=\"node\"";
        return "{__name__=\"up\"," + l + "} " + (double) up + " @" + t + "\n"
                + "{__name__=\"scrape_duration_seconds\"," + l + "} 0.5 @" + t + "\n"
                + "{__name__=\"scrape_samples_scraped\"," + l + "} " + (double) scraped + " @" + t + "\n"
                + "{__name__=\"scrape_samples_post_metric_relabeling\"," + l + "} " + (double) post + " @" + t + "\n"
                + "{__name__=\"scrape_series_added\"," + l + "} " + (double) added + " @" + t;
    }

    private static List<String> lines(String... parts) {
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            out.addAll(List.of(p.split("\n")));
        }
        return out;
    }

    @Test
    void targetLabelsConflictsAndStaleness() {
        ScrapeBatch b = new ScrapeBatch(TARGET, false, true, 0, List.of());
        ExpositionParser p = new ExpositionParser();
        assertEquals(lines(
                "{__name__=\"a\",env=\"prod\",exported_job=\"x\",instance=\"h:9100\",job=\"node\"} 1.0 @1000",
                "{__name__=\"b\",env=\"prod\",instance=\"h:9100\",job=\"node\"} 2.0 @1000",
                "{__name__=\"c\",env=\"prod\",instance=\"h:9100\",job=\"node\"} 3.0 @77",
                report(1000, 1, 4, 4, 3)),
                scrape(b, p, "a{job=\"x\"} 1\nb 2\nc 3 77\nb 5\n", 1000));
        // b gone -> stale; c had its own timestamp -> not tracked, no marker; a stays
        assertEquals(lines(
                "{__name__=\"a\",env=\"prod\",exported_job=\"x\",instance=\"h:9100\",job=\"node\"} 1.0 @2000",
                "{__name__=\"b\",env=\"prod\",instance=\"h:9100\",job=\"node\"} STALE @2000",
                report(2000, 1, 1, 1, 0)),
                scrape(b, p, "a{job=\"x\"} 1\n", 2000));
        // a failed scrape marks everything stale, nothing scraped is kept
        assertEquals(lines(
                "{__name__=\"a\",env=\"prod\",exported_job=\"x\",instance=\"h:9100\",job=\"node\"} STALE @3000",
                report(3000, 0, 1, 0, 0)),
                scrape(b, p, "a{job=\"x\"} 1\nbad line\n", 3000));
        // after a failure nothing is left to mark stale; everything counts as added again
        assertEquals(lines(
                "{__name__=\"a\",env=\"prod\",exported_job=\"x\",instance=\"h:9100\",job=\"node\"} 1.0 @4000",
                report(4000, 1, 1, 1, 1)),
                scrape(b, p, "a{job=\"x\"} 1\n", 4000));
        b.targetGone(5000);
        String l = "env=\"prod\",instance=\"h:9100\",job=\"node\"";
        assertEquals(List.of(
                "{__name__=\"a\",env=\"prod\",exported_job=\"x\",instance=\"h:9100\",job=\"node\"} STALE @5000",
                "{__name__=\"up\"," + l + "} STALE @5000",
                "{__name__=\"scrape_duration_seconds\"," + l + "} STALE @5000",
                "{__name__=\"scrape_samples_scraped\"," + l + "} STALE @5000",
                "{__name__=\"scrape_samples_post_metric_relabeling\"," + l + "} STALE @5000",
                "{__name__=\"scrape_series_added\"," + l + "} STALE @5000"), render(b.request()));
    }

    @Test
    void honorLabelsAndTimestamps() {
        ScrapeBatch b = new ScrapeBatch(TARGET, true, false, 0, List.of());
        ExpositionParser p = new ExpositionParser();
        List<String> got = scrape(b, p, "a{job=\"x\",exported_env=\"y\"} 1 77\n", 1000);
        assertEquals("{__name__=\"a\",env=\"prod\",exported_env=\"y\",instance=\"h:9100\",job=\"x\"} 1.0 @1000", got.get(0));
        // exported_ is prefixed again while taken
        ScrapeBatch c = new ScrapeBatch(TARGET, false, true, 0, List.of());
        got = scrape(c, p, "a{env=\"x\",exported_env=\"y\"} 1\n", 1000);
        assertEquals("{__name__=\"a\",env=\"prod\",exported_env=\"y\",exported_exported_env=\"x\",instance=\"h:9100\",job=\"node\"} 1.0 @1000", got.get(0));
    }

    @Test
    void sampleLimitFailsTheScrapeWhole() {
        ScrapeBatch b = new ScrapeBatch(TARGET, false, true, 2, List.of());
        ExpositionParser p = new ExpositionParser();
        assertEquals(lines(report(1000, 0, 3, 0, 0)), scrape(b, p, "a 1\nb 2\nc 3\n", 1000));
        assertEquals(2 + 5, scrape(b, p, "a 1\nb 2\n", 2000).size());
    }

    @Test
    void metricRelabelingDropsAndRewrites() {
        List<RelabelRule> rules = List.of(
                RelabelRule.of(RelabelAction.DROP, List.of("__name__"), ";", "go_.*", 0, null, "$1"),
                RelabelRule.of(RelabelAction.REPLACE, List.of("__name__", "mode"), "_", "(.+)_(idle)", 0, "__name__", "${1}_${2}_x"));
        ScrapeBatch b = new ScrapeBatch(TARGET, false, true, 0, rules);
        ExpositionParser p = new ExpositionParser();
        List<String> got = scrape(b, p, "go_x 1\ncpu{mode=\"idle\"} 2\ncpu{mode=\"user\"} 3\n", 1000);
        assertEquals(lines(
                "{__name__=\"cpu_idle_x\",env=\"prod\",instance=\"h:9100\",job=\"node\",mode=\"idle\"} 2.0 @1000",
                "{__name__=\"cpu\",env=\"prod\",instance=\"h:9100\",job=\"node\",mode=\"user\"} 3.0 @1000",
                report(1000, 1, 3, 2, 2)), got);
    }

    @Test
    void aWarmScrapeAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        StringBuilder sb = new StringBuilder("# HELP node_cpu_seconds_total Seconds.\n# TYPE node_cpu_seconds_total counter\n");
        for (int i = 0; i < 500; i++) {
            sb.append("node_cpu_seconds_total{cpu=\"").append(i % 16).append("\",mode=\"m").append(i)
                    .append("\"} ").append(12345.67 + i).append('\n');
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        ScrapeBatch b = new ScrapeBatch(TARGET, false, true, 0, List.of());
        ExpositionParser p = new ExpositionParser();
        for (int i = 0; i < 2_000; i++) {
            run(b, p, body, i);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int rounds = 1_000;
        for (int i = 0; i < rounds; i++) {
            run(b, p, body, i);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        double perSample = (double) allocated / (rounds * 500L);
        System.out.printf("scrape parse+batch: %d bytes over %d scrapes of 500 samples (%.4f bytes/sample)%n", allocated, rounds, perSample);
        assertTrue(perSample < 0.1, perSample + " bytes/sample");
    }

    private static void run(ScrapeBatch b, ExpositionParser p, byte[] body, long t) {
        b.begin(t);
        assertTrue(p.parse(body, body.length, false, b));
        b.addStaleMarkers();
        b.addReport(true, 0.1);
        b.committed();
    }

    @Test
    void duplicateLabelNamesFailTheScrape() {
        ScrapeBatch b = new ScrapeBatch(TARGET, false, true, 0, List.of());
        ExpositionParser p = new ExpositionParser();
        byte[] body = "a{x=\"1\",x=\"2\"} 1\n".getBytes(StandardCharsets.UTF_8);
        b.begin(1);
        assertFalse(p.parse(body, body.length, false, b));
        assertTrue(p.error().contains("duplicate label names"), p.error());
    }
}
