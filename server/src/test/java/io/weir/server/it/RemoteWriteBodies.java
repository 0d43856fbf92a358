package io.weir.server.it;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Remote write 1.0 request bodies for black-box tests, written field by field (so that tests can build what a
 * canonical encoder never would: unsorted, duplicate or empty label names), plus the real Prometheus fixtures and an
 * independent sample counter built on protobuf-java's wire reader.
 */
public final class RemoteWriteBodies {
    public static final Map<String, String> HEADERS = Map.of(
            "Content-Encoding", "snappy",
            "Content-Type", "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version", "0.1.0");
    public static final String[] FIXTURES = {"req-0001.bin", "req-0002.bin", "req-0003.bin", "req-0021.bin", "req-0024.bin"};

    private RemoteWriteBodies() {}

    /** One series: label name/value pairs in the given order, and its samples. */
    public record Series(String[] labels, long[] timestamps, double[] values) {
        public static Series of(long ts, double v, String... labels) {
            return new Series(labels, new long[] {ts}, new double[] {v});
        }
    }

    /** The uncompressed protobuf WriteRequest. */
    public static byte[] protobuf(Series... series) {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (Series s : series) {
            ByteArrayOutputStream ts = new ByteArrayOutputStream();
            for (int i = 0; i < s.labels.length; i += 2) {
                ByteArrayOutputStream label = new ByteArrayOutputStream();
                bytesField(label, 1, s.labels[i].getBytes(java.nio.charset.StandardCharsets.UTF_8));
                bytesField(label, 2, s.labels[i + 1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
                bytesField(ts, 1, label.toByteArray());
            }
            for (int i = 0; i < s.timestamps.length; i++) {
                ByteArrayOutputStream sample = new ByteArrayOutputStream();
                sample.write(1 << 3 | 1);
                long bits = Double.doubleToRawLongBits(s.values[i]);
                for (int b = 0; b < 8; b++) {
                    sample.write((int) (bits >>> (8 * b)) & 0xFF);
                }
                sample.write(2 << 3);
                varint(sample, s.timestamps[i]);
                bytesField(ts, 2, sample.toByteArray());
            }
            bytesField(req, 1, ts.toByteArray());
        }
        return req.toByteArray();
    }

    /** Snappy-compressed WriteRequest, ready to POST. */
    public static byte[] body(Series... series) {
        return snappy(protobuf(series));
    }

    public static byte[] snappy(byte[] raw) {
        try {
            return Snappy.compress(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] unsnappy(byte[] compressed) {
        try {
            return Snappy.uncompress(compressed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] fixture(String name) {
        Path dir = Path.of(System.getProperty("user.dir")).resolveSibling("net").resolve("src/test/resources/fixtures");
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Samples in a snappy-compressed WriteRequest, counted independently of Weir's decoder.
     *
     * @return -1 when the body is not a decodable WriteRequest
     */
    public static long sampleCount(byte[] compressed) {
        byte[] raw;
        try {
            raw = Snappy.uncompress(compressed);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sampleCountRaw(raw);
    }

    public static long sampleCountRaw(byte[] raw) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(raw);
            long samples = 0;
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    CodedInputStream ts = CodedInputStream.newInstance(in.readByteArray());
                    int t;
                    while ((t = ts.readTag()) != 0) {
                        if (WireFormat.getTagFieldNumber(t) == 2 && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            samples++;
                        }
                        ts.skipField(t);
                    }
                } else {
                    in.skipField(tag);
                }
            }
            return samples;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Metric names (the {@code __name__} values) of every series in a fixture-like body. */
    public static List<String> names(byte[] compressed) throws IOException {
        List<String> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(Snappy.uncompress(compressed));
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) != 1) {
                in.skipField(tag);
                continue;
            }
            CodedInputStream ts = CodedInputStream.newInstance(in.readByteArray());
            int t;
            while ((t = ts.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(t) != 1) {
                    ts.skipField(t);
                    continue;
                }
                CodedInputStream label = CodedInputStream.newInstance(ts.readByteArray());
                String name = null;
                String value = null;
                int l;
                while ((l = label.readTag()) != 0) {
                    if (WireFormat.getTagFieldNumber(l) == 1) {
                        name = label.readStringRequireUtf8();
                    } else if (WireFormat.getTagFieldNumber(l) == 2) {
                        value = label.readStringRequireUtf8();
                    } else {
                        label.skipField(l);
                    }
                }
                if ("__name__".equals(name)) {
                    out.add(value);
                }
            }
        }
        return out;
    }

    public static Http.Response post(String nodeUrl, byte[] body) throws IOException, InterruptedException {
        return Http.post(nodeUrl + "/api/v1/write", body, HEADERS);
    }

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] value) {
        varint(out, (long) field << 3 | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
