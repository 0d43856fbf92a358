package io.weir.net.remotewrite;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weir.net.remotewrite.proto.WriteV2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.weir.net.remotewrite.RemoteWriteStatus.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing of the remote write 2.0 decoder, as {@link RemoteWriteFuzzTest} does for 1.0: every mutated
 * body gets a code (no exception, no hang), a refusal leaves the request empty, an OK on a canonical body agrees with
 * protobuf-java, the extras of every OK parse as RW 1.0, and a decoder that has just seen garbage still decodes a valid
 * request exactly.
 */
class RemoteWrite2FuzzTest {
    private static final int ITERATIONS = 20_000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void mutatedBodiesAlwaysGetACodeAndNeverPoisonTheDecoder() throws Exception {
        Random r = new Random(0x2_5EEDL);
        RandomV2Requests random = new RandomV2Requests(new Random(77));
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            seeds.add(random.request().toByteArray());
        }
        List<byte[]> compressedSeeds = new ArrayList<>();
        for (byte[] seed : seeds) {
            compressedSeeds.add(Fixtures.snappy(seed));
        }
        WriteV2.Request validRequest = random.request();
        byte[] valid = Fixtures.snappy(validRequest.toByteArray());

        RemoteWrite2Decoder decoder = new RemoteWrite2Decoder(1 << 20);
        DecodedWriteRequest out = new DecodedWriteRequest();
        int[] codes = new int[RemoteWriteStatus.count()];
        int crossChecked = 0;
        int extrasChecked = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            boolean corruptSnappy = i % 4 == 0;
            byte[] body;
            byte[] raw = null;
            if (corruptSnappy) {
                body = RemoteWriteFuzzTest.mutate(r, compressedSeeds.get(r.nextInt(seeds.size())), compressedSeeds);
            } else {
                raw = RemoteWriteFuzzTest.mutate(r, seeds.get(r.nextInt(seeds.size())), seeds);
                body = Fixtures.snappy(raw);
            }
            int code = decoder.decode(body, 0, body.length, out);
            assertTrue(code >= 0 && code < codes.length, "code " + code);
            codes[code]++;
            if (code != OK) {
                assertNotNull(decoder.errorMessage());
                assertEquals(0, out.seriesCount());
                assertEquals(0, out.sampleCount());
                assertFalse(out.hasExtras());
                continue;
            }
            if (out.hasExtras()) {
                ExtrasOracle.extras(out); // forwarded as RW 1.0: must parse, or the backend would refuse the batch
                extrasChecked++;
            }
            if (raw != null) {
                WriteV2.Request expected;
                try {
                    expected = WriteV2.Request.parseFrom(raw);
                } catch (InvalidProtocolBufferException e) {
                    expected = null;
                }
                // only canonical bodies: a mutation can make protobuf-java and the spec disagree on odd varints
                if (expected != null && Arrays.equals(expected.toByteArray(), raw)) {
                    ExtrasOracle.assertSame(expected, out);
                    crossChecked++;
                }
            }
            if (i % 64 == 0) {
                assertEquals(OK, decoder.decode(valid, 0, valid.length, out), decoder::errorMessage);
                ExtrasOracle.assertSame(validRequest, out);
            }
        }
        StringBuilder sb = new StringBuilder("fuzz 2.0: " + ITERATIONS + " bodies;");
        for (int c = 0; c < codes.length; c++) {
            sb.append(' ').append(RemoteWriteStatus.name(c)).append('=').append(codes[c]);
        }
        sb.append("; OK cross-checked with protobuf-java=").append(crossChecked).append(", extras parsed=").append(extrasChecked);
        System.out.println(sb);
        assertTrue(codes[OK] > 100 && codes[RemoteWriteStatus.BAD_PROTOBUF] > 1000 && codes[RemoteWriteStatus.BAD_SNAPPY] > 100
                && codes[RemoteWriteStatus.BAD_SYMBOL_REFERENCE] > 50 && crossChecked > 50, "mutations should reach every layer: " + sb);
    }
}
