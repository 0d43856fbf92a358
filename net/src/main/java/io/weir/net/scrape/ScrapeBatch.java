package io.weir.net.scrape;

import io.weir.net.relabel.RelabelRule;
import io.weir.net.relabel.Relabeler;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the one request a scrape of one target publishes: the scraped samples with the target's labels (the
 * {@code honor_labels} rule, {@code metric_relabel_configs}, {@code sample_limit}), stale markers for the series of
 * the previous scrape that are gone, and the report series ({@code up}, {@code scrape_duration_seconds},
 * {@code scrape_samples_scraped}, {@code scrape_samples_post_metric_relabeling}, {@code scrape_series_added}).
 * Owned by the target's scrape thread; two requests are kept and swapped, so the previous scrape's label sets are at
 * hand for stale markers without copying. Without metric relabel rules a scrape allocates nothing once warm.
 *
 * <p>As in Prometheus, only samples without their own timestamp (or with honor_timestamps off) are tracked for
 * staleness; a failed scrape marks every tracked series of the previous scrape stale.
 */
public final class ScrapeBatch implements ExpositionParser.Sink {
    /** Prometheus' stale marker: a NaN that is not any NaN a target sends. */
    public static final double STALE_NAN = io.weir.engine.sketch.StaleMarker.VALUE;

    private static final byte[] NAME = bytes("__name__");
    private static final byte[] EXPORTED = bytes("exported_");
    static final String[] REPORT_NAMES = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling", "scrape_series_added"};
    private static final byte[][] REPORT = {bytes(REPORT_NAMES[0]), bytes(REPORT_NAMES[1]), bytes(REPORT_NAMES[2]),
        bytes(REPORT_NAMES[3]), bytes(REPORT_NAMES[4])};

    private final byte[][] targetNames;
    private final byte[][] targetValues;
    private final boolean honorLabels;
    private final boolean honorTimestamps;
    private final int sampleLimit;
    private final List<RelabelRule> metricRelabel;

    private DecodedWriteRequest cur = new DecodedWriteRequest();
    private DecodedWriteRequest prev = new DecodedWriteRequest();
    private long[] curHash = new long[256];
    private long[] prevHash = new long[256];
    private int curScraped;
    private int prevScraped;
    private SeriesHashSet curSet = new SeriesHashSet();
    private SeriesHashSet prevSet = new SeriesHashSet();
    private final boolean[] targetOverridden;
    private byte[] nameScratch = new byte[128];

    private long scrapeTime;
    private int samplesScraped;
    private int samplesPostRelabel;
    private int seriesAdded;
    private int duplicates;

    public ScrapeBatch(ScrapeTarget target, boolean honorLabels, boolean honorTimestamps, int sampleLimit,
                       List<RelabelRule> metricRelabel) {
        this.targetNames = target.labelNameBytes();
        this.targetValues = target.labelValueBytes();
        this.honorLabels = honorLabels;
        this.honorTimestamps = honorTimestamps;
        this.sampleLimit = sampleLimit;
        this.metricRelabel = List.copyOf(metricRelabel);
        this.targetOverridden = new boolean[targetNames.length];
    }

    /** The request being built (valid until the next {@link #begin}). */
    public DecodedWriteRequest request() { return cur; }

    public int samplesScraped() { return samplesScraped; }
    public int samplesPostRelabel() { return samplesPostRelabel; }
    public int seriesAdded() { return seriesAdded; }
    /** Samples dropped because an earlier line of the same scrape had the same label set. */
    public int duplicates() { return duplicates; }

    /** Starts a scrape whose samples without a timestamp get {@code timeMillis}. */
    public void begin(long timeMillis) {
        scrapeTime = timeMillis;
        cur.clear();
        curSet.clear();
        curScraped = 0;
        samplesScraped = 0;
        samplesPostRelabel = 0;
        seriesAdded = 0;
        duplicates = 0;
    }

