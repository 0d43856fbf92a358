package io.weir.net.scrape;

import java.util.List;
import java.util.Map;

/** A {@code static_configs} entry or one group of a file_sd file: addresses and the labels they share. Immutable. */
public record TargetGroup(List<String> targets, Map<String, String> labels, String source) {
    public TargetGroup {
        targets = List.copyOf(targets);
        labels = Map.copyOf(labels);
    }
}
