package io.weir.server;

import io.weir.server.it.proto.Remote;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The remote read answer decoder against protobuf-java's encoding (a QueryResult has the WriteRequest's field 1,
 * repeated TimeSeries, so the test's WriteRequest stands in for it), and fuzzed: damaged answers fail with an
 * IOException, never with another exception or a hang.
 */
class PrometheusRemoteReadTest {
    private record Got(TreeMap<String, String> labels, long[] ts, double[] values) {}

    private static byte[] response(Remote.WriteRequest... results) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Remote.WriteRequest r : results) {
            byte[] b = r.toByteArray();
            out.write(1 << 3 | 2);
            int len = b.length;
            while ((len & ~0x7f) != 0) {
                out.write((len & 0x7f) | 0x80);
                len >>>= 7;
            }
            out.write(len);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static Remote.WriteRequest randomResult(SplittableRandom rnd, int series) {
        Remote.WriteRequest.Builder w = Remote.WriteRequest.newBuilder();
        for (int s = 0; s < series; s++) {
            Remote.TimeSeries.Builder t = Remote.TimeSeries.newBuilder()
                    .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("m" + rnd.nextInt(5)))
                    .addLabels(Remote.Label.newBuilder().setName("instance").setValue("héllo-" + s));
            int n = rnd.nextInt(40);
            for (int i = 0; i < n; i++) {
                t.addSamples(Remote.Sample.newBuilder().setTimestamp(1_700_000_000_000L + i * 15_000L + rnd.nextInt(1000))
                        .setValue(rnd.nextInt(3) == 0 ? Double.NaN : rnd.nextDouble() * 1e6 - 5e5));
            }
            w.addTimeseries(t);
        }
        return w.build();
    }

    private static List<Got> decode(byte[] b) throws IOException {
        List<Got> out = new ArrayList<>();
        PrometheusRemoteRead.decodeResponse(b, (labels, ts, values) -> out.add(new Got(labels, ts, values)));
        return out;
    }

    @Test
    void decodesWhatProtobufJavaEncodes() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        Remote.WriteRequest a = randomResult(rnd, 5);
        Remote.WriteRequest b = randomResult(rnd, 3);
        List<Got> got = decode(response(a, b));
        List<Remote.TimeSeries> want = new ArrayList<>(a.getTimeseriesList());
        want.addAll(b.getTimeseriesList());
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            Remote.TimeSeries w = want.get(i);
            Got g = got.get(i);
            TreeMap<String, String> labels = new TreeMap<>();
            w.getLabelsList().forEach(l -> labels.put(l.getName(), l.getValue()));
            assertEquals(labels, g.labels);
            assertEquals(w.getSamplesCount(), g.ts.length);
            for (int k = 0; k < g.ts.length; k++) {
                assertEquals(w.getSamples(k).getTimestamp(), g.ts[k]);
                assertEquals(Double.doubleToRawLongBits(w.getSamples(k).getValue()), Double.doubleToRawLongBits(g.values[k]));
            }
        }
    }

    @Test
    void damagedAnswersFailWithIoExceptionOnly() {
        SplittableRandom rnd = new SplittableRandom(11);
        byte[] valid = response(randomResult(rnd, 6), randomResult(rnd, 2));
        int failures = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] b;
            switch (round % 3) {
                case 0 -> b = Arrays.copyOf(valid, rnd.nextInt(valid.length)); // truncated
                case 1 -> {
                    b = valid.clone();
                    for (int f = 0; f < 1 + rnd.nextInt(4); f++) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                }
                default -> {
                    b = new byte[rnd.nextInt(64)];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) rnd.nextInt(256);
                    }
                }
            }
            try {
                decode(b);
            } catch (IOException expected) {
                failures++;
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e, e);
            }
        }
        assertTrue(failures > 1000, "damage is noticed: " + failures);
    }
}
