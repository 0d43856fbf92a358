package io.weir.net.remotewrite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-rolled protobuf writer for tests: builds well-formed and deliberately malformed messages byte by byte. */
final class Pb {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Pb of() {
        return new Pb();
    }

    Pb raw(int... bytes) {
        for (int x : bytes) {
            out.write(x);
        }
        return this;
    }

    Pb raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    Pb varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    /** A varint of value v spread over exactly {@code width} bytes (non-minimal when width exceeds the minimum). */
    Pb paddedVarint(long v, int width) {
        for (int i = 0; i < width - 1; i++) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) (v & 0x7F));
        return this;
    }

    Pb tag(int field, int wireType) {
        return varint((long) field << 3 | wireType);
    }

    Pb len(int field, byte[] content) {
        return tag(field, 2).varint(content.length).raw(content);
    }

    Pb len(int field, Pb content) {
        return len(field, content.bytes());
    }

    Pb str(int field, String s) {
        return len(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Pb fixed64(int field, long v) {
        tag(field, 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    // ---- remote write shapes ----

    static Pb label(String name, String value) {
        return of().str(1, name).str(2, value);
    }

    static Pb sample(double value, long ts) {
        return of().fixed64(1, Double.doubleToRawLongBits(value)).tag(2, 0).varint(ts);
    }

    /** A TimeSeries with the given alternating name/value labels and one sample. */
    static Pb series(String... nameValues) {
        Pb s = of();
        for (int i = 0; i < nameValues.length; i += 2) {
            s.len(1, label(nameValues[i], nameValues[i + 1]));
        }
        return s.len(2, sample(1.5, 1_700_000_000_000L));
    }

    /** A TimeSeries with the given alternating name/value labels and one sample of {@code value}, timestamped by it. */
    static Pb seriesWithSample(double value, String... nameValues) {
        Pb s = of();
        for (int i = 0; i < nameValues.length; i += 2) {
            s.len(1, label(nameValues[i], nameValues[i + 1]));
        }
        return s.len(2, sample(value, 1_700_000_000_000L + (long) value));
    }

    static byte[] request(Pb... series) {
        Pb r = of();
        for (Pb s : series) {
            r.len(1, s);
        }
        return r.bytes();
    }
}
