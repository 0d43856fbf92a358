package io.weir.persistence.wal;

/** When {@link WalWriter#commit()} forces committed bytes to stable storage. */
public enum FsyncPolicy {
    /** Every commit that wrote bytes is fsynced before it returns: an acknowledged batch survives power loss. */
    ALWAYS,
    /** A commit fsyncs only when the last fsync is older than {@link WalOptions#fsyncIntervalNanos()}; idle writers call {@link WalWriter#syncIfDue(long)}. */
    INTERVAL,
    /** Never fsyncs while running (only on close): survives a process crash, not a machine crash. */
    NEVER
}
