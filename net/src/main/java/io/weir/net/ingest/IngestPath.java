package io.weir.net.ingest;

import io.weir.engine.ingest.IngestPublisher;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.IngestTicket;
import io.weir.engine.series.SeriesResolver;
import io.weir.engine.series.SeriesTable;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.KnownLabelSets;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The one way samples enter a node, whatever brought them (remote write, OTLP, scrapes): a decoded request is
 * relabeled ({@code ingest.relabel_configs}), checked against the limits, its series are resolved to ids and its
 * samples go on the ingest ring whole or not at all; the ticket is completed once the request is in the WAL.
 * Backfill is not relabeled: it reads back from the backend what the node forwarded, already relabeled (and rules
 * applied twice need not give the same series). Thread-safe; each producer thread takes its own {@link Writer}.
 */
public final class IngestPath {
    /** {@link Writer#publish} outcomes. */
    public static final int PUBLISHED = 0;
    /** Nothing to journal (no samples, no histograms, exemplars or metadata): the caller answers success at once. */
    public static final int EMPTY = 1;
    /** The ring has no room: answer 429 with Retry-After. */
    public static final int RING_FULL = 2;
    /** The WAL is at {@code wal.max_disk} while the backend catches up: answer 503 with Retry-After. */
    public static final int WAL_FULL = 3;
    /** An ingest limit ({@code limits.*}) refused the request: answer with {@link Writer#refusal()}. */
    public static final int LIMITED = 4;
    /** The request's histograms, exemplars and metadata encode to more than {@link #MAX_EXTRAS_BYTES}: answer 413. */
    public static final int EXTRAS_TOO_LARGE = 5;
    /**
     * The request has series whose labels were left undecoded ({@link DecodedWriteRequest#labelsDeferred}) but whose
     * keys this writer no longer resolves (its cache was emptied, or the series expired): nothing was done; decode
     * the request with every label set and publish it again.
     */
    public static final int NEEDS_LABELS = 6;
    /**
     * Largest extras of one request. A 2.0 body names each label string once, but its extras repeat every series'
     * labels, so a small body can ask for a large copy: this bounds the copy and the WAL record (a segment is
     * 128 MiB). Far above what a sender's batch of histograms and exemplars needs.
     */
    public static final int MAX_EXTRAS_BYTES = 64 << 20;

    /**
     * A ticket whose answer reports what was written (remote write 2.0's {@code X-Prometheus-Remote-Write-*-Written}
     * headers): {@link Writer#publish} tells it the counts after relabeling, before the ring can complete it.
     */
    public interface CountedTicket extends IngestTicket {
        void written(int samples, int histograms, int exemplars);
    }

    private final SeriesTable series;
    private final IngestRing ring;
    private final IngestStats stats;
    private final BooleanSupplier walOverCap;
    private final IngestLimits limits;
    private final IngestRelabeling relabeling;

    public IngestPath(SeriesTable series, IngestRing ring, IngestStats stats, BooleanSupplier walOverCap) {
        this(series, ring, stats, walOverCap, new IngestLimits(IngestLimits.Config.NONE, series::size));
    }

    /** @param limits checked on every request, whatever source brought it, before anything is resolved or written */
    public IngestPath(SeriesTable series, IngestRing ring, IngestStats stats, BooleanSupplier walOverCap, IngestLimits limits) {
        this(series, ring, stats, walOverCap, limits, IngestRelabeling.NONE);
    }

    /** @param relabeling applied to every request but backfill, before the limits are checked */
    public IngestPath(SeriesTable series, IngestRing ring, IngestStats stats, BooleanSupplier walOverCap, IngestLimits limits,
                      IngestRelabeling relabeling) {
        this.series = series;
        this.ring = ring;
        this.stats = stats;
        this.walOverCap = walOverCap;
        this.limits = limits;
        this.relabeling = relabeling;
    }

    public IngestStats stats() { return stats; }

    /**
     * Whether relabel rules rewrite label sets on this path: a decoder must then decode every set (a deferred one,
     * {@link DecodedWriteRequest#labelsDeferred}, could not be relabeled).
     */
    public boolean relabels() { return relabeling.enabled(); }

    /** True while the WAL is over its cap; checked before decoding so a throttled request costs little. */
    public boolean walOverCap() { return walOverCap.getAsBoolean(); }

    /** A producer's resolver, ring publisher and scratch arrays; owned by one thread. */
    public Writer newWriter() { return new Writer(); }

    public final class Writer {
        private final SeriesResolver resolver = series.newResolver();
        private final IngestPublisher publisher = ring.newPublisher();
        /** null when no relabel rules are configured: the request is then published as decoded */
        private final IngestRelabeling.RequestRelabeler relabeler = relabeling.enabled() ? relabeling.newRelabeler() : null;
        private int[] sampleIds = new int[4096];
        /** Per series of the request: the id of a series with deferred labels, resolved before anything else */
        private int[] deferredIds = new int[256];
        private IngestLimits.Refusal refusal;

        private Writer() {}

        /**
         * The label-set keys this writer resolves from its cache: what a remote write decoder on the same thread
         * defers labels with ({@link io.weir.net.remotewrite.RemoteWriteDecoder#deferKnownLabels}). The cache holds
         * only keys of sets that were decoded, checked against the limits and resolved here.
         */
        public KnownLabelSets knownLabelSets() {
            return knownLabelSets;
        }