    @Override
    public String sample(ExpositionParser p) {
        samplesScraped++;
        DecodedWriteRequest d = cur;
        int s = d.beginSeries();
        byte[] sc = p.scratch();
        d.addLabel(NAME, 0, NAME.length, sc, p.nameOffset(), p.nameLength());
        Arrays.fill(targetOverridden, false);
        for (int i = 0, n = p.labelCount(); i < n; i++) {
            int no = p.labelNameOffset(i);
            int nl = p.labelNameLength(i);
            int vo = p.labelValueOffset(i);
            int vl = p.labelValueLength(i);
            int t = targetLabel(sc, no, nl);
            if (t < 0 || vl == 0) {
                d.addLabel(sc, no, nl, sc, vo, vl);
            } else if (honorLabels) {
                targetOverridden[t] = true;
                d.addLabel(sc, no, nl, sc, vo, vl);
            } else {
                int len = exportedName(p, sc, no, nl);
                d.addLabel(nameScratch, 0, len, sc, vo, vl);
            }
        }
        for (int t = 0; t < targetNames.length; t++) {
            if (!targetOverridden[t]) {
                d.addLabel(targetNames[t], 0, targetNames[t].length, targetValues[t], 0, targetValues[t].length);
            }
        }
        boolean ownTime = honorTimestamps && p.hasTimestamp();
        d.addSample(ownTime ? p.timestampMillis() : scrapeTime, p.value());
        int code = d.finishSeries(s);
        if (code != RemoteWriteStatus.OK) {
            return code == RemoteWriteStatus.DUPLICATE_LABEL_NAME ? "duplicate label names in a sample"
                    : "invalid label set (" + code + ")";
        }
        if (!metricRelabel.isEmpty() && !relabelLast(s)) {
            return null;
        }
        samplesPostRelabel++;
        if (sampleLimit > 0 && samplesPostRelabel > sampleLimit) {
            return "sample_limit exceeded (" + sampleLimit + ")";
        }
        long h = hash(d, d.seriesCount() - 1);
        if (!curSet.add(h)) {
            duplicates++;
            d.dropLastSeries();
            return null;
        }
        if (!prevSet.contains(h)) {
            seriesAdded++;
        }
        int idx = d.seriesCount() - 1;
        if (idx >= curHash.length) {
            curHash = Arrays.copyOf(curHash, curHash.length * 2);
        }
        curHash[idx] = ownTime ? 0 : h;
        curScraped = idx + 1;
        return null;
    }

