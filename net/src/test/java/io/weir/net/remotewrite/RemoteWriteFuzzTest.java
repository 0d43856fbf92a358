package io.weir.net.remotewrite;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weir.net.remotewrite.proto.Remote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing: every mutated body gets a code (no exception, no hang), an OK agrees with protobuf-java, and
 * a decoder that has just seen garbage still decodes a valid request exactly.
 */
class RemoteWriteFuzzTest {
    private static final int ITERATIONS = 24_000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void mutatedBodiesAlwaysGetACodeAndNeverPoisonTheDecoder() throws Exception {
        Random r = new Random(0x5EED_F00DL);
        List<byte[]> seeds = new ArrayList<>();
        for (String name : Fixtures.NAMES) {
            seeds.add(Fixtures.unsnappy(Fixtures.load(name)));
        }
        RandomRequests random = new RandomRequests(new Random(99));
        for (int i = 0; i < 12; i++) {
            seeds.add(random.request());
        }
        seeds.add(Pb.request(Pb.series("__name__", "up", "job", "node"), Pb.series("__name__", "x")));
        List<byte[]> compressedSeeds = new ArrayList<>();
        for (byte[] seed : seeds) {
            compressedSeeds.add(Fixtures.snappy(seed));
        }
        byte[] valid = Fixtures.load("req-0024.bin");
        Remote.WriteRequest validExpected = Remote.WriteRequest.parseFrom(Fixtures.unsnappy(valid));

        RemoteWriteDecoder decoder = new RemoteWriteDecoder(1 << 20);
        DecodedWriteRequest out = new DecodedWriteRequest();
        int[] codes = new int[RemoteWriteStatus.count()];
        int crossChecked = 0;
        int lenientThanProtobufJava = 0;
        int extrasChecked = 0;
        java.util.Map<String, Integer> refusals = new java.util.TreeMap<>();
        for (int i = 0; i < ITERATIONS; i++) {
            boolean corruptSnappy = i % 3 == 0;
            byte[] body;
            byte[] raw = null;
            if (corruptSnappy) {
                body = mutate(r, compressedSeeds.get(r.nextInt(seeds.size())), compressedSeeds);
            } else {
                raw = mutate(r, seeds.get(r.nextInt(seeds.size())), seeds);
                body = Fixtures.snappy(raw);
            }
            int code = decoder.decode(body, 0, body.length, out);
            assertTrue(code >= 0 && code < codes.length, "code " + code);
            codes[code]++;
            if (code != OK) {
                assertNotNull(decoder.errorMessage());
                assertEquals(0, out.seriesCount());
            } else if (raw != null) {
                Remote.WriteRequest expected;
                try {
                    expected = Remote.WriteRequest.parseFrom(raw);
                } catch (InvalidProtocolBufferException e) {
                    // e.g. invalid UTF-8 in a metadata string: skipped messages are only checked structurally
                    lenientThanProtobufJava++;
                    refusals.merge(String.valueOf(e.getMessage()).split("\\.")[0], 1, Integer::sum);
                    expected = null;
                }
                if (expected != null) {
                    Fixtures.assertSame(expected, out, true);
                    crossChecked++;
                }
            }
            if (code == OK && out.hasExtras()) {
                // what is kept whole is forwarded as it is: it must parse, or the backend would refuse the batch
                ExtrasOracle.extras(out);
                extrasChecked++;
            }
            if (i % 64 == 0) {
                assertEquals(OK, decoder.decode(valid, 0, valid.length, out), decoder::errorMessage);
                Fixtures.assertSame(validExpected, out);
            }
        }
        StringBuilder sb = new StringBuilder("fuzz: " + ITERATIONS + " bodies;");
        for (int c = 0; c < codes.length; c++) {
            sb.append(' ').append(RemoteWriteStatus.name(c)).append('=').append(codes[c]);
        }
        sb.append("; OK cross-checked with protobuf-java=").append(crossChecked)
                .append(", OK where protobuf-java refuses=").append(lenientThanProtobufJava)
                .append(", extras parsed by protobuf-java=").append(extrasChecked).append(' ').append(refusals);
        System.out.println(sb);
        assertTrue(codes[OK] > 100 && codes[RemoteWriteStatus.BAD_PROTOBUF] > 1000
                && codes[RemoteWriteStatus.BAD_SNAPPY] > 100, "mutations should reach every layer: " + sb);
    }

    static byte[] mutate(Random r, byte[] seed, List<byte[]> others) {
        byte[] b = seed;
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            if (b.length == 0) {
                return new byte[] {(byte) r.nextInt(256)};
            }
            int at = r.nextInt(b.length);
            b = switch (r.nextInt(7)) {
                case 0 -> { // bit flips
                    byte[] c = b.clone();
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        c[r.nextInt(c.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                    yield c;
                }
                case 1 -> { // insertion
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    yield concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
                }
                case 2 -> { // deletion
                    int end = Math.min(b.length, at + 1 + r.nextInt(16));
                    yield concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, end, b.length));
                }
                case 3 -> Arrays.copyOf(b, at); // truncation
                case 4 -> { // splice with another seed
                    byte[] other = others.get(r.nextInt(others.size()));
                    yield concat(Arrays.copyOf(b, at), Arrays.copyOfRange(other, r.nextInt(other.length + 1), other.length));
                }
                case 5 -> { // a random length field: overwrite with a varint of a random size
                    long v = switch (r.nextInt(4)) {
                        case 0 -> r.nextInt(128);
                        case 1 -> r.nextInt(1 << 14);
                        case 2 -> r.nextInt() & 0x7FFF_FFFFL;
                        default -> r.nextLong();
                    };
                    byte[] varint = Pb.of().varint(v).bytes();
                    byte[] c = b.clone();
                    System.arraycopy(varint, 0, c, at, Math.min(varint.length, c.length - at));
                    yield c;
                }
                default -> { // byte set to a random value
                    byte[] c = b.clone();
                    c[at] = (byte) r.nextInt(256);
                    yield c;
                }
            };
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }
}
