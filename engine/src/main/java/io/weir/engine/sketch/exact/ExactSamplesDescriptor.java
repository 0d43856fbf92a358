package io.weir.engine.sketch.exact;

import io.weir.engine.sketch.SketchBlockDescriptor;

/**
 * Layout of an exact-samples block: the raw samples of one series' window, compressed as a Gorilla stream
 * (delta-of-delta timestamps, XOR values), kept while that is smaller than the sketches the series would need.
 * Every function is answered exactly from it. The stream is append-only: bits below the bit length never change
 * while the block is published, so a reader needs the seqlock only for the header fields (count, bit length,
 * ranges); expired samples leave when the writer rebuilds the block into a new one.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        version (seqlock)  [SketchBlockDescriptor]             |   0
 *  +-------------------------------+-------------------------------+
 *  |          series id            |   family tag (EXACT_TAG)      |   8
 *  +-------------------------------+-------------------------------+
 *  |   window W (ms): samples at or before newest - W are too old  |  16
 *  +-------------------------------+-------------------------------+
 *  |   data capacity (bytes)       |   sample count                |  24
 *  +-------------------------------+-------------------------------+
 *  |                 stream length (bits)                          |  32
 *  +---------------------------------------------------------------+
 *  |  coverage start: first accepted sample's ts - 1, or EMPTY     |  40
 *  +---------------------------------------------------------------+
 *  |  retained start: every accepted sample after it is held       |  48
 *  +---------------------------------------------------------------+
 *  |                 newest sample timestamp                       |  56
 *  +---------------------------------------------------------------+
 *  |   encoder: previous timestamp            (writer only)        |  64
 *  +---------------------------------------------------------------+
 *  |   encoder: previous timestamp delta      (writer only)        |  72
 *  +---------------------------------------------------------------+
 *  |   encoder: previous value bits           (writer only)        |  80
 *  +-------------------------------+-------------------------------+
 *  | enc: leading zeros, -1 = none | enc: trailing   | enc: decimal|  88
 *  |                               | zeros (short)   | scale(short)|
 *  +-------------------------------+-------------------------------+
 *  | family mask (bit = ordinal)   | measure sketches at: bytes    |  96
 *  +-------------------------------+-------------------------------+
 *  |           samples skipped: older than the window              | 104
 *  +---------------------------------------------------------------+
 *  |   oldest sample timestamp in the stream    (writer only)      | 112
 *  +-------------------------------+-------------------------------+
 *  | samples per      | first        | in order: 1 while no sample   | 120
 *  | checkpoint (C)   | checkpointed | came before an earlier one    |
 *  | (short)          | sample F     |                               |
 *  +-------------------------------+-------------------------------+
 *  |   stream: 64-bit words, bits most significant first ...       | 128
 *  |   ... free ...                                                |
 *  |   checkpoint j-1 ... checkpoint 1, checkpoint 0 (72 bytes each, |
 *  |   from the end of the data capacity downwards)                |
 * </pre>
 * Checkpoint {@code j} is the decoder state after sample {@code F + jC}: the stream position of the next
 * sample's code with the leading/trailing zero window and the decimal scale
 * ({@code pos | lead << 48 | trail << 54 | scale << 60}), that sample's
 * timestamp, timestamp delta and value bits. A reader whose window starts late in an in-order stream resumes
 * decoding at the last checkpoint at or before the window instead of at the first sample, and stops at the first
 * sample after the window, so a read costs the window's samples (plus at most C), not the block's. Written by the
 * writer before the sample that follows it is counted, so a reader sees every checkpoint its count implies.
 *
 * <p>Once checkpoint {@code j + 1} exists, checkpoint {@code j} also carries the <em>moments of its chunk</em>, the
 * C samples after it up to and including checkpoint {@code j + 1}'s ({@link SampleMoments}: their compensated sum,
 * the sum of their squared deviations from their mean, min and max; min NaN when a sample is not finite). In an
 * in-order stream such a chunk holds exactly the samples with timestamps in {@code (ts_j, ts_j+1]}, so an aggregate
 * read of a long window merges the moments of the chunks the window holds whole and decodes only its two ends: a
 * 5 h window of 1 s samples costs ~70 merges and at most 2C decoded samples instead of 18,000 decoded samples. The
 * writer lays them when it lays checkpoint {@code j + 1} (one more decode of C samples every C appends); they cost
 * 40 bytes per C samples (0.16 bytes a sample at C = 256). From chunk
 * {@code ExactSamplesFlyweight.RUNNING_MOMENTS_FROM} on, the last checkpoint's moments are those of the <em>open</em>
 * chunk (the samples after it so far), updated by every append under the seqlock, and become the closed chunk's as
 * they stand when the next checkpoint is laid: a read whose window ends at or after the newest sample (an instant
 * query at the current time) takes them instead of decoding up to C samples.
 * <pre>
 *  checkpoint: | next code's position, lead, trail, scale | ts | ts delta | value bits |    0..31
 *              | chunk sum (hi, lo) | squared deviations | min | max |                    32..71
 * </pre>
 * Stream encoding: a start ({@link #START_BITS}: the first sample raw and the decoder state after it), then per
 * sample:
 * <ul>
 *   <li>timestamp: zigzag(delta - previous delta) as {@code 0} | {@code 10}+7 | {@code 110}+9 | {@code 1110}+12 |
 *       {@code 11110}+32 | {@code 11111}+64 bits; any order of timestamps encodes;</li>
 *   <li>value: x = bits XOR previous bits, {@code 0} when x = 0, {@code 10}+meaningful bits when x's set bits lie
 *       within the previous leading/trailing window, {@code 110}+5 bits leading zeros+6 bits (length - 1)+bits for
 *       a new window, or, where shorter, {@code 111} and a step code ({@link DecimalStep}): the zigzag step from the
 *       previous value in units of 10^-s, s the stream's decimal scale, as {@code 0}+8 | {@code 10}+16 |
 *       {@code 110}+32 bits, or {@code 111}+3 bits of a new scale+{@code 0}+8 | {@code 10}+16 | {@code 11}+32
 *       (counters with varying increments at s = 0; gauges exported as decimal text at s = 1, 2, ...).</li>
 * </ul>
 */