        private final KnownLabelSets knownLabelSets = new KnownLabelSets() {
            @Override
            public boolean known(long hi, long lo) {
                return resolver.isCached(hi, lo);
            }

            @Override
            public void prefetch(long lo) {
                resolver.prefetch(lo);
            }
        };

        /** Why the last {@link #publish} answered {@link #LIMITED}: the status to answer and a message naming the limit. */
        public IngestLimits.Refusal refusal() { return refusal; }

        /**
         * Relabels the request in place (once: publishing it again does not relabel it again), resolves its series and
         * publishes its samples, and its histograms, exemplars and metadata (kept as
         * {@link DecodedWriteRequest#writeExtras extras} in the same ring slot as the ticket, so they reach the WAL
         * in the same commit); counts the request in the stats (accepted or throttled). On {@link #PUBLISHED} the
         * ticket will be completed by the journaler; on any other outcome it is never completed. A request built with
         * the builder methods has no extras and works as before.
         */
        public int publish(DecodedWriteRequest d, IngestTicket ticket) {
            return publish(d, ticket, false);
        }

        /**
         * As {@link #publish(DecodedWriteRequest, IngestTicket)} for history read from the backend: the samples reach
         * sketches and the WAL (as BACKFILL_SAMPLES, replayed at start-up) but the forwarder skips them.
         */
        public int publishBackfill(DecodedWriteRequest d, IngestTicket ticket) {
            return publish(d, ticket, true);
        }

        private int publish(DecodedWriteRequest d, IngestTicket ticket, boolean backfill) {
            if (walOverCap.getAsBoolean()) {
                stats.throttled();
                return WAL_FULL;
            }
            if (d.hasDeferredLabels()) {
                if (relabeler != null && !backfill) {
                    throw new IllegalStateException("labels were deferred on a path that relabels");
                }
                if (!resolveDeferred(d)) {
                    return NEEDS_LABELS;
                }
            }
            if (relabeler != null && !backfill) {
                relabeler.apply(d);
            }
            refusal = limits.check(d, resolver);
            if (refusal != null) {
                if (refusal.status().code() == 429) {
                    stats.throttled();
                } else {
                    stats.rejected();
                }
                return LIMITED;
            }
            int samples = d.sampleCount();
            boolean extras = d.hasExtras();
            if (ticket instanceof CountedTicket counted) {
                counted.written(samples, d.histogramCount(), d.exemplarCount());
            }
            if (samples == 0 && !extras) {
                stats.accepted(0, d.seriesCount());
                return EMPTY;
            }
            if (extras && d.extrasSize() > MAX_EXTRAS_BYTES) {
                stats.rejected();
                return EXTRAS_TOO_LARGE;
            }
            if (sampleIds.length < samples) {
                sampleIds = new int[Math.max(samples, sampleIds.length * 2)];
            }
            int[] ids = sampleIds;
            byte[] buf = d.buf();
            int[] nameOff = d.labelNameOffsets();
            int[] nameLen = d.labelNameLengths();
            int[] valueOff = d.labelValueOffsets();
            int[] valueLen = d.labelValueLengths();
            for (int s = 0, n = d.seriesCount(); s < n; s++) { // the lookups' cache misses overlap, see prefetch
                if (d.hasLabelsKey(s) && !d.labelsDeferred(s)) {
                    resolver.prefetch(d.labelsKeyLo(s));
                }
            }
            for (int s = 0, n = d.seriesCount(); s < n; s++) {
                int sampleCount = d.seriesSampleCount(s);
                if (sampleCount == 0) { // a series of extras alone: they carry their labels, no id is needed
                    continue;
                }
                int id = d.labelsDeferred(s) ? deferredIds[s] : d.hasLabelsKey(s)
                        ? resolver.resolve(d.labelsKeyHi(s), d.labelsKeyLo(s), buf, nameOff, nameLen, valueOff, valueLen,
                                d.seriesFirstLabel(s), d.seriesLabelCount(s))
                        : resolver.resolve(buf, nameOff, nameLen, valueOff, valueLen, d.seriesFirstLabel(s), d.seriesLabelCount(s));
                int first = d.seriesFirstSample(s);
                Arrays.fill(ids, first, first + sampleCount, id);
            }
            if (!publisher.publish(ids, d.timestamps(), d.values(), samples, extras ? d : null, ticket, backfill)) {
                stats.throttled();
                return RING_FULL;
            }
            stats.accepted(samples, d.seriesCount());
            if (extras) {
                stats.acceptedExtras(d.histogramCount(), d.exemplarCount(), d.metadataCount());
            }
            return PUBLISHED;
        }

        /**
         * Resolves the series with deferred labels from the cache, before anything can empty it (a miss of another
         * series, an ingest limit's probe): @return false if one is no longer cached or has expired
         */
        private boolean resolveDeferred(DecodedWriteRequest d) {
            int n = d.seriesCount();
            if (deferredIds.length < n) {
                deferredIds = new int[Math.max(n, deferredIds.length * 2)];
            }
            for (int s = 0; s < n; s++) { // as in publish: the lookups' cache misses overlap
                if (d.labelsDeferred(s)) {
                    resolver.prefetch(d.labelsKeyLo(s));
                }
            }
            for (int s = 0; s < n; s++) {
                if (d.labelsDeferred(s)) {
                    int id = resolver.cached(d.labelsKeyHi(s), d.labelsKeyLo(s));
                    if (id < 0) {
                        return false;
                    }
                    deferredIds[s] = id;
                }
            }
            return true;
        }
    }
}
