package io.weir.net.scrape;

import java.util.List;

/**
 * A {@code file_sd_configs} entry: files (the last path element may be a glob such as {@code *.json}) holding JSON or
 * YAML lists of target groups, re-read every {@code refresh_interval} and as soon as one of them changes. Immutable.
 */
public record FileSdConfig(List<String> files, long refreshIntervalMillis) {
    public static final long DEFAULT_REFRESH_MILLIS = 5 * 60_000;

    public FileSdConfig {
        files = List.copyOf(files);
    }
}
