package io.weir.engine.series;

import java.util.Arrays;

/**
 * Resolves label sets to series ids for ONE thread (an event loop): not thread-safe; create one per thread with
 * {@link SeriesTable#newResolver()}.
 * <p>
 * Hit path (a series this thread resolved before): a 128-bit hash of the label bytes ({@link LabelSetHash}; the
 * remote write decoder hands over one of the labels' wire bytes, taken while it had them in hand), a probe of a
 * primitive open-addressing table ({@link SeriesFrontCache}) and a check that the cached id is still LIVE, which also
 * marks it active ({@link SeriesTable#touch}: a read, and a CAS at most once a second per series); no allocation, no lock, no byte comparison (a false hit needs a 128-bit collision, see
 * {@link LabelSetHash}). A cached id that has expired is never returned: the labels go through the miss path,
 * which brings a RETIRING series back under its id or gives a FREED one a new id, and the cache entry is replaced.
 * Miss path: the canonical bytes are built in a reused scratch and the {@link SeriesTable} finds or creates the
 * series.
 */
public final class SeriesResolver {
    private final SeriesTable table;
    private final LabelSetHash hash = new LabelSetHash();
    private final SeriesFrontCache cache;
    private byte[] scratch = new byte[512];
    private long misses;
    /** Where {@link #prefetch} puts what it read, so the JIT keeps the loads. */
    private long prefetched;
    /** {@link SeriesTable#freedSeries()} when the cache was last emptied of expired series. */
    private long freedAtClear;

    SeriesResolver(SeriesTable table, int maxCachedSeries) {
        this.table = table;
        this.cache = new SeriesFrontCache(maxCachedSeries);
    }

    /**
     * @param first the first label (index into the span arrays); labels first..first+count-1 are already
     *              validated (UTF-8, unique names, no empty values) and sorted by name, byte-wise
     * @return the series id
     */
    public int resolve(byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen, int first, int count) {
        hash.hashSpans(buf, nameOff, nameLen, valueOff, valueLen, first, count);
        return resolve(hash.hi(), hash.lo(), buf, nameOff, nameLen, valueOff, valueLen, first, count);
    }

    /**
     * As {@link #resolve(byte[], int[], int[], int[], int[], int, int)} with the label set's key already known: a
     * {@link LabelSetHash} of the set ({@link LabelSetHash#hashSpans} of these labels, or
     * {@link LabelSetHash#hashEncoded} of bytes that determine them), which the front cache is probed with; the spans
     * are read only on a miss.
     */
    public int resolve(long hi, long lo, byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen,
                       int first, int count) {
        int id = cache.get(hi, lo);
        if (id >= 0 && table.touch(id)) {
            return id;
        }
        return miss(buf, nameOff, nameLen, valueOff, valueLen, first, count, hi, lo);
    }

    /** @return whether this thread's front cache holds the key (the series may have expired since: see {@link #cached}) */
    public boolean isCached(long hi, long lo) {
        return cache.get(hi, lo) >= 0;
    }

    /**
     * The hit path of {@link #resolve(long, long, byte[], int[], int[], int[], int[], int, int)} alone, for a label
     * set whose spans the caller does not have: the cached id of a live series (marked active), or -1.
     */
    public int cached(long hi, long lo) {
        int id = cache.get(hi, lo);
        return id >= 0 && table.touch(id) ? id : -1;
    }

    /**
     * Reads the front-cache line that a {@link #resolve(long, long, byte[], int[], int[], int[], int[], int, int)} of
     * this key will read, and nothing more. Called for every key of a request before resolving any, it turns the
     * lookups' cache misses (the table is megabytes at 100,000 series) from one after another into many at once: the
     * loads here depend on nothing but the key, so the CPU keeps dozens in flight.
     *
     * @param lo the key's low half, which places it in the table
     */
    public void prefetch(long lo) {
        prefetched += cache.readHomeSlot(lo);
    }

    private int miss(byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen, int first, int count,
                     long hi, long lo) {
        misses++;
        forgetExpired();
        int end = first + count;
        int size = 0;
        for (int i = first; i < end; i++) {
            size += CanonicalLabels.labelSize(nameLen[i], valueLen[i]);
        }
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, scratch.length * 2)];
        }
        int pos = 0;
        for (int i = first; i < end; i++) {
            pos = CanonicalLabels.putLabel(scratch, pos, buf, nameOff[i], nameLen[i], valueOff[i], valueLen[i]);
        }
        int id = table.getOrCreate(Arrays.copyOf(scratch, pos)); // exact-size key: Chronicle Map keys are byte[]
        cache.put(hi, lo, id);
        return id;
    }

    /**
     * Whether these labels name an existing series; creates nothing (ingest limits count a request's new series
     * before any is created). A series found in the table is cached, so the {@link #resolve} that follows hits.
     */
    public boolean exists(byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen, int first, int count) {
        hash.hashSpans(buf, nameOff, nameLen, valueOff, valueLen, first, count);
        return exists(hash.hi(), hash.lo(), buf, nameOff, nameLen, valueOff, valueLen, first, count);
    }

    /** As {@link #exists(byte[], int[], int[], int[], int[], int, int)} with the set's key known, as for {@link #resolve(long, long, byte[], int[], int[], int[], int[], int, int)}. */
    public boolean exists(long hi, long lo, byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen,
                          int first, int count) {
        int cached = cache.get(hi, lo);
        if (cached >= 0 && table.touch(cached)) {
            return true;
        }
        int end = first + count;
        int size = 0;
        for (int i = first; i < end; i++) {
            size += CanonicalLabels.labelSize(nameLen[i], valueLen[i]);
        }
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, scratch.length * 2)];
        }
        int pos = 0;
        for (int i = first; i < end; i++) {
            pos = CanonicalLabels.putLabel(scratch, pos, buf, nameOff[i], nameLen[i], valueOff[i], valueLen[i]);
        }
        int id = table.find(Arrays.copyOf(scratch, pos));
        if (id < 0) {
            return false;
        }
        cache.put(hi, lo, id);
        return true;
    }

    /**
     * Miss path: entries of freed series are never looked up again, so under churn they would fill the cache up to
     * its cap. Once the table has freed more series than half of what the cache holds since the last time, the
     * cache is emptied; the live series come back one miss each.
     */
    private void forgetExpired() {
        long freed = table.freedSeries();
        if (freed - freedAtClear > Math.max(1024, cache.size() / 2)) {
            cache.clear();
            freedAtClear = freed;
        }
    }

    /** Resolutions that missed this thread's cache. */
    public long misses() { return misses; }

    /** Label sets currently cached. */
    public int cachedSeries() { return cache.size(); }

    /** Times the cache was cleared: at its cap, or to drop series that expired. */
    public long cacheClears() { return cache.clears(); }
}
