package io.weir.engine.series;

import net.openhft.chronicle.map.ChronicleMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The series table: canonical label bytes -> dense, stable int id, persisted in a Chronicle Map
 * ({@code <dir>/series.dat}), with an in-memory id -> {@link SeriesLabels} store and the {@link LabelIndex}.
 * <p>
 * Thread-safe. Lookups of known series go to the Chronicle Map without a Weir lock (event loops normally answer
 * from their own {@link SeriesResolver} and come here only on a miss). Creation takes one creation lock, so two
 * threads creating the same series get the same id. Order under the lock: persist (map put), store the labels,
 * index, run the new-series listeners, then publish {@code size} with a volatile (release) write. A lookup
 * that finds an id not yet below {@code size} (acquire read) waits on the lock for its creator, so no caller
 * ever receives an id whose listeners have not run, and a reader that sees {@code size} sees the labels and
 * the postings of every id below it.
 */
public final class SeriesTable implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SeriesTable.class.getName());
    private static final String CLEAN_MARKER = "series.clean";
    static final String FILE_NAME = "series.dat";
    private static final int AVERAGE_KEY_BYTES = 128;
    /** Chronicle Map refuses inserts past entries x this; past expectedSeries it slows, so size it right. */
    private static final double MAX_BLOAT = 4.0;
    private static final int DEFAULT_FRONT_CACHE_ENTRIES = 1 << 20;

    private final ChronicleMap<byte[], Integer> map;
    private final LabelIndex index = new LabelIndex();
    private final ReentrantLock creationLock = new ReentrantLock();
    private final CopyOnWriteArrayList<IntConsumer> listeners = new CopyOnWriteArrayList<>();
    /** Grows by copy under the creation lock; a reader reads {@link #size} before it (see class comment). */
    private volatile SeriesLabels[] labelsById;
    private volatile int size;

    private SeriesTable(ChronicleMap<byte[], Integer> map) {
        this.map = map;
        this.labelsById = new SeriesLabels[1024];
    }

    /**
     * Opens (or creates) the table in {@code dir}, loading every persisted series into the labels store and the
     * index; new ids continue after the highest one. Listeners registered later are not called for these.
     *
     * @param expectedSeries sizing of a new file (ignored for an existing one, whose sizing is stored in it)
     */
    public static SeriesTable open(Path dir, long expectedSeries) {
        if (expectedSeries < 1) {
            throw new IllegalArgumentException("expectedSeries must be positive: " + expectedSeries);
        }
        ChronicleMap<byte[], Integer> map;
        long t0 = System.nanoTime();
        boolean recovered = false;
        try {
            Files.createDirectories(dir);
            var builder = ChronicleMap.of(byte[].class, Integer.class)
                    .name("weir-series")
                    .entries(Math.max(expectedSeries, 1024))
                    .averageKeySize(AVERAGE_KEY_BYTES)
                    .maxBloatFactor(MAX_BLOAT);
            Path file = dir.resolve(FILE_NAME);
            Path cleanMarker = dir.resolve(CLEAN_MARKER);
            // After a crash Chronicle Map's segment locks may be held by the dead process: recover then. Recovery
            // scans the whole file, so a clean shutdown leaves a marker that lets the next start skip it.
            if (Files.exists(file) && !Files.deleteIfExists(cleanMarker)) {
                map = builder.createOrRecoverPersistedTo(file.toFile(), true);
                recovered = true;
            } else {
                Files.deleteIfExists(cleanMarker);
                map = builder.createPersistedTo(file.toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open series table " + dir.resolve(FILE_NAME), e);
        }
        SeriesTable table = new SeriesTable(map);
        long t1 = System.nanoTime();
        try {
            table.load();
            LOG.log(System.Logger.Level.INFO, String.format("series table %s: %s in %d ms, %d series loaded in %d ms", dir,
                    recovered ? "recovered after an unclean stop" : "opened", (t1 - t0) / 1_000_000, table.size(),
                    (System.nanoTime() - t1) / 1_000_000));
        } catch (RuntimeException e) {
            map.close();
            throw e;
        }
        return table;
    }

    private void load() {
        SeriesLabels[] byId = new SeriesLabels[Math.max(1024, map.size())];
        int[] highest = {-1};
        SeriesLabels[][] holder = {byId};
        map.forEach((key, id) -> {
            if (id < 0) {
                throw new IllegalStateException("negative series id " + id + " in " + FILE_NAME);
            }
            if (id >= holder[0].length) {
                holder[0] = Arrays.copyOf(holder[0], Math.max(id + 1, holder[0].length * 2));
            }
            if (holder[0][id] != null) {
                throw new IllegalStateException("series id " + id + " appears twice in " + FILE_NAME);
            }
            holder[0][id] = new SeriesLabels(key.clone()); // the map may reuse the key array between calls
            highest[0] = Math.max(highest[0], id);
        });
        byId = holder[0];
        // Ids in order: RoaringBitmap appends are cheapest. A missing id (a hole) stays null in labels()
        // and absent from the index.
        for (int id = 0; id <= highest[0]; id++) {
            if (byId[id] != null) {
                index.add(id, byId[id].canonicalUnsafe());
            }
        }
        labelsById = byId;
        size = highest[0] + 1;
    }

    /** @return the number of ids handed out: ids 0..size()-1 are valid */
    public int size() { return size; }

    /**
     * @return the labels of {@code id} (null only for an id lost from the file, which the table never reuses);
     *         a new-series listener may also ask for the id it is being told about
     */
    public SeriesLabels labels(int id) {
        int n = size; // volatile read first: it orders the array read after
        if (id < 0 || id >= n && !(id == n && creationLock.isHeldByCurrentThread())) {
            throw new IndexOutOfBoundsException("series id " + id + " of " + n);
        }
        return labelsById[id];
    }

    public LabelIndex index() { return index; }

    /** A new resolver for one thread (an event loop), with a front cache of up to 2^20 series. */
    public SeriesResolver newResolver() { return new SeriesResolver(this, DEFAULT_FRONT_CACHE_ENTRIES); }

    public SeriesResolver newResolver(int maxCachedSeries) { return new SeriesResolver(this, maxCachedSeries); }

    /**
     * Registers a listener called once per new id, on the creating thread, under the creation lock, before the
     * id is returned to any caller (e.g. to assign a sketch target). It must be quick and must not create series.
     * A listener that throws does not undo the series; the exception reaches the creating caller.
     */
    public void onNewSeries(IntConsumer listener) { listeners.add(listener); }

    /** @return the id of these canonical label bytes, or -1 when the series does not exist */
    public int find(byte[] canonical) {
        Integer id = map.get(canonical);
        if (id == null) {
            return -1;
        }
        if (id >= size) {
            return awaitCreation(id);
        }
        return id;
    }

    /**
     * @param canonical a well-formed {@link CanonicalLabels} encoding; the table keeps the array, so the caller
     *                  must not change it afterwards
     * @return the id of the series, created if absent
     */
    public int getOrCreate(byte[] canonical) {
        int id = find(canonical);
        return id >= 0 ? id : create(canonical);
    }

    /** The id was persisted by a creator that has not published it yet: wait for it on the lock. */
    private int awaitCreation(int id) {
        creationLock.lock();
        try {
            return id;
        } finally {
            creationLock.unlock();
        }
    }

    private int create(byte[] canonical) {
        creationLock.lock();
        try {
            Integer existing = map.get(canonical);
            if (existing != null) {
                return existing;
            }
            CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> { }); // well-formed?
            SeriesLabels labels = new SeriesLabels(canonical);
            int id = size;
            map.put(canonical, id); // first: a failure here (file full) leaves nothing half-created
            SeriesLabels[] byId = labelsById;
            if (id == byId.length) {
                byId = Arrays.copyOf(byId, byId.length * 2);
                labelsById = byId;
            }
            byId[id] = labels;
            index.add(id, canonical);
            try {
                for (IntConsumer listener : listeners) {
                    listener.accept(id);
                }
            } finally {
                size = id + 1; // release: labels, postings and listener effects happen-before any use of the id
            }
            return id;
        } finally {
            creationLock.unlock();
        }
    }

    /** {@link #adopt} outcomes. */
    public static final int ADOPTED = 0;
    public static final int PRESENT = 1;
    public static final int CONFLICT = 2;

    /**
     * Start-up only, before the id can be handed out: puts back a series known from a snapshot or a SERIES record
     * of the WAL under its recorded id (rebuilding a lost or damaged table). Runs the new-series listeners.
     *
     * @param canonical well-formed canonical label bytes; the table keeps the array
     * @return {@link #ADOPTED}, {@link #PRESENT} (already there, same labels) or {@link #CONFLICT} (the id or the
     *         labels belong to another series here; nothing changed)
     */
    public int adopt(int id, byte[] canonical) {
        if (id < 0) {
            return CONFLICT;
        }
        creationLock.lock();
        try {
            SeriesLabels[] byId = labelsById;
            SeriesLabels existing = id < size ? byId[id] : null;
            if (existing != null) {
                return Arrays.equals(existing.canonicalUnsafe(), canonical) ? PRESENT : CONFLICT;
            }
            Integer other = map.get(canonical);
            if (other != null) {
                return other == id ? PRESENT : CONFLICT;
            }
            CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> { }); // well-formed?
            map.put(canonical, id);
            if (id >= byId.length) {
                byId = Arrays.copyOf(byId, Math.max(id + 1, byId.length * 2));
            }
            byId[id] = new SeriesLabels(canonical);
            labelsById = byId;
            index.add(id, canonical);
            if (id >= size) {
                size = id + 1; // before the listeners, which read the labels; nobody else holds the id yet
            }
            for (IntConsumer listener : listeners) {
                listener.accept(id);
            }
            return ADOPTED;
        } finally {
            creationLock.unlock();
        }
    }

    @Override
    public void close() {
        Path marker = map.file() == null ? null : map.file().toPath().resolveSibling(CLEAN_MARKER);
        map.close();
        if (marker != null) {
            try {
                Files.createFile(marker);
            } catch (IOException ignored) {
                // without the marker the next start recovers the map: slower, never wrong
            }
        }
    }
}
