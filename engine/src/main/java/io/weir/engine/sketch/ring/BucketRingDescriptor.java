package io.weir.engine.sketch.ring;

import io.weir.engine.sketch.SketchBlockDescriptor;

/**
 * Layout of the ring of time buckets every sketch family's block is built on: the ring header, the family's own
 * header fields, then {@code bucketCount} buckets of one family-chosen length, each starting with the ring's slot
 * header. Bucket {@code k} holds the samples with timestamps in {@code (k*W, (k+1)*W]} ms (left-open,
 * right-closed like PromQL windows) and lives in ring slot {@code floorMod(k, bucketCount)}.
 *
 * <pre>
 * Ring header (80 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        version (seqlock)  [SketchBlockDescriptor]             |  0
 *  +-------------------------------+-------------------------------+
 *  |          series id            |   family tag                  |  8
 *  +-------------------------------+-------------------------------+
 *  |                    bucket width W (ms)                        | 16
 *  +-------------------------------+-------------------------------+
 *  |         bucket count          | samples skipped: bucket full  | 24
 *  +-------------------------------+-------------------------------+
 *  |             newest bucket index k (absolute)                  | 32
 *  +---------------------------------------------------------------+
 *  |  coverage start: bucket of the first accepted sample, or EMPTY| 40
 *  +---------------------------------------------------------------+
 *  |        the family's per-sample parameters (16 bytes, its      | 48
 *  |        descriptor), on the same cache line as the above       |
 *  +---------------------------------------------------------------+
 *  |                 samples skipped: stale markers                | 64
 *  +---------------------------------------------------------------+
 *  |        samples skipped: older than the oldest bucket          | 72
 *  +---------------------------------------------------------------+
 *  |        the family's other header fields (its descriptor)      | 80
 *  +---------------------------------------------------------------+
 * Bucket i at bucketsOffset + i * bucketLength (both the family's; 8-aligned)
 *  +-------------------------------+-------------------------------+
 *  | tag: low 32 bits of bucket k  | sample count n (int, 0 = none)|  0
 *  +-------------------------------+-------------------------------+
 *  |        the family's bucket payload (its descriptor)           |  8
 *  +---------------------------------------------------------------+
 * </pre>
 * A slot holds bucket k when its count is > 0 and its tag equals {@code (int) k}. Live slots always hold buckets
 * less than 2^31 apart from the newest one (the ring sweeps expired slots in the rare case the newest bucket
 * crosses a multiple of 2^{@value #TAG_EPOCH_SHIFT}), so the 32-bit tag never confuses two buckets of the same
 * slot, and moving the ring forward costs O(1): a slot holding an older bucket simply reads as empty. A sample's
 * update reads only the first 64 bytes of the header (a cache line of a 64-byte aligned block), which is why the
 * family's per-sample parameters sit there and the skip counters, touched only by skipped samples, after them.
 */
public final class BucketRingDescriptor {
    /** Marks the newest bucket, the coverage start or a slot's bucket as never written. */
    public static final long EMPTY = Long.MIN_VALUE;

    public static final int VERSION_OFFSET = SketchBlockDescriptor.VERSION_OFFSET;
    public static final int SERIES_ID_OFFSET = SketchBlockDescriptor.SERIES_ID_OFFSET;
    public static final int FAMILY_OFFSET = SketchBlockDescriptor.FAMILY_OFFSET;
    public static final int BUCKET_WIDTH_OFFSET = SketchBlockDescriptor.HEADER_LENGTH;
    public static final int BUCKET_COUNT_OFFSET = BUCKET_WIDTH_OFFSET + 8;
    public static final int SKIPPED_FULL_OFFSET = BUCKET_COUNT_OFFSET + 4;
    public static final int NEWEST_BUCKET_OFFSET = BUCKET_COUNT_OFFSET + 8;
    public static final int COVERAGE_START_OFFSET = NEWEST_BUCKET_OFFSET + 8;
    /** Where the family's per-sample parameters start. */
    public static final int FAMILY_PARAMETERS_OFFSET = COVERAGE_START_OFFSET + 8;
    public static final int FAMILY_PARAMETERS_LENGTH = 16;
    public static final int SKIPPED_STALE_OFFSET = FAMILY_PARAMETERS_OFFSET + FAMILY_PARAMETERS_LENGTH;
    public static final int SKIPPED_TOO_OLD_OFFSET = SKIPPED_STALE_OFFSET + 8;
    /** Where a family's other header fields start. */
    public static final int HEADER_LENGTH = SKIPPED_TOO_OLD_OFFSET + 8;

    public static final int BUCKET_TAG_OFFSET = 0;
    public static final int BUCKET_SAMPLE_COUNT_OFFSET = 4;
    /** Where a family's bucket payload starts. */
    public static final int BUCKET_HEADER_LENGTH = 8;

    /** The newest bucket crossing a multiple of 2^this sweeps expired slots, so tags stay unambiguous. */
    public static final int TAG_EPOCH_SHIFT = 30;

    public static final int ALIGNMENT = SketchBlockDescriptor.ALIGNMENT;

    private BucketRingDescriptor() {
    }

    /** The bucket k whose span {@code (k*W, (k+1)*W]} holds {@code timestampMs}. */
    public static long bucketOf(long timestampMs, long widthMillis) {
        return Math.floorDiv(timestampMs - 1, widthMillis);
    }

    /** Offset of ring slot {@code slot} from the start of the block. */
    public static long slotOffset(long bucketsOffset, long bucketLength, int slot) {
        return bucketsOffset + slot * bucketLength;
    }

    /** Bytes of a block whose buckets start at {@code bucketsOffset}. */
    public static long blockLength(long bucketsOffset, long bucketLength, int bucketCount) {
        return bucketsOffset + bucketCount * bucketLength;
    }
}
