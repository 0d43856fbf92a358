package io.weir.engine.sketch.exact;

import static io.weir.engine.sketch.exact.ExactSamplesDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Walks the sample stream of an exact block, one sample at a time; owned by one thread. After {@link #start} or
 * {@link #next}, the fields hold the current sample and the decoder state after it, and {@link #pos} is where the
 * next sample's code starts: exactly what a block needs to carry on the stream from there ({@code compactInto}).
 */
final class StreamCursor {
    // unaligned: the same bytes, without the per-access alignment check (every offset here is 8-aligned anyway)
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private MemorySegment seg;
    private long data;
    private long limit;
    /** Words holding stream bits: a peek reads no further. */
    private long streamWords;
    /**
     * The stream's words {@code [wordBase, wordBase + BUFFER_WORDS)} copied to the heap: decoding reads them with
     * plain array loads instead of a bounds- and liveness-checked segment access per code, which was most of the
     * cost of a sample. Refilled (one bulk copy) when a code reaches past them.
     */
    private final long[] words = new long[BUFFER_WORDS];
    private long wordBase = Long.MIN_VALUE / 2;
    private static final int BUFFER_WORDS = 64;
    private int count;
    int index;
    long pos;
    long ts;
    long delta;
    long valueBits;
    int lead;
    int trail;
    /** Decimal scale of step codes: values step in units of 10^-scale ({@link DecimalStep}). */
    int scale;
    /** The current value in units of 10^-scale, while {@link #scaledValid}: step codes only add to it. */
    private long scaled;
    private boolean scaledValid;

    /** Positions on sample 0. @return false when the stream is empty */
    boolean start(MemorySegment segment, long base, int sampleCount, long bitLength) {
        if (!bind(segment, base, sampleCount, bitLength)) {
            return false;
        }
        ts = peek(0);
        valueBits = peek(64);
        delta = peek(128);
        long w = peek(192);
        lead = (int) (w >>> 58);
        trail = (int) ((w << 6) >>> 58);
        scale = (int) ((w << 12) >>> 61);
        scaledValid = false;
        pos = START_BITS;
        return true;
    }

    /**
     * Positions on sample {@code index} from a checkpoint (the decoder state after it), without decoding the samples
     * before. @return false when the stream is empty
     */
    boolean resume(MemorySegment segment, long base, int sampleCount, long bitLength, int index, long pos, long ts,
                   long delta, long valueBits, int lead, int trail, int scale) {
        // not start(): its decode of the stream's first sample would buffer the stream's first words for nothing
        if (!bind(segment, base, sampleCount, bitLength)) {
            return false;
        }
        this.index = index;
        this.pos = pos;
        this.ts = ts;
        this.delta = delta;
        this.valueBits = valueBits;
        this.lead = lead;
        this.trail = trail;
        this.scale = scale;
        this.scaledValid = false;
        return true;
    }

    /** Takes the stream, nothing buffered. @return false when it holds no sample */
    private boolean bind(MemorySegment segment, long base, int sampleCount, long bitLength) {
        this.seg = segment;
        this.data = base + DATA_OFFSET;
        // the prefix below the bit length is immutable while the block is published; the clamp only guards corruption
        this.limit = Math.min(bitLength, (long) segment.get(ValueLayout.JAVA_INT, base + CAPACITY_OFFSET) * 8);
        this.streamWords = (limit + 63) >>> 6;
        this.wordBase = Long.MIN_VALUE / 2; // nothing buffered: a new stream, or the same one grown
        this.count = sampleCount;
        this.index = 0;
        return sampleCount > 0 && limit >= START_BITS;
    }

    /**
     * Moves to the next sample. @return false at the end of the stream
     *
     * <p>Reads the stream 64 bits at a time ({@link #peek}) and takes each code's prefix from the count of leading
     * one bits, instead of reading it bit by bit: a sample costs two or three word reads, which is what a range
     * query's decode of whole blocks is made of.
     */
    boolean next() {
        if (index + 1 >= count || pos >= limit) {
            return false;
        }
        long p = pos;
        long w = peek(p);
        int ones = Long.numberOfLeadingZeros(~w);
        long z;
        // the word read for the timestamp code also holds the value code after it: a regular scrape's 1-bit code
        // leaves 63 of its bits, enough for every value code's prefix and most codes whole (one stream read a sample)
        int valid = 0;
        switch (ones) {
            case 0 -> { z = 0; p += 1; valid = 63; }
            case 1 -> { z = (w << 2) >>> 57; p += 9; }
            case 2 -> { z = (w << 3) >>> 55; p += 12; }
            case 3 -> { z = (w << 4) >>> 52; p += 16; }
            case 4 -> { z = (w << 5) >>> 32; p += 37; }
            default -> { z = peek(p + 5); p += 69; }
        }
        delta += (z >>> 1) ^ -(z & 1);
        ts += delta;
        if (valid == 63) {
            w <<= 1;
        } else {
            w = peek(p);
            valid = 64;
        }
        ones = Long.numberOfLeadingZeros(~w);
        if (ones == 0) {
            p += 1;
        } else if (ones == 1) {
            int meaningful = 64 - lead - trail;
            valueBits ^= field(w, valid, p, 2, meaningful) << trail;
            p += 2 + meaningful;
            scaledValid = false;
        } else if (ones == 2) {
            long head = (w << 3) >>> 53;
            lead = (int) (head >>> 6);
            int meaningful = (int) (head & 63) + 1;
            trail = Math.max(0, 64 - lead - meaningful);
            valueBits ^= field(w, valid, p, 14, meaningful) << trail;
            p += 14 + meaningful;
            scaledValid = false;
        } else {
            // a step code (DecimalStep): 8, 16 or 32 bits at the current scale, or a new scale and then the step
            long step;
            if (ones == 3) {
                step = (w << 4) >>> 56;
                p += 12;
            } else if (ones == 4) {
                step = (w << 5) >>> 48;
                p += 21;
            } else if (ones == 5) {
                step = (w << 6) >>> 32;
                p += 38;
            } else {
                scale = (int) ((w << 6) >>> 61);
                scaledValid = false;
                long rest = w << 9;
                if (rest >= 0) {
                    step = (rest << 1) >>> 56;
                    p += 18;
                } else if (rest << 1 >= 0) {
                    step = (rest << 2) >>> 48;
                    p += 27;
                } else {
                    step = (rest << 2) >>> 32;
                    p += 43;
                }
            }
            if (!scaledValid) {
                scaled = DecimalStep.scaled(Double.longBitsToDouble(valueBits), scale);
                scaledValid = true;
            }
            scaled += (step >>> 1) ^ -(step & 1);
            valueBits = Double.doubleToRawLongBits(DecimalStep.value(scaled, scale));
        }
        pos = p;
        index++;
        return true;
    }

    /** The 64 bits at bit {@code at} of the stream (bits past its last word read as zeros). */
    private long peek(long at) {
        long i = (at >>> 6) - wordBase;
        if (i < 0 || i + 1 >= BUFFER_WORDS) {
            refill(at >>> 6);
            i = 0;
        }
        int used = (int) (at & 63);
        long v = words[(int) i];
        if (used == 0) {
            return v;
        }
        return (v << used) | (words[(int) i + 1] >>> (64 - used));
    }

    /** Buffers the stream's words from {@code word} on (zeros past the stream's end). */
    private void refill(long word) {
        int n = (int) Math.max(0, Math.min(BUFFER_WORDS, streamWords - word));
        MemorySegment.copy(seg, LONG, data + word * 8, words, 0, n);
        java.util.Arrays.fill(words, n, BUFFER_WORDS, 0L);
        wordBase = word;
    }

    /**
     * The {@code n} (1..64) bits at {@code skip} bits into the code at {@code p} whose first {@code valid} (63 or 64)
     * bits are the high bits of {@code w}.
     */
    private long field(long w, int valid, long p, int skip, int n) {
        if (skip + n <= valid) {
            return (w << skip) >>> (64 - n);
        }
        return peek(p + skip) >>> (64 - n);
    }

    /** The {@code n} (1..64) bits at bit {@code at} of a stream, most significant first (the writer's bit copy). */
    static long bits(MemorySegment seg, long data, long at, int n) {
        long addr = data + (at >>> 6) * 8;
        int used = (int) (at & 63);
        long v = seg.get(LONG, addr) << used;
        if (used + n > 64) {
            v |= seg.get(LONG, addr + 8) >>> (64 - used);
        }
        return v >>> (64 - n);
    }
}
