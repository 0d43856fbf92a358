package io.weir.persistence.wal;

import static org.junit.jupiter.api.Assertions.*;

import io.weir.engine.series.CanonicalLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** A brute-force model of what was written, and a visitor that copies what was read, for comparing the two. */
final class WalTestSupport {
    private WalTestSupport() {}

    sealed interface Rec permits Series, Samples, BackfillSamples, Extras {}

    record Series(int id, byte[] labels) implements Rec {
        @Override
        public boolean equals(Object o) {
            return o instanceof Series s && s.id == id && Arrays.equals(s.labels, labels);
        }

        @Override
        public int hashCode() {
            return id;
        }

        @Override
        public String toString() {
            return "Series[" + id + ", " + labels.length + " bytes]";
        }
    }

    record Samples(int[] ids, long[] ts, double[] values) implements Rec {
        @Override
        public boolean equals(Object o) {
            return o instanceof Samples s && Arrays.equals(s.ids, ids) && Arrays.equals(s.ts, ts) && Arrays.equals(s.values, values);
        }

        @Override
        public int hashCode() {
            return ids.length;
        }

        @Override
        public String toString() {
            return "Samples[" + ids.length + "]";
        }
    }

    /** BACKFILL_SAMPLES: the same columns as SAMPLES under another record type, which must survive the round trip. */
    record BackfillSamples(Samples samples) implements Rec {}

    /** EXTRAS: opaque bytes to the WAL (remote write fields in real use); compared byte for byte. */
    record Extras(byte[] fields) implements Rec {
        @Override
        public boolean equals(Object o) {
            return o instanceof Extras e && Arrays.equals(e.fields, fields);
        }

        @Override
        public int hashCode() {
            return fields.length;
        }

        @Override
        public String toString() {
            return "Extras[" + fields.length + " bytes]";
        }
    }

    /** Repetitive bytes (like encoded histograms with their labels), 1 .. maxLength (default 4 KiB), so compression has work to do. */
    static Extras extras(SplittableRandom rnd) {
        return extras(rnd, 4096);
    }

    static Extras extras(SplittableRandom rnd, int maxLength) {
        byte[] b = new byte[1 + rnd.nextInt(maxLength)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : "histogram_bucket".charAt(i % 16));
        }
        return new Extras(b);
    }

    static Series series(int id) {
        return new Series(id, CanonicalLabels.of("__name__", "metric_" + (id % 97), "instance", "host-" + id, "job", "node"));
    }

    /** Prometheus-like batch: consecutive-ish series ids, one scrape timestamp with jitter, counters and gauges. */
    static Samples samples(SplittableRandom rnd, int count, long baseTs) {
        int[] ids = new int[count];
        long[] ts = new long[count];
        double[] values = new double[count];
        int id = rnd.nextInt(1000);
        for (int i = 0; i < count; i++) {
            id += 1 + (rnd.nextInt(8) == 0 ? rnd.nextInt(50) : 0);
            ids[i] = id;
            ts[i] = baseTs + rnd.nextInt(3);
            values[i] = (id & 1) == 0 ? (double) (1_000_000 + id * 17L + rnd.nextInt(100)) : Math.round(rnd.nextDouble() * 10_000) / 100.0;
        }
        return new Samples(ids, ts, values);
    }

    static void append(WalWriter writer, Rec rec) throws IOException {
        switch (rec) {
            case Series s -> writer.appendSeries(s.id, s.labels, 0, s.labels.length);
            case Samples s -> writer.appendSamples(s.ids.length, s.ids, s.ts, s.values);
            case BackfillSamples b -> writer.appendBackfillSamples(b.samples.ids.length, b.samples.ids, b.samples.ts, b.samples.values);
            case Extras e -> writer.appendExtras(e.fields, 0, e.fields.length);
        }
    }

    /** Copies every record it sees, remembering where each one started. */
    static final class Collector implements WalVisitor {
        final List<Rec> records = new ArrayList<>();

        @Override
        public void onSeries(int seriesId, byte[] labels, int off, int len) {
            records.add(new Series(seriesId, Arrays.copyOfRange(labels, off, off + len)));
        }

        @Override
        public void onSamples(int count, int[] seriesIds, long[] timestamps, double[] values) {
            records.add(new Samples(Arrays.copyOf(seriesIds, count), Arrays.copyOf(timestamps, count), Arrays.copyOf(values, count)));
        }

        @Override
        public void onBackfillSamples(int count, int[] seriesIds, long[] timestamps, double[] values) {
            records.add(new BackfillSamples(new Samples(Arrays.copyOf(seriesIds, count), Arrays.copyOf(timestamps, count), Arrays.copyOf(values, count))));
        }

        @Override
        public void onExtras(byte[] fields, int off, int len) {
            records.add(new Extras(Arrays.copyOfRange(fields, off, off + len)));
        }
    }

    static List<Rec> readAll(Path dir, long limit) throws IOException {
        Collector c = new Collector();
        try (WalReader reader = WalReader.open(dir, WalReader.OLDEST)) {
            while (reader.read(c, limit, 100) > 0) {
                assertTrue(reader.position() <= limit);
            }
        }
        return c.records;
    }

    /**
     * Start position of every record, read one at a time. A reader that finished a segment reports its end, so a
     * position at a segment's end is normalized to the start of the next segment.
     */
    static List<Long> recordStarts(Path dir) throws IOException {
        List<Long> starts = new ArrayList<>();
        Collector c = new Collector();
        try (WalReader reader = WalReader.open(dir, WalReader.OLDEST)) {
            long before = reader.position();
            while (reader.read(c, WalReader.NO_LIMIT, 1) == 1) {
                long segment = WalPosition.segment(before);
                if (WalPosition.offset(before) == Files.size(WalDirectory.segmentPath(dir, segment))) {
                    before = WalPosition.of(segment + 1, WalSegmentDescriptor.HEADER_LENGTH);
                }
                starts.add(before);
                before = reader.position();
            }
        }
        return starts;
    }
}
