package io.weir.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code storage} section.
 *
 * @param dataDir          as written (a relative path is relative to the working directory); need not exist yet
 * @param memoryLimitBytes off-heap sketch memory; past it new series are refused (and counted); &gt; 0
 */
public record StorageConfig(Path dataDir, long memoryLimitBytes) {
    public static final Path DEFAULT_DATA_DIR = Path.of("./data");
    public static final long DEFAULT_MEMORY_LIMIT_BYTES = 4L << 30;

    public StorageConfig {
        Objects.requireNonNull(dataDir, "dataDir");
    }

    public static StorageConfig defaults() {
        return new StorageConfig(DEFAULT_DATA_DIR, DEFAULT_MEMORY_LIMIT_BYTES);
    }
}
