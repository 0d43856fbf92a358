package io.weir.engine.series;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * 128-bit hash of a label set, for one thread at a time (a mutable accumulator: {@link #hi()} and {@link #lo()}
 * hold the result of the last hash call, so the hot path returns two longs without allocating).
 * <p>
 * The hash is defined over the label set as a sequence of labels, each fed as one word holding both lengths
 * (name length in the high half, value length in the low half) and then the name's and the value's bytes in
 * little-endian 8-byte words (each tail zero-padded). Hashing the spans of a decoded request and hashing the
 * {@link CanonicalLabels} bytes therefore give the same result. {@link #hashEncoded} is a second kind of key, over
 * any bytes that determine a label set (the remote write decoder's: the series' label fields as they came).
 * <p>
 * Two lanes of 64 bits, each a multiply-rotate-multiply mix with its own constants (per word, each lane's
 * update is a bijection of the word, so two sets that differ in one word never collide in that lane), joined
 * by a reversible final avalanche. Values are stable within one process only (random seeds). Treating the result as uniformly random, n distinct series collide with
 * probability about n^2 / 2^129: 1e9 series give ~1.5e-21, which is why the front cache does not compare bytes.
 */
public final class LabelSetHash implements CanonicalLabels.Visitor {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Seeds drawn once per process: the hashes live only in memory (never persisted or sent), and a seed a sender
     * cannot know keeps crafted label sets from piling into one probe chain of the front cache.
     */
    private static final long SEED_1;
    private static final long SEED_2;
    /** {@link #hashEncoded}'s own seeds: a set's encoded bytes and another set's spans may feed the same words */
    private static final long ENCODED_SEED_1;
    private static final long ENCODED_SEED_2;

    static {
        java.security.SecureRandom random = new java.security.SecureRandom();
        SEED_1 = random.nextLong();
        SEED_2 = random.nextLong();
        ENCODED_SEED_1 = random.nextLong();
        ENCODED_SEED_2 = random.nextLong();
    }
    private static final long K_1 = 0x9E3779B97F4A7C15L;
    private static final long K_2 = 0xBF58476D1CE4E5B9L;
    private static final long K_3 = 0x94D049BB133111EBL;
    private static final long K_4 = 0xD6E8FEB86659FD93L;

    private long h1;
    private long h2;

    /** Hashes labels first..first+count-1 given as spans of {@code buf}; result in {@link #hi()}, {@link #lo()}. */
    public void hashSpans(byte[] buf, int[] nameOff, int[] nameLen, int[] valueOff, int[] valueLen, int first, int count) {
        h1 = SEED_1;
        h2 = SEED_2;
        for (int i = first, end = first + count; i < end; i++) {
            label(buf, nameOff[i], nameLen[i], valueOff[i], valueLen[i]);
        }
        finish();
    }

    /** Hashes a {@link CanonicalLabels} encoding; equals {@link #hashSpans} of the same labels. */
    void hashCanonical(byte[] canonical, int off, int len) {
        h1 = SEED_1;
        h2 = SEED_2;
        CanonicalLabels.forEach(canonical, off, len, this);
        finish();
    }

    /**
     * Hashes bytes that determine a label set, such as the label fields of a remote write TimeSeries as they came on
     * the wire: a key for the set that costs one pass over contiguous bytes. Seeded apart from {@link #hashSpans}, so
     * the two kinds of key name different sets only by 128-bit chance; the same set in two encodings gets two keys.
     */
    public void hashEncoded(byte[] buf, int off, int len) {
        h1 = ENCODED_SEED_1;
        h2 = ENCODED_SEED_2;
        word(len);
        bytes(buf, off, len);
        finish();
    }

    @Override
    public void label(byte[] buf, int nameOff, int nameLen, int valueOff, int valueLen) {
        // the lengths delimit fields: ("ab","c") and ("a","bc") differ; one word carries both
        word(((long) nameLen << 32) | (valueLen & 0xFFFF_FFFFL));
        bytes(buf, nameOff, nameLen);
        bytes(buf, valueOff, valueLen);
    }

    public long hi() { return h1; }

    public long lo() { return h2; }

    private void bytes(byte[] buf, int off, int len) {
        int pos = off;
        int end = off + len;
        for (; pos <= end - Long.BYTES; pos += Long.BYTES) {
            word((long) LONG_LE.get(buf, pos));
        }
        int rest = end - pos;
        if (rest == 0) {
            return;
        }
        if (pos + Long.BYTES <= buf.length) {
            // read a whole word past the field (still inside the array) and keep only the field's bytes: spans sit
            // in the middle of a request buffer, so this is the common case and avoids a byte-by-byte loop
            word((long) LONG_LE.get(buf, pos) & (-1L >>> (64 - 8 * rest)));
        } else {
            long tail = 0;
            for (int shift = 0; pos < end; pos++, shift += 8) {
                tail |= (buf[pos] & 0xFFL) << shift;
            }
            word(tail);
        }
    }

    private void word(long w) {
        h1 = Long.rotateLeft(h1 ^ (w * K_1), 29) * K_2;
        h2 = Long.rotateLeft(h2 + (w * K_3), 37) * K_4;
    }

    private void finish() {
        long a = h1 + h2;
        long b = h2 + a;
        a = avalanche(a);
        b = avalanche(b);
        h1 = a + b;
        h2 = b + h1;
    }

    /** Stafford's variant 13 of the 64-bit finaliser: a bijection with full avalanche. */
    private static long avalanche(long z) {
        z = (z ^ (z >>> 30)) * K_2;
        z = (z ^ (z >>> 27)) * K_3;
        return z ^ (z >>> 31);
    }
}
