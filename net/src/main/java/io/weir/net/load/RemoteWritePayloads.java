package io.weir.net.load;

import io.weir.net.remotewrite.RemoteWriteEncoder;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Remote write bodies encoded before a run, one ordered stream per sender, so the timed part only writes bytes.
 * Series {@code j} belongs to sender {@code j % senders} (Prometheus shards its queue by series too, which is what
 * keeps each series' samples in order on the wire). A sender's stream is scrape round after scrape round of its
 * series, one sample per series per round, cut into requests of {@code samplesPerRequest} samples; every series
 * appears in a request as its own time series with one sample, as Prometheus' sender does. Timestamps advance by
 * the scrape interval per round, with a fixed per-instance scrape offset, and the last round ends about when the
 * pool was built: a sender that keeps its order never sends a duplicate or an out-of-order sample.
 */
public final class RemoteWritePayloads {
    private final SeriesCatalog catalog;
    private final int senders;
    private final int samplesPerRequest;
    private final int rounds;
    private final long intervalMillis;
    private final long startMillis;
    private final byte[][][] bodies;
    private final long compressedBytes;

    private RemoteWritePayloads(SeriesCatalog catalog, int senders, int samplesPerRequest, int rounds,
                                long intervalMillis, long startMillis) {
        this.catalog = catalog;
        this.senders = senders;
        this.samplesPerRequest = samplesPerRequest;
        this.rounds = rounds;
        this.intervalMillis = intervalMillis;
        this.startMillis = startMillis;
        this.bodies = new byte[senders][][];
        IntStream.range(0, senders).parallel().forEach(s -> bodies[s] = encodeStream(s));
        long bytes = 0;
        for (byte[][] stream : bodies) {
            for (byte[] b : stream) {
                bytes += b.length;
            }
        }
        this.compressedBytes = bytes;
    }

    /**
     * @param minSamples     at least this many samples in all (whole rounds of every series)
     * @param nowMillis      the last round's timestamps fall within one interval before this
     */
    public static RemoteWritePayloads build(SeriesCatalog catalog, int senders, int samplesPerRequest, long minSamples,
                                            long intervalMillis, long nowMillis) {
        if (senders < 1 || senders > catalog.size()) {
            throw new IllegalArgumentException("senders must be in [1, series], was " + senders);
        }
        if (samplesPerRequest < 1) {
            throw new IllegalArgumentException("samplesPerRequest must be >= 1, was " + samplesPerRequest);
        }
        long roundsNeeded = Math.max(1, (minSamples + catalog.size() - 1) / catalog.size());
        if (roundsNeeded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many samples for one pool: " + minSamples);
        }
        int rounds = (int) roundsNeeded;
        long start = Math.floorDiv(nowMillis - rounds * intervalMillis, intervalMillis) * intervalMillis;
        return new RemoteWritePayloads(catalog, senders, samplesPerRequest, rounds, intervalMillis, start);
    }

    private byte[][] encodeStream(int sender) {
        int owned = seriesOf(sender);
        long total = (long) owned * rounds;
        int count = (int) ((total + samplesPerRequest - 1) / samplesPerRequest);
        byte[][] out = new byte[count][];
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        long position = 0;
        for (int b = 0; b < count; b++) {
            encoder.reset();
            long end = Math.min(total, position + samplesPerRequest);
            for (; position < end; position++) {
                int round = (int) (position / owned);
                int series = sender + (int) (position % owned) * senders;
                byte[] labels = catalog.labels(series);
                encoder.beginSeries(labels, 0, labels.length);
                encoder.sample(timestamp(series, round), catalog.value(series, round));
                encoder.endSeries();
            }
            int len = encoder.finish();
            out[b] = Arrays.copyOf(encoder.compressed(), len);
        }
        return out;
    }

    /** Number of series sender {@code s} owns. */
    public int seriesOf(int sender) {
        int n = catalog.size();
        return n / senders + (sender < n % senders ? 1 : 0);
    }

    /** Timestamp of {@code series} at scrape {@code round}: instances scrape at fixed offsets within the interval. */
    public long timestamp(int series, int round) {
        long offset = (catalog.instance(series) * 7_919L) % intervalMillis;
        return startMillis + round * intervalMillis + offset;
    }

    /** How many samples (rounds 0 .. n-1) of {@code series} are in its sender's first {@code bodiesSent} bodies. */
    public int roundsSent(int series, int bodiesSent) {
        int sender = series % senders;
        int owned = seriesOf(sender);
        long sent = Math.min((long) bodiesSent * samplesPerRequest, (long) owned * rounds);
        int local = series / senders;
        return (int) (sent / owned) + (local < sent % owned ? 1 : 0);
    }

    public SeriesCatalog catalog() { return catalog; }
    public int senders() { return senders; }
    public int samplesPerRequest() { return samplesPerRequest; }
    public int rounds() { return rounds; }
    public long intervalMillis() { return intervalMillis; }
    public byte[][] bodies(int sender) { return bodies[sender]; }
    public long compressedBytes() { return compressedBytes; }

    public long totalSamples() { return (long) catalog.size() * rounds; }

    /** Samples in body {@code index} of a sender's stream. */
    public int samplesIn(int sender, int index) {
        long total = (long) seriesOf(sender) * rounds;
        return (int) Math.min(samplesPerRequest, total - (long) index * samplesPerRequest);
    }
}
