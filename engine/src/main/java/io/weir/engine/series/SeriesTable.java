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
 * <p>
 * Series expire ({@link #expireIdle}): an id not resolved for longer than the idle timeout leaves the label index
 * (RETIRING; its labels stay for the forwarder, which may still be reading its samples), then, once the forwarder
 * has passed the log position of its retirement, its labels, its map entry and its postings are dropped (FREED).
 * Ids are never reused: a series that returns after that gets a new id and a new SERIES record, so no cache, WAL
 * record or snapshot can ever pair an id with labels other than its own. A RETIRING series that returns simply
 * comes back under its id. The highest id handed out survives restarts through a watermark entry in the map.
 * {@link SeriesStates} says how resolvers and the expiry pass agree on a series' state without a lock.
 */
public final class SeriesTable implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SeriesTable.class.getName());
    private static final String CLEAN_MARKER = "series.clean";
    static final String FILE_NAME = "series.dat";
    private static final int AVERAGE_KEY_BYTES = 128;
    /**
     * Chronicle Map refuses inserts past entries x its bloat factor. A new file is laid out (and written) for
     * {@code expectedSeries} up front and grows past it by extra tiers, each lookup a little slower; the bloat factor
     * lets a table grow to at least this many series (a table laid out for fewer than 4,096 stops at 1,000 times
     * its size).
     */
    private static final long MIN_MAX_SERIES = 4L << 20;
    /** Chronicle Map's own ceiling on the bloat factor. */
    private static final double MAX_BLOAT = 1000;
    private static final int DEFAULT_FRONT_CACHE_ENTRIES = 1 << 20;
    /**
     * The map key of the id watermark (the table's size when ids were last freed): no series has an empty label
     * set, so it cannot collide with one. It keeps a restart from handing out the ids of expired series again.
     */
    private static final byte[] WATERMARK_KEY = new byte[0];
    /** {@link #expireAfter} not called: nothing expires. */
    private static final int NEVER = Integer.MAX_VALUE;

    private final ChronicleMap<byte[], Integer> map;
    private final LabelIndex index = new LabelIndex();
    private final ReentrantLock creationLock = new ReentrantLock();
    private final CopyOnWriteArrayList<IntConsumer> listeners = new CopyOnWriteArrayList<>();
    /** Grows by copy under the creation lock; a reader reads {@link #size} before it (see class comment). */
    private volatile SeriesLabels[] labelsById;
    private volatile int size;

    // lifecycle: states read by any thread; the rest written under the creation lock, counters read by any thread
    private final SeriesStates states = new SeriesStates();
    private final RetiringSeries retiring = new RetiringSeries();
    /** Seconds since the first {@link #expireIdle} (the table's clock), read by resolvers when they mark a series. */
    private volatile int nowSec;
    private long clockOriginMs = Long.MIN_VALUE;
    private int idleTimeoutSec = NEVER;
    private int freeAfterSec;
    private int retirements;
    private int watermark;
    private volatile int liveSeries;
    private volatile int retiringSeries;
    private volatile long expiredSeries;
    private volatile long returnedSeries;
    private volatile long freedSeries;

    private SeriesTable(ChronicleMap<byte[], Integer> map) {
        this.map = map;
        this.labelsById = new SeriesLabels[1024];
    }

    /**
     * Opens (or creates) the table in {@code dir}, loading every persisted series into the labels store and the
     * index; new ids continue after the highest one ever handed out (expired ones included, see the watermark).
     * Listeners registered later are not called for these.
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
                    .maxBloatFactor(Math.clamp((double) MIN_MAX_SERIES / Math.max(expectedSeries, 1024), 4.0, MAX_BLOAT));
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
            table.loadLifecycle();
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
            if (key.length == 0) {
                return; // the id watermark, read by loadLifecycle()
            }
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

    /**
     * After {@link #load}: ids up to the watermark count as handed out (expired ones stay unused), every loaded
     * series is LIVE as of now (a restart gives each a full idle timeout), every hole is FREED.
     */
    private void loadLifecycle() {
        Integer mark = map.get(WATERMARK_KEY);
        watermark = mark == null ? 0 : mark;
        int n = Math.max(size, watermark);
        SeriesLabels[] byId = labelsById;
        if (n > byId.length) {
            labelsById = byId = Arrays.copyOf(byId, n);
        }
        int live = 0;
        for (int id = 0; id < n; id++) {
            if (byId[id] != null) { // a hole needs nothing: an id without a state page reads FREED
                states.set(id, 0, n);
                live++;
            }
        }
        liveSeries = live;
        size = n;
    }

    /** @return the number of ids handed out, expired ones included: ids 0..size()-1 have been used */
    public int size() { return size; }

    /**
     * @return the labels of {@code id}; null for an expired id whose labels were dropped (never reused) or an id
     *         lost from the file; a new-series listener may also ask for the id it is being told about
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

    /**
     * @return the id of these canonical label bytes, or -1 when the series does not exist (or has expired for
     *         good); marks the series active, and brings back a RETIRING one
     */
    public int find(byte[] canonical) {
        Integer boxed = canonical.length == 0 ? null : map.get(canonical);
        if (boxed == null) {
            return -1;
        }
        int id = boxed;
        if (id >= size) {
            awaitCreation(id);
        }
        return touch(id) ? id : comeBack(id);
    }

    /**
     * Any thread: marks a LIVE series active now. Lock-free (one CAS at most per series and second); allocation-free.
     *
     * @return false when the id is not LIVE (RETIRING or FREED): the caller must resolve the labels again
     */
    boolean touch(int id) {
        int now = nowSec;
        for (;;) {
            int seen = states.get(id);
            if (seen == now) {
                return true;
            }
            if (seen < 0) {
                return false;
            }
            if (states.compareAndSet(id, seen, now)) {
                return true;
            }
        }
    }

    /** A RETIRING series is resolved again: back into the index under its id. @return the id, or -1 once FREED */
    private int comeBack(int id) {
        creationLock.lock();
        try {
            int state = states.get(id);
            if (state == SeriesStates.FREED) {
                return -1;
            }
            if (SeriesStates.isRetiring(state)) {
                // stays in the retiring queue as a stale entry: its state no longer names that retirement
                states.set(id, nowSec, size);
                index.add(id, labelsById[id].canonicalUnsafe());
                retiringSeries--;
                liveSeries++;
                returnedSeries++;
            }
            return id;
        } finally {
            creationLock.unlock();
        }
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
        if (canonical.length == 0) {
            throw new IllegalArgumentException("a series needs at least one label");
        }
        creationLock.lock();
        try {
            Integer existing = map.get(canonical);
            if (existing != null) {
                int found = existing;
                if (touch(found)) {
                    return found;
                }
                int back = comeBack(found); // reentrant: we hold the lock
                if (back >= 0) {
                    return back;
                }
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
            states.set(id, nowSec, id + 1);
            liveSeries++;
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

    /**
     * Turns expiry on (before the first {@link #expireIdle}).
     *
     * @param idleTimeoutMs a series not resolved for longer than this expires (leaves the index)
     * @param freeAfterMs   an expired series keeps its labels at least this long (queries that listed it before it
     *                      expired can still name it), and until the forwarder has passed its retirement
     */
    public void expireAfter(long idleTimeoutMs, long freeAfterMs) {
        if (idleTimeoutMs < 1000 || freeAfterMs < 0) {
            throw new IllegalArgumentException("idle timeout must be >= 1s and free-after >= 0: " + idleTimeoutMs + ", " + freeAfterMs);
        }
        creationLock.lock();
        try {
            idleTimeoutSec = (int) Math.min(NEVER - 1, idleTimeoutMs / 1000);
            freeAfterSec = (int) Math.min(NEVER - 1, (freeAfterMs + 999) / 1000);
        } finally {
            creationLock.unlock();
        }
    }

    /**
     * One expiry pass, from one thread (a timer): advances the table's clock to {@code nowMs}; retires every LIVE
     * series idle for longer than the idle timeout (out of the index, stamped with {@code logPosition}); frees the
     * RETIRING series retired at least free-after ago whose stamp is at or before {@code safePosition} (their map
     * entries, labels and postings go; the id is never handed out again). Holds the creation lock: a few
     * milliseconds per million live series, plus the series it retires or frees.
     *
     * @param logPosition  the WAL's committed position now: every sample of a series retired now is before it
     * @param safePosition the position up to which nobody will read the WAL for labels again (the forwarder's
     *                     stored cursor; {@link Long#MAX_VALUE} without a forwarder)
     * @return series retired plus series freed
     */
    public int expireIdle(long nowMs, long logPosition, long safePosition) {
        if (clockOriginMs == Long.MIN_VALUE) {
            clockOriginMs = nowMs;
        }
        int now = (int) Math.min(NEVER - 1, Math.max(0, (nowMs - clockOriginMs) / 1000));
        nowSec = now;
        if (idleTimeoutSec == NEVER) {
            return 0;
        }
        creationLock.lock();
        try {
            return retireIdle(now, logPosition) + freeRetired(now, safePosition);
        } finally {
            creationLock.unlock();
        }
    }

    private int retireIdle(int now, long logPosition) {
        int n = size;
        SeriesLabels[] byId = labelsById;
        int retired = 0;
        for (int page = 0; (long) page << SeriesStates.PAGE_SHIFT < n; page++) {
            if (!states.hasAlive(page)) {
                continue;
            }
            int end = (int) Math.min(n, (long) (page + 1) << SeriesStates.PAGE_SHIFT);
            for (int id = page << SeriesStates.PAGE_SHIFT; id < end; id++) {
                int seen = states.get(id);
                if (seen < 0 || now - seen <= idleTimeoutSec) {
                    continue;
                }
                int seq = retirements++;
                // a resolver that marks the series at the same moment wins or loses this CAS, never both
                if (states.compareAndSet(id, seen, SeriesStates.retiring(seq))) {
                    index.remove(id, byId[id].canonicalUnsafe());
                    retiring.add(id, seq, now, logPosition);
                    retired++;
                }
            }
        }
        if (retired > 0) {
            liveSeries -= retired;
            retiringSeries += retired;
            expiredSeries += retired;
        }
        return retired;
    }

    private int freeRetired(int now, long safePosition) {
        int freed = 0;
        SeriesLabels[] byId = labelsById;
        while (!retiring.isEmpty() && now - retiring.oldestRetiredSec() >= freeAfterSec
                && retiring.oldestPosition() <= safePosition) {
            int id = retiring.oldestId();
            int seq = retiring.oldestSeq();
            retiring.removeOldest();
            if (states.get(id) != SeriesStates.retiring(seq)) {
                continue; // it came back (and maybe retired again, queued later)
            }
            if (watermark < size) {
                // first: a crash after the removals below must not let a restart hand these ids out again
                map.put(WATERMARK_KEY, size);
                watermark = size;
            }
            map.remove(byId[id].canonicalUnsafe());
            byId[id] = null;
            states.set(id, SeriesStates.FREED, size);
            freed++;
        }
        if (freed > 0) {
            retiringSeries -= freed;
            freedSeries += freed;
        }
        return freed;
    }

    /**
     * One thread at a time (the node's timer): offers what reads keep with each series' labels to {@code pass}
     * ({@link SeriesLabels#sweepKept}), ids in order. Takes no lock: a series created meanwhile may be missed, one freed
     * meanwhile may still be looked at; neither matters to a cache's sweep.
     *
     * @return the bytes still kept after the pass (an estimate)
     */
    public long sweepKept(KeptReadState pass) {
        SeriesLabels[] byId = labelsById;
        int n = Math.min(size, byId.length);
        long kept = 0;
        for (int id = 0; id < n; id++) {
            SeriesLabels labels = byId[id];
            if (labels != null) {
                kept += labels.sweepKept(pass);
            }
        }
        return kept;
    }

    /** Heap bytes of the per-id states: what stays of expired ids until their page of 4,096 has expired. */
    long stateBytes() {
        creationLock.lock();
        try {
            return states.bytes();
        } finally {
            creationLock.unlock();
        }
    }

    /** Series resolvable now (not expired). */
    public int liveSeries() { return liveSeries; }

    /** Expired series whose labels are still kept (for the forwarder, or a query that listed them). */
    public int retiringSeries() { return retiringSeries; }

    /** Series that expired (left the index), in total. */
    public long expiredSeries() { return expiredSeries; }

    /** Expired series that came back under their id before their labels were dropped, in total. */
    public long returnedSeries() { return returnedSeries; }

    /** Expired series whose labels, map entry and postings were dropped, in total. */
    public long freedSeries() { return freedSeries; }

    /** {@link #adopt} outcomes. */
    public static final int ADOPTED = 0;
    public static final int PRESENT = 1;
    public static final int CONFLICT = 2;
    /** The id expired here and its labels came back since under a newer id: the record is history, not a conflict. */
    public static final int SUPERSEDED = 3;

    /**
     * Start-up only, before the id can be handed out: puts back a series known from a snapshot or a SERIES record
     * of the WAL under its recorded id (rebuilding a lost or damaged table). Runs the new-series listeners.
     *
     * @param canonical well-formed canonical label bytes; the table keeps the array
     * @return {@link #ADOPTED}, {@link #PRESENT} (already there, same labels), {@link #SUPERSEDED} (an expired
     *         id whose labels have a newer id now; nothing changed) or {@link #CONFLICT} (the id or the labels belong
     *         to another series here; nothing changed)
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
            Integer other = canonical.length == 0 ? null : map.get(canonical);
            if (other != null) {
                if (other == id) {
                    return PRESENT;
                }
                return id < size && states.get(id) == SeriesStates.FREED && other > id ? SUPERSEDED : CONFLICT;
            }
            if (canonical.length == 0) {
                return CONFLICT;
            }
            CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> { }); // well-formed?
            map.put(canonical, id);
            if (id >= byId.length) {
                byId = Arrays.copyOf(byId, Math.max(id + 1, byId.length * 2));
            }
            byId[id] = new SeriesLabels(canonical);
            labelsById = byId;
            index.add(id, canonical);
            states.set(id, nowSec, Math.max(size, id + 1)); // ids skipped over read FREED, as they should
            liveSeries++;
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
