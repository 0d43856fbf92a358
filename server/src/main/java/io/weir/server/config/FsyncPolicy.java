package io.weir.server.config;

import java.util.Locale;

/** When the WAL forces appended batches to disk before a write is acknowledged ({@code wal.fsync}). */
public enum FsyncPolicy {
    /** fsync before every acknowledgement: nothing acknowledged is lost on power failure. */
    ALWAYS,
    /** fsync every {@code wal.fsync_interval}; a crash may lose at most that much acknowledged data. */
    INTERVAL,
    /** leave flushing to the OS page cache. */
    NEVER;

    /** The spelling used in the config file, e.g. {@code interval}. */
    public String configName() { return name().toLowerCase(Locale.ROOT); }

    /** @return the policy with this config spelling (exact, lower case), or null */
    public static FsyncPolicy byConfigName(String name) {
        for (FsyncPolicy p : values()) {
            if (p.configName().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
