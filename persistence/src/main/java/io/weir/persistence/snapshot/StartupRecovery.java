package io.weir.persistence.snapshot;

import com.github.luben.zstd.ZstdInputStream;
import io.weir.engine.series.SeriesTable;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.snapshot.BlockCopyShardSnapshot;
import io.weir.engine.snapshot.ShardReplay;
import io.weir.engine.snapshot.ShardStateSnapshot;
import io.weir.persistence.wal.WalDirectory;
import io.weir.persistence.wal.WalPosition;
import io.weir.persistence.wal.WalReader;
import io.weir.persistence.wal.WalVisitor;
import io.weir.persistence.wal.WalWriter;
import org.agrona.collections.IntArrayList;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Start-up: the newest usable snapshot, then the WAL after its position. A snapshot that cannot be used (bad
 * checksum, truncated, a file missing, or its WAL segment gone) is skipped for the one before it, and with none
 * left the whole WAL is replayed; each skip is logged and counted. The series table is checked against the
 * snapshot's series list and the WAL's SERIES records and any series it lacks is put back under its id, which
 * rebuilds a lost table; {@link #openSeriesTable} moves a table that cannot be opened aside first.
 * Runs on the start-up thread before the ring starts: it is then the writer of every shard.
 */
public final class StartupRecovery {
    private static final System.Logger LOG = System.getLogger(StartupRecovery.class.getName());

    /**
     * @param snapshot         the snapshot loaded, or null (full replay)
     * @param loadFailures     snapshots skipped as unusable
     * @param replayFrom       WAL position replay started at ({@link WalReader#OLDEST} for a full replay)
     * @param seriesAdopted    series the table lacked and got back from the snapshot or the WAL
     * @param seriesConflicts  series whose id or labels the table holds differently (kept as the table has them)
     * @param restoredStates   series-family sketch states restored from the snapshot
     */
    public record Result(SnapshotManifest snapshot, Path snapshotDir, int loadFailures, long replayFrom,
                         long replayedSamples, long replayedRecords, int seriesAdopted, int seriesConflicts,
                         long restoredStates, long snapshotLoadNanos, long replayNanos) {}

    private StartupRecovery() {}

    /**
     * Opens the series table in {@code dir}; one that cannot be opened (damaged file) is moved aside to
     * {@code <dir>.damaged-<ms>} and an empty one is created, to be rebuilt by {@link #recover}.
     */
    public static SeriesTable openSeriesTable(Path dir, long expectedSeries) throws IOException {
        String damage = headerDamage(dir.resolve(SERIES_FILE));
        if (damage == null) {
            try {
                return SeriesTable.open(dir, expectedSeries);
            } catch (RuntimeException e) {
                damage = e.toString();
            }
        }
        Path aside = dir.resolveSibling(dir.getFileName() + ".damaged-" + System.currentTimeMillis());
        LOG.log(System.Logger.Level.ERROR, "series table " + dir + " cannot be opened (" + damage
                + "); moved to " + aside + ", rebuilding it from the snapshot and the WAL");
        Files.move(dir, aside);
        return SeriesTable.open(dir, expectedSeries);
    }

    private static final String SERIES_FILE = "series.dat";
    /** Chronicle Map files start with a small header and then the map's type name in its self-describing form. */
    private static final byte[] CHRONICLE_MAP_TYPE = "net.openhft.chronicle.map".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Why the table file is unusable, or null when it is absent or starts like a Chronicle Map file. Checked before
     * Chronicle Map sees it: on a file whose header is overwritten (zeros) it waits for the header to be written
     * by another process rather than failing.
     */
    static String headerDamage(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] head = new byte[64];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        for (int i = 0; i + CHRONICLE_MAP_TYPE.length <= n; i++) {
            if (Arrays.equals(head, i, i + CHRONICLE_MAP_TYPE.length, CHRONICLE_MAP_TYPE, 0, CHRONICLE_MAP_TYPE.length)) {
                return null;
            }
        }
        return "its header is not a Chronicle Map header";
    }

    public static Result recover(SnapshotStore store, SeriesTable series, SketchShard[] shards, ShardStateSnapshot format,
                                 WalWriter wal, Path walDir) throws IOException {
        return recover(store, () -> series, shards, format, wal, walDir);
    }

    /**
     * Like {@link #recover(SnapshotStore, SeriesTable, SketchShard[], ShardStateSnapshot, WalWriter, Path)} while the
     * series table may still be opening: {@code table} gives it (waiting for it; a failure to open it is thrown as a
     * {@link TableUnavailable}), and is asked only once the snapshot's sketch states that need no table are restored.
     * Opening a large table after a crash (Chronicle Map's recovery, loading the labels and the index, matching the
     * targets) and restoring the snapshot each take seconds at a million series; they overlap on two cores.
     */
    public static Result recover(SnapshotStore store, Supplier<SeriesTable> table, SketchShard[] shards,
                                 ShardStateSnapshot format, WalWriter wal, Path walDir) throws IOException {
        store.removeTemporaries();
        List<Path> candidates = store.newestFirst();
        int failures = 0;
        SnapshotManifest loaded = null;
        Path loadedDir = null;
        long restored = 0;
        int[] adoption = new int[2];
        long t0 = System.nanoTime();
        for (Path dir : candidates) {
            try {
                SnapshotManifest m = SnapshotStore.verify(dir);
                long committed = wal.committedPosition();
                if (committed >= m.walPosition() && !Files.exists(WalDirectory.segmentPath(walDir, WalPosition.segment(m.walPosition())))) {
                    throw new SnapshotCorruptException(dir, "the WAL no longer holds segment " + WalPosition.segment(m.walPosition())
                            + ", where replay after it would start");
                }
                restored = load(dir, m, table, shards, format, adoption);
                loaded = m;
                loadedDir = dir;
                break;
            } catch (TableUnavailable e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                failures++;
                LOG.log(System.Logger.Level.ERROR, "snapshot " + dir.getFileName() + " unusable, trying the one before it: " + e.getMessage());
                for (SketchShard s : shards) {
                    BlockCopyShardSnapshot.clear(s);
                }
            }
        }
        long loadNanos = System.nanoTime() - t0;
        long from = WalReader.OLDEST;
        if (loaded != null) {
            from = loaded.walPosition();
            if (wal.skipPast(from)) {
                LOG.log(System.Logger.Level.WARNING, "the WAL ended before snapshot " + loadedDir.getFileName()
                        + " (restored from another node, or an unsynced WAL tail was lost); new records continue after it in segment "
                        + wal.activeSegment());
            }
            LOG.log(System.Logger.Level.INFO, String.format("loaded %s (%s) in %d ms (the series table opening beside it): %d sketch states; replaying the WAL after %s",
                    loadedDir.getFileName(), loaded, loadNanos / 1_000_000, restored, WalPosition.toString(from)));
        } else if (!candidates.isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "no usable snapshot among " + candidates.size() + ": replaying the whole WAL");
        }
        SeriesTable series = table.get();
        long t1 = System.nanoTime();
        long records = 0;
        long samples = 0;
        long end = wal.committedPosition();
        if (from < end) {
            try (WalReader reader = WalReader.open(walDir, from);
                 ShardReplay replay = new ShardReplay(shards, ShardReplay.bufferSamples(bytesBetween(walDir, from, end), shards.length))) {
                WalVisitor visitor = new WalVisitor() {
                    @Override
                    public void onSeries(int seriesId, byte[] labels, int off, int len) {
                        // adopted before any sample of the series is applied: appliers only see samples handed over later
                        adopt(series, seriesId, Arrays.copyOfRange(labels, off, off + len), adoption);
                    }

                    @Override
                    public void onSamples(int count, int[] ids, long[] ts, double[] values) {
                        replay.apply(count, ids, ts, values);
                    }

                    @Override
                    public void onBackfillSamples(int count, int[] ids, long[] ts, double[] values) {
                        // history read from the backend: summarised like any other sample (only forwarding skips it)
                        replay.apply(count, ids, ts, values);
                    }

                    @Override
                    public void onExtras(byte[] fields, int off, int len) {
                        // histograms, exemplars and metadata: forwarded from the WAL, never summarised by sketches
                    }
                };
                for (int n; (n = reader.read(visitor, end, 1024)) > 0; ) {
                    records += n;
                }
                replay.finish();
                samples = replay.samples();
            }
        }
        long replayNanos = System.nanoTime() - t1;
        LOG.log(System.Logger.Level.INFO, String.format("replayed %d samples (%d records) from the WAL after %s in %d ms (%.0f samples/s)",
                samples, records, from == WalReader.OLDEST ? "its start" : WalPosition.toString(from), replayNanos / 1_000_000,
                samples / Math.max(1e-9, replayNanos / 1e9)));
        if (adoption[0] > 0) {
            LOG.log(System.Logger.Level.WARNING, adoption[0] + " series were missing from the series table and were put back from "
                    + (loaded != null ? "the snapshot and " : "") + "the WAL");
        }
        if (adoption[1] > 0) {
            LOG.log(System.Logger.Level.ERROR, adoption[1] + " series in the snapshot or the WAL conflict with the series table (kept as the table has them)");
        }
        return new Result(loaded, loadedDir, failures, from, samples, records, adoption[0], adoption[1], restored,
                loadNanos, replayNanos);
    }

    /** WAL bytes from {@code from} (or the oldest segment) to {@code end}: what replay will read. */
    private static long bytesBetween(Path walDir, long from, long end) throws IOException {
        long bytes = 0;
        for (long segment : WalDirectory.listSegments(walDir)) {
            if (segment >= WalPosition.segment(from) && segment <= WalPosition.segment(end)) {
                bytes += segment == WalPosition.segment(end) ? WalPosition.offset(end)
                    : Files.size(WalDirectory.segmentPath(walDir, segment));
                if (segment == WalPosition.segment(from)) {
                    bytes -= WalPosition.offset(from);
                }
            }
        }
        return Math.max(0, bytes);
    }

    private static long load(Path dir, SnapshotManifest m, Supplier<SeriesTable> table, SketchShard[] shards,
                             ShardStateSnapshot format, int[] adoption) throws IOException {
        // read now, adopted once the table is open: the list is checked as part of the snapshot, and adoption must
        // precede the restore of any state that asks the targets about its series
        IntArrayList ids = new IntArrayList();
        List<byte[]> labelSets = new ArrayList<>();
        try (InputStream in = open(dir, m, SnapshotWriter.SERIES_FILE)) {
            SeriesListCodec.read(in, (id, labels) -> {
                ids.addInt(id);
                labelSets.add(labels);
            });
        }
        boolean[] adopted = {false};
        Runnable adoptSeries = () -> {
            if (!adopted[0]) {
                adopted[0] = true;
                SeriesTable series = table.get();
                for (int i = 0; i < labelSets.size(); i++) {
                    adopt(series, ids.getInt(i), labelSets.get(i), adoption);
                }
            }
        };
        long restored = 0;
        for (int s = 0; s < m.shardCount(); s++) {
            try (InputStream in = open(dir, m, SnapshotWriter.shardFile(s))) {
                restored += format.restore(shards, in, adoptSeries);
            }
        }
        adoptSeries.run();
        return restored;
    }

    /** The series table could not be opened while a start-up was restoring: no snapshot is to blame. */
    public static final class TableUnavailable extends RuntimeException {
        public TableUnavailable(Throwable cause) {
            super("the series table could not be opened: " + cause.getMessage(), cause);
        }
    }

    private static InputStream open(Path dir, SnapshotManifest m, String name) throws IOException {
        if (m.file(name) == null) {
            throw new SnapshotCorruptException(dir, "manifest does not list " + name);
        }
        return new BufferedInputStream(new ZstdInputStream(Files.newInputStream(dir.resolve(name))), 1 << 16);
    }

    private static void adopt(SeriesTable series, int id, byte[] labels, int[] adoption) {
        try {
            switch (series.adopt(id, labels)) {
                case SeriesTable.ADOPTED -> adoption[0]++;
                case SeriesTable.CONFLICT -> adoption[1]++;
                default -> { }
            }
        } catch (IllegalArgumentException e) {
            adoption[1]++;
        } catch (UncheckedIOException e) {
            throw e;
        }
    }
}
