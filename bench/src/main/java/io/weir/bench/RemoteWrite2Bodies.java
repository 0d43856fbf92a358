package io.weir.bench;

import io.weir.net.remotewrite.DecodedWriteRequest;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Re-encodes a decoded request as a remote write 2.0 body (symbol table, labels_refs, samples) so the 1.0 and 2.0
 * decoders can be measured on the same content. Cold path: set-up only.
 */
final class RemoteWrite2Bodies {
    private RemoteWrite2Bodies() {}

    static byte[] snappyV2(DecodedWriteRequest d) throws IOException {
        Map<String, Integer> symbols = new HashMap<>();
        ByteArrayOutputStream symbolBytes = new ByteArrayOutputStream();
        ref(symbols, symbolBytes, "");
        ByteArrayOutputStream series = new ByteArrayOutputStream();
        for (int s = 0; s < d.seriesCount(); s++) {
            ByteArrayOutputStream refs = new ByteArrayOutputStream();
            for (int l = d.seriesFirstLabel(s), end = l + d.seriesLabelCount(s); l < end; l++) {
                varint(refs, ref(symbols, symbolBytes, d.labelName(l)));
                varint(refs, ref(symbols, symbolBytes, d.labelValue(l)));
            }
            ByteArrayOutputStream ts = new ByteArrayOutputStream();
            field(ts, 1, refs.toByteArray());
            for (int i = d.seriesFirstSample(s), end = i + d.seriesSampleCount(s); i < end; i++) {
                ByteArrayOutputStream sample = new ByteArrayOutputStream();
                sample.write(1 << 3 | 1);
                long bits = Double.doubleToRawLongBits(d.value(i));
                for (int b = 0; b < 8; b++) {
                    sample.write((int) (bits >>> (8 * b)) & 0xFF);
                }
                sample.write(2 << 3);
                varint(sample, d.timestamp(i));
                field(ts, 2, sample.toByteArray());
            }
            field(series, 5, ts.toByteArray());
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        symbolBytes.writeTo(request);
        series.writeTo(request);
        return Snappy.compress(request.toByteArray());
    }

    private static int ref(Map<String, Integer> symbols, ByteArrayOutputStream out, String s) {
        Integer r = symbols.get(s);
        if (r == null) {
            r = symbols.size();
            symbols.put(s, r);
            field(out, 4, s.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    private static void field(ByteArrayOutputStream out, int field, byte[] content) {
        varint(out, (long) field << 3 | 2);
        varint(out, content.length);
        out.writeBytes(content);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