public final class ExactSamplesDescriptor {
    /** Family tag of exact blocks (not a {@code SketchFunction.Family}: the tier serves every family). */
    public static final int EXACT_TAG = 0x45;
    /**
     * Family-mask bit of a <em>tail</em>: the exact samples of a promoted series' last few minutes, kept beside its
     * sketches (which answer the rest) so that short recent windows stay exact. Its window field is the tail's span.
     */
    public static final int TAIL_BIT = 1 << 16;
    public static final long EMPTY = Long.MIN_VALUE;

    public static final int VERSION_OFFSET = SketchBlockDescriptor.VERSION_OFFSET;
    public static final int SERIES_ID_OFFSET = SketchBlockDescriptor.SERIES_ID_OFFSET;
    public static final int FAMILY_OFFSET = SketchBlockDescriptor.FAMILY_OFFSET;
    public static final int WINDOW_OFFSET = 16;
    public static final int CAPACITY_OFFSET = 24;
    public static final int COUNT_OFFSET = 28;
    public static final int BIT_LENGTH_OFFSET = 32;
    public static final int COVERAGE_START_OFFSET = 40;
    public static final int RETAINED_START_OFFSET = 48;
    public static final int NEWEST_OFFSET = 56;
    public static final int PREV_TS_OFFSET = 64;
    public static final int PREV_DELTA_OFFSET = 72;
    public static final int PREV_BITS_OFFSET = 80;
    public static final int PREV_LEADING_OFFSET = 88;
    public static final int PREV_TRAILING_OFFSET = 92;
    public static final int VALUE_SCALE_OFFSET = 94;
    public static final int FAMILY_MASK_OFFSET = 96;
    public static final int PROMOTE_BYTES_OFFSET = 100;
    public static final int SKIPPED_TOO_OLD_OFFSET = 104;
    public static final int OLDEST_OFFSET = 112;
    public static final int CHECKPOINT_EVERY_OFFSET = 120;
    public static final int CHECKPOINT_FIRST_OFFSET = 122;
    public static final int IN_ORDER_OFFSET = 124;
    public static final int HEADER_LENGTH = 128;
    public static final int DATA_OFFSET = HEADER_LENGTH;

    /**
     * Bits of the stream's start: the first sample (64-bit timestamp, 64-bit value bits) and the decoder state after
     * it (64-bit timestamp delta, 6-bit leading zeros, 6-bit trailing zeros, 3-bit decimal scale), so a compaction
     * can start a stream at any sample and copy the codes that follow it unchanged.
     */
    public static final int START_BITS = 64 + 64 + 64 + 6 + 6 + 3;

    /** Upper bound of one encoded sample in bits (5 + 64 timestamp, 3 + 5 + 6 + 64 value), rounded up. */
    public static final int MAX_SAMPLE_BITS = 160;

    /** Samples between checkpoints: a read decodes at most this many samples before its window. */
    public static final int CHECKPOINT_EVERY = 256;
    public static final int CHECKPOINT_LENGTH = 72;
    public static final int CHECKPOINT_POS_OFFSET = 0;
    public static final int CHECKPOINT_TS_OFFSET = 8;
    public static final int CHECKPOINT_DELTA_OFFSET = 16;
    public static final int CHECKPOINT_BITS_OFFSET = 24;
    /** The moments of the chunk after the checkpoint: its compensated sum (hi, lo), ... */
    public static final int CHUNK_SUM_HI_OFFSET = 32;
    public static final int CHUNK_SUM_LO_OFFSET = 40;
    /** ... the sum of its squared deviations from its mean (the sum over C), its min and max (NaN: no moments). */
    public static final int CHUNK_DEV2_OFFSET = 48;
    public static final int CHUNK_MIN_OFFSET = 56;
    public static final int CHUNK_MAX_OFFSET = 64;
    /** Doubles of a chunk's moments, from {@link #CHUNK_SUM_HI_OFFSET} on (the order {@link ExactWindow} keeps them in). */
    public static final int CHUNK_MOMENTS = 5;
    public static final long CHECKPOINT_POS_MASK = (1L << 48) - 1;

    private ExactSamplesDescriptor() {
    }

    /**
     * Checkpoints a stream of {@code count} samples carries: one after sample {@code first + jC} for each such sample
     * that another follows ({@code first} is C - 1 in a stream laid out from its start; an in-order compaction
     * keeps the checkpoints it cut past, so it can be anything in [0, C - 1]).
     */
    public static int checkpoints(int count, int every, int first) {
        return every <= 0 || count - 2 < first ? 0 : (count - 2 - first) / every + 1;
    }

    /** Offset of checkpoint {@code j} from the block start, for a data capacity of {@code capacityBytes}. */
    public static long checkpointOffset(int capacityBytes, int j) {
        return DATA_OFFSET + capacityBytes - (long) (j + 1) * CHECKPOINT_LENGTH;
    }

    /** Block bytes for a stream of {@code bits} bits and {@code checkpoints} checkpoints: header, whole words, checkpoints. */
    public static long blockLength(long bits, int checkpoints) {
        return HEADER_LENGTH + ((bits + 63) >>> 6) * 8 + (long) checkpoints * CHECKPOINT_LENGTH;
    }
}
