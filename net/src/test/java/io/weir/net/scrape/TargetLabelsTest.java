package io.weir.net.scrape;

import io.weir.net.relabel.RelabelAction;
import io.weir.net.relabel.RelabelRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Target labels and URLs after relabel_configs, as Prometheus derives them. */
class TargetLabelsTest {
    @Test
    void targetLabelsFollowPrometheus() {
        ScrapeJob job = new ScrapeJob("j", 15_000, 10_000, "/metrics", "http", Map.of("module", List.of("m1")),
                List.of(), List.of(), List.of(
                        RelabelRule.of(RelabelAction.REPLACE, List.of("__address__"), ";", "(.*):9100", 0, "__param_target", "$1"),
                        RelabelRule.of(RelabelAction.DROP, List.of("drop"), ";", "yes", 0, null, "$1")),
                List.of(), false, true, 0, null, null, ScrapeJob.TlsConfig.DEFAULT);
        ScrapeTarget t = TargetLabels.resolve(job, "host:9100", Map.of("env", "x", "__meta_filepath", "/f"));
        assertEquals("http://host:9100/metrics?module=m1&target=host", t.url().toString());
        assertEquals(Map.of("env", "x", "instance", "host:9100", "job", "j"), t.labels());
        assertEquals(null, TargetLabels.resolve(job, "h:9100", Map.of("drop", "yes")));
        assertEquals("http://plain:80/metrics?module=m1", TargetLabels.resolve(job, "plain", Map.of()).url().toString());
    }
}