    /** Applies metric_relabel_configs to the last series (allocates). @return false when it was dropped */
    private boolean relabelLast(int s) {
        DecodedWriteRequest d = cur;
        TreeMap<String, String> labels = new TreeMap<>();
        for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
            labels.put(d.labelName(l), d.labelValue(l));
        }
        long ts = d.timestamp(d.seriesFirstSample(s));
        double v = d.value(d.seriesFirstSample(s));
        d.dropLastSeries();
        if (!Relabeler.apply(metricRelabel, labels)) {
            return false;
        }
        int n = d.beginSeries();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            d.addLabel(e.getKey(), e.getValue());
        }
        d.addSample(ts, v);
        if (d.finishSeries(n) != RemoteWriteStatus.OK) {
            d.dropLastSeries(); // e.g. __name__ relabeled away: Prometheus refuses the sample
            return false;
        }
        return true;
    }

    /**
     * A scraped label that collides with a target label becomes {@code exported_<name>} (prefixed again while that
     * is taken), as Prometheus does without honor_labels. @return the name's length in {@link #nameScratch}
     */
    private int exportedName(ExpositionParser p, byte[] sc, int no, int nl) {
        int len = nl;
        if (nameScratch.length < nl) {
            nameScratch = new byte[nl * 2];
        }
        System.arraycopy(sc, no, nameScratch, 0, nl);
        do {
            if (nameScratch.length < len + EXPORTED.length) {
                nameScratch = Arrays.copyOf(nameScratch, (len + EXPORTED.length) * 2);
            }
            System.arraycopy(nameScratch, 0, nameScratch, EXPORTED.length, len);
            System.arraycopy(EXPORTED, 0, nameScratch, 0, EXPORTED.length);
            len += EXPORTED.length;
        } while (targetLabel(nameScratch, 0, len) >= 0 || scrapedLabel(p, nameScratch, len));
        return len;
    }

    private boolean scrapedLabel(ExpositionParser p, byte[] name, int len) {
        byte[] sc = p.scratch();
        for (int i = 0, n = p.labelCount(); i < n; i++) {
            int o = p.labelNameOffset(i);
            if (Arrays.equals(sc, o, o + p.labelNameLength(i), name, 0, len)) {
                return true;
            }
        }
        return false;
    }

    private int targetLabel(byte[] b, int off, int len) {
        for (int t = 0; t < targetNames.length; t++) {
            if (Arrays.equals(targetNames[t], 0, targetNames[t].length, b, off, off + len)) {
                return t;
            }
        }
        return -1;
    }

    /** After a successful parse: stale markers for the tracked series of the previous scrape that are gone. */
    public void addStaleMarkers() {
        for (int s = 0; s < prevScraped; s++) {
            long h = prevHash[s];
            if (h != 0 && !curSet.contains(h)) {
                copyStale(prev, s);
            }
        }
    }

    /** A failed scrape: nothing scraped is kept, every tracked series of the previous scrape is marked stale. */
    public void failed() {
        cur.clear();
        curSet.clear();
        curScraped = 0;
        samplesPostRelabel = 0;
        seriesAdded = 0;
        addStaleMarkers();
    }

    /** The report series, with the target's labels and the scrape's time. */
    public void addReport(boolean up, double durationSeconds) {
        report(0, up ? 1 : 0);
        report(1, durationSeconds);
        report(2, samplesScraped);
        report(3, samplesPostRelabel);
        report(4, seriesAdded);
    }

    /** The target is gone: stale markers for the previous scrape's tracked series and the report series. */
    public void targetGone(long timeMillis) {
        begin(timeMillis);
        addStaleMarkers();
        for (int r = 0; r < REPORT.length; r++) {
            report(r, STALE_NAN);
        }
    }

    /** The request was published (or given up): it becomes the previous scrape. */
    public void committed() {
        DecodedWriteRequest d = cur;
        cur = prev;
        prev = d;
        long[] h = curHash;
        curHash = prevHash;
        prevHash = h;
        SeriesHashSet set = curSet;
        curSet = prevSet;
        prevSet = set;
        prevScraped = curScraped;
        curScraped = 0;
    }

    private void report(int r, double value) {
        DecodedWriteRequest d = cur;
        int s = d.beginSeries();
        d.addLabel(NAME, 0, NAME.length, REPORT[r], 0, REPORT[r].length);
        for (int t = 0; t < targetNames.length; t++) {
            d.addLabel(targetNames[t], 0, targetNames[t].length, targetValues[t], 0, targetValues[t].length);
        }
        d.addSample(scrapeTime, value);
        d.finishSeries(s);
    }

    private void copyStale(DecodedWriteRequest from, int s) {
        DecodedWriteRequest d = cur;
        int n = d.beginSeries();
        byte[] b = from.buf();
        for (int l = from.seriesFirstLabel(s), end = l + from.seriesLabelCount(s); l < end; l++) {
            d.addLabel(b, from.labelNameOffset(l), from.labelNameLength(l), b, from.labelValueOffset(l), from.labelValueLength(l));
        }
        d.addSample(scrapeTime, STALE_NAN);
        d.endSeries(n); // labels are already sorted and checked
    }

    /** FNV-1a over the sorted label set, 0 mapped to 1 (0 means "not tracked"). */
    private static long hash(DecodedWriteRequest d, int s) {
        long h = 0xcbf29ce484222325L;
        byte[] b = d.buf();
        for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
            h = mix(h, b, d.labelNameOffset(l), d.labelNameLength(l));
            h = mix(h, b, d.labelValueOffset(l), d.labelValueLength(l));
        }
        return h == 0 ? 1 : h;
    }

    private static long mix(long h, byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            h ^= b[i] & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= 0xff; // separator: ("ab","c") and ("a","bc") differ
        return h * 0x100000001b3L;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
