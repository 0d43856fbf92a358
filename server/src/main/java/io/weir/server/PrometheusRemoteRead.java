package io.weir.server;

import io.weir.engine.series.LabelMatcher;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

/**
 * Prometheus' remote read ({@code POST /api/v1/read}) with SAMPLES responses: the raw samples of one time range,
 * which {@code query_range} cannot give (it evaluates at steps). Request and response are snappy-compressed protobuf
 * (prometheus/prompb remote.proto and types.proto), encoded and read here by hand: only the few fields below.
 * <pre>
 *   ReadRequest  { repeated Query queries = 1; repeated ResponseType accepted_response_types = 2 (SAMPLES = 0) }
 *   Query        { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2; repeated LabelMatcher matchers = 3 }
 *   LabelMatcher { Type type = 1 (EQ, NEQ, RE, NRE); string name = 2; string value = 3 }
 *   ReadResponse { repeated QueryResult results = 1 }   QueryResult { repeated TimeSeries timeseries = 1 }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2 }
 *   Label        { string name = 1; string value = 2 }  Sample { double value = 1; int64 timestamp = 2 }
 * </pre>
 */
final class PrometheusRemoteRead {
    private PrometheusRemoteRead() {}

    /** Receives one series of the answer (labels sorted by name). */
    interface SeriesSink {
        void add(TreeMap<String, String> labels, long[] timestamps, double[] values);
    }

    /** Reads [fromMs, toMs] (inclusive) of the series {@code matchers} select. */
    static void read(HttpClient http, String backend, String authorization, List<LabelMatcher> matchers, long fromMs,
                     long toMs, Duration timeout, SeriesSink sink) throws IOException, InterruptedException {
        byte[] body = Snappy.compress(request(matchers, fromMs, toMs));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(backend + "/api/v1/read"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpRequest r = b.timeout(timeout)
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Read-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> answer = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IOException(backend + "/api/v1/read answered " + answer.statusCode() + ": "
                    + new String(answer.body(), 0, Math.min(2000, answer.body().length), StandardCharsets.UTF_8).strip());
        }
        byte[] raw;
        try {
            raw = Snappy.uncompress(answer.body());
        } catch (IOException e) {
            throw new IOException(backend + "/api/v1/read: the answer is not snappy-compressed protobuf: " + e.getMessage(), e);
        }
        decodeResponse(raw, sink);
    }

    static byte[] request(List<LabelMatcher> matchers, long fromMs, long toMs) {
        ByteArrayOutputStream query = new ByteArrayOutputStream();
        tag(query, 1, 0);
        varint(query, fromMs);
        tag(query, 2, 0);
        varint(query, toMs);
        for (LabelMatcher m : matchers) {
            ByteArrayOutputStream lm = new ByteArrayOutputStream();
            tag(lm, 1, 0);
            varint(lm, m.type().ordinal()); // the enum is declared in remote read's order: EQ, NEQ, RE, NRE
            bytes(lm, 2, m.name().getBytes(StandardCharsets.UTF_8));
            bytes(lm, 3, m.value().getBytes(StandardCharsets.UTF_8));
            bytes(query, 3, lm.toByteArray());
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        bytes(request, 1, query.toByteArray());
        tag(request, 2, 0);
        varint(request, 0); // SAMPLES
        return request.toByteArray();
    }

    static void decodeResponse(byte[] buf, SeriesSink sink) throws IOException {
        Reader response = new Reader(buf, 0, buf.length);
        while (response.more()) {
            int tag = response.tag();
            if (tag == (1 << 3 | 2)) {
                Reader result = response.message();
                while (result.more()) {
                    int t = result.tag();
                    if (t == (1 << 3 | 2)) {
                        series(result.message(), sink);
                    } else {
                        result.skip(t);
                    }
                }
            } else {
                response.skip(tag);
            }
        }
    }

    private static void series(Reader ts, SeriesSink sink) throws IOException {
        TreeMap<String, String> labels = new TreeMap<>();
        long[] times = new long[16];
        double[] values = new double[16];
        int n = 0;
        while (ts.more()) {
            int tag = ts.tag();
            if (tag == (1 << 3 | 2)) {
                Reader label = ts.message();
                String name = "";
                String value = "";
                while (label.more()) {
                    int t = label.tag();
                    if (t == (1 << 3 | 2)) {
                        name = label.string();
                    } else if (t == (2 << 3 | 2)) {
                        value = label.string();
                    } else {
                        label.skip(t);
                    }
                }
                labels.put(name, value);
            } else if (tag == (2 << 3 | 2)) {
                Reader sample = ts.message();
                double v = 0;
                long t = 0;
                while (sample.more()) {
                    int st = sample.tag();
                    if (st == (1 << 3 | 1)) {
                        v = Double.longBitsToDouble(sample.fixed64());
                    } else if (st == (2 << 3 | 0)) {
                        t = sample.varint();
                    } else {
                        sample.skip(st);
                    }
                }
                if (n == times.length) {
                    times = java.util.Arrays.copyOf(times, n * 2);
                    values = java.util.Arrays.copyOf(values, n * 2);
                }
                times[n] = t;
                values[n] = v;
                n++;
            } else {
                ts.skip(tag);
            }
        }
        if (labels.isEmpty()) {
            throw new IOException("remote read answer: a series without labels");
        }
        sink.add(labels, java.util.Arrays.copyOf(times, n), java.util.Arrays.copyOf(values, n));
    }

    /** A bounds-checked protobuf reader over {@code buf[pos, end)}; a truncated or malformed answer is an IOException. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() { return pos < end; }

        int tag() throws IOException {
            long t = varint();
            if (t <= 0 || t > Integer.MAX_VALUE) {
                throw new IOException("remote read answer: bad field tag " + t);
            }
            return (int) t;
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IOException("remote read answer: truncated varint");
                }
                byte b = buf[pos++];
                v |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IOException("remote read answer: varint longer than 10 bytes");
        }

        long fixed64() throws IOException {
            if (end - pos < 8) {
                throw new IOException("remote read answer: truncated fixed64");
            }
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (buf[pos + i] & 0xff);
            }
            pos += 8;
            return v;
        }

        Reader message() throws IOException {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw new IOException("remote read answer: length " + len + " runs past its message");
            }
            Reader r = new Reader(buf, pos, pos + (int) len);
            pos += (int) len;
            return r;
        }

        String string() throws IOException {
            Reader r = message();
            return new String(buf, r.pos, r.end - r.pos, StandardCharsets.UTF_8);
        }

        void skip(int tag) throws IOException {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> { if (end - pos < 8) throw new IOException("remote read answer: truncated"); pos += 8; }
                case 2 -> message();
                case 5 -> { if (end - pos < 4) throw new IOException("remote read answer: truncated"); pos += 4; }
                default -> throw new IOException("remote read answer: wire type " + (tag & 7));
            }
        }
    }

    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, (long) field << 3 | wireType);
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        tag(out, field, 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
