package io.weir.engine.series;

import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Inverted index of label pairs: name -> value -> ids of the series carrying that pair (a RoaringBitmap each),
 * plus, per name, the ids of every series carrying that name. Answers PromQL selectors.
 * <p>
 * Thread-safe. Its one writer is the series table (creation and expiry, under its creation lock); readers are
 * query threads. RoaringBitmap is not safe to read while it is written, so both sides take a read-write lock:
 * a series is added under the write lock in one hold (a reader sees all its postings or none), and a reader
 * holds the read lock for one matcher at a time, so a long regex scan delays series creation by at most the
 * time of one matcher. Every bitmap returned is a fresh one that the caller owns.
 */
public final class LabelIndex {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, NamePostings> byName = new HashMap<>();
    private final RoaringBitmap all = new RoaringBitmap();

    private static final class NamePostings {
        final RoaringBitmap any = new RoaringBitmap();
        final Map<String, RoaringBitmap> byValue = new HashMap<>();
    }

    LabelIndex() {}

    /** Adds a series: at creation, or when an expired series comes back under its id. */
    void add(int id, byte[] canonical) {
        lock.writeLock().lock();
        try {
            all.add(id);
            CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> {
                String name = new String(b, no, nl, StandardCharsets.UTF_8);
                String value = new String(b, vo, vl, StandardCharsets.UTF_8);
                NamePostings np = byName.computeIfAbsent(name, n -> new NamePostings());
                np.any.add(id);
                np.byValue.computeIfAbsent(value, v -> new RoaringBitmap()).add(id);
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Removes an expired series in one hold of the write lock; a value or name left without series goes too, so
     * the index shrinks with the series it holds.
     */
    void remove(int id, byte[] canonical) {
        lock.writeLock().lock();
        try {
            all.remove(id);
            CanonicalLabels.forEach(canonical, 0, canonical.length, (b, no, nl, vo, vl) -> {
                String name = new String(b, no, nl, StandardCharsets.UTF_8);
                NamePostings np = byName.get(name);
                if (np == null) {
                    return;
                }
                np.any.remove(id);
                String value = new String(b, vo, vl, StandardCharsets.UTF_8);
                RoaringBitmap bm = np.byValue.get(value);
                if (bm != null) {
                    bm.remove(id);
                    if (bm.isEmpty()) {
                        np.byValue.remove(value);
                    }
                }
                if (np.any.isEmpty()) {
                    byName.remove(name);
                }
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** @return the ids of every series in the index (a copy) */
    public RoaringBitmap all() {
        lock.readLock().lock();
        try {
            return all.clone();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Series matching every matcher, with Prometheus semantics: a matcher that does not match "" narrows (the
     * union of the postings of its matching values is intersected); one that matches "" also accepts series
     * lacking the label, so it subtracts the postings of its non-matching values instead. When every matcher
     * matches "" the start set is all series. An empty list selects all series.
     */
    public RoaringBitmap select(List<LabelMatcher> matchers) {
        RoaringBitmap result = null;
        for (LabelMatcher m : matchers) {
            if (!m.matchesEmpty()) {
                RoaringBitmap postings = postings(m, true);
                if (result == null) {
                    result = postings;
                } else {
                    result.and(postings);
                }
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        if (result == null) {
            result = all();
        }
        for (LabelMatcher m : matchers) {
            if (m.matchesEmpty()) {
                result.andNot(postings(m, false));
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        return result;
    }

    /** @return sorted names carried by at least one series of {@code within} (null = all series) */
    public List<String> labelNames(RoaringBitmap within) {
        List<String> names = new ArrayList<>();
        lock.readLock().lock();
        try {
            for (Map.Entry<String, NamePostings> e : byName.entrySet()) {
                if (within == null || RoaringBitmap.intersects(e.getValue().any, within)) {
                    names.add(e.getKey());
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        Collections.sort(names);
        return names;
    }

    /** @return sorted values of {@code name} carried by at least one series of {@code within} (null = all) */
    public List<String> labelValues(String name, RoaringBitmap within) {
        List<String> values = new ArrayList<>();
        lock.readLock().lock();
        try {
            NamePostings np = byName.get(name);
            if (np != null) {
                for (Map.Entry<String, RoaringBitmap> e : np.byValue.entrySet()) {
                    if (within == null || RoaringBitmap.intersects(e.getValue(), within)) {
                        values.add(e.getKey());
                    }
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        Collections.sort(values);
        return values;
    }

    /**
     * Union of the postings of the values v of {@code m.name()} with {@code m.matches(v) == wanted}. Series that
     * lack the label are never included. Fast paths avoid a scan of the values where the matcher is a literal
     * or a literal alternation: the wanted side is then either a few postings or {@code any} minus them.
     */
    private RoaringBitmap postings(LabelMatcher m, boolean wanted) {
        Set<String> literals = m.literalValues();
        lock.readLock().lock();
        try {
            NamePostings np = byName.get(m.name());
            if (np == null) {
                return new RoaringBitmap();
            }
            if (literals != null) {
                RoaringBitmap ofLiterals = unionOf(np, literals);
                boolean positive = m.type() == LabelMatcher.Type.EQ || m.type() == LabelMatcher.Type.RE;
                return positive == wanted ? ofLiterals : RoaringBitmap.andNot(np.any, ofLiterals);
            }
            List<RoaringBitmap> parts = new ArrayList<>();
            for (Map.Entry<String, RoaringBitmap> e : np.byValue.entrySet()) {
                if (m.matches(e.getKey()) == wanted) {
                    parts.add(e.getValue());
                }
            }
            return union(parts);
        } finally {
            lock.readLock().unlock();
        }
    }

    private static RoaringBitmap unionOf(NamePostings np, Set<String> values) {
        List<RoaringBitmap> parts = new ArrayList<>(values.size());
        for (String v : values) {
            RoaringBitmap bm = np.byValue.get(v);
            if (bm != null) {
                parts.add(bm);
            }
        }
        return union(parts);
    }

    private static RoaringBitmap union(List<RoaringBitmap> parts) {
        return switch (parts.size()) {
            case 0 -> new RoaringBitmap();
            case 1 -> parts.getFirst().clone();
            default -> FastAggregation.or(parts.iterator());
        };
    }
}
