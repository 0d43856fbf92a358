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
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private MemorySegment seg;
    private long data;
    private long limit;
    private int count;
    int index;
    long pos;
    long ts;
    long delta;
    long valueBits;
    int lead;
    int trail;

    /** Positions on sample 0. @return false when the stream is empty */
    boolean start(MemorySegment segment, long base, int sampleCount, long bitLength) {
        this.seg = segment;
        this.data = base + DATA_OFFSET;
        // the prefix below the bit length is immutable while the block is published; the clamp only guards corruption
        this.limit = Math.min(bitLength, (long) segment.get(ValueLayout.JAVA_INT, base + CAPACITY_OFFSET) * 8);
        this.count = sampleCount;
        this.index = 0;
        if (sampleCount <= 0 || limit < START_BITS) {
            return false;
        }
        ts = get(0, 64);
        valueBits = get(64, 64);
        delta = get(128, 64);
        lead = (int) get(192, 6);
        trail = (int) get(198, 6);
        pos = START_BITS;
        return true;
    }

    /** Moves to the next sample. @return false at the end of the stream */
    boolean next() {
        if (index + 1 >= count || pos >= limit) {
            return false;
        }
        long p = pos;
        long z;
        if (get(p, 1) == 0) {
            z = 0;
            p += 1;
        } else if (get(p + 1, 1) == 0) {
            z = get(p + 2, 7);
            p += 9;
        } else if (get(p + 2, 1) == 0) {
            z = get(p + 3, 9);
            p += 12;
        } else if (get(p + 3, 1) == 0) {
            z = get(p + 4, 12);
            p += 16;
        } else if (get(p + 4, 1) == 0) {
            z = get(p + 5, 32);
            p += 37;
        } else {
            z = get(p + 5, 64);
            p += 69;
        }
        delta += (z >>> 1) ^ -(z & 1);
        ts += delta;
        if (get(p, 1) == 0) {
            p += 1;
        } else if (get(p + 1, 1) == 0) {
            int meaningful = 64 - lead - trail;
            valueBits ^= get(p + 2, meaningful) << trail;
            p += 2 + meaningful;
        } else if (get(p + 2, 1) == 0) {
            long head = get(p + 3, 11);
            lead = (int) (head >>> 6);
            int meaningful = (int) (head & 63) + 1;
            trail = Math.max(0, 64 - lead - meaningful);
            valueBits ^= get(p + 14, meaningful) << trail;
            p += 14 + meaningful;
        } else {
            long step;
            if (get(p + 3, 1) == 0) {
                step = get(p + 4, 8);
                p += 12;
            } else if (get(p + 4, 1) == 0) {
                step = get(p + 5, 16);
                p += 21;
            } else {
                step = get(p + 5, 32);
                p += 37;
            }
            long d = (step >>> 1) ^ -(step & 1);
            valueBits = Double.doubleToRawLongBits((double) ((long) Double.longBitsToDouble(valueBits) + d));
        }
        pos = p;
        index++;
        return true;
    }

    /** The {@code n} (1..64) bits at bit {@code at} of the stream, most significant first. */
    private long get(long at, int n) {
        return bits(seg, data, at, n);
    }

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
