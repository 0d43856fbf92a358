package io.weir.engine.sketch.ring;

import static io.weir.engine.sketch.ring.BucketRingDescriptor.*;

import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction;
import io.weir.engine.sketch.slab.SeqLock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.LongToIntFunction;

/**
 * Typed access to the ring of time buckets laid out by {@link BucketRingDescriptor}; each family's flyweight extends
 * it with its header fields and bucket payload, as Aeron's data header extends its frame header.
 *
 * <p>The writer methods ({@link #initRing}, {@link #locate}, {@link #place}, {@link #countStale}) are for the series'
 * shard writer thread only; the window cursor ({@link #openWindow}, {@link #nextBucket}) and the header getters may
 * run on any thread, inside a seqlock read. An instance holds (segment, offset), the family's bucket geometry, the
 * writer's placement of the sample being added and a reader's cursor, so each thread uses its own instance.
 *
 * <p>Ring rules shared by every family: stale markers are skipped and counted; a sample in a bucket older than the
 * ring is skipped and counted; an out-of-order sample in a retained bucket joins it; a newer sample moves the ring
 * forward, and the slot it lands on starts afresh when it held an older bucket (expiry is lazy, O(1)); a bucket at
 * 2^31 - 1 samples refuses more (counted).
 */
public abstract class BucketRingFlyweight {
    public static final int APPLIED = 0;
    public static final int SKIPPED_STALE = 1;
    public static final int SKIPPED_TOO_OLD = 2;
    /** The sample's bucket already holds 2^31 - 1 samples (only reachable with many samples per millisecond). */
    public static final int SKIPPED_BUCKET_FULL = 3;
    /**
     * The sample's bucket needs a larger table than the block has, and the block may grow (its family's spec allows
     * more): nothing was written. The writer copies the block into a larger one and adds the sample there.
     */
    public static final int NEEDS_ROOM = 4;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Opaque access for counters that change outside the seqlock. */
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT_COUNTER = ValueLayout.JAVA_INT.varHandle();

    private MemorySegment segment;
    private long offset;
    private long bucketsOffset;
    private long bucketLength;

    // the writer's placement of the sample being added, from locate to place
    private long placedBucket;
    private long placedSlot;
    private int placedCount;
    private long placedNewest;
    private boolean placedFirst;

    // a reader's window cursor
    private long cursorNext;
    private long cursorLast;
    private int cursorSlot;
    private int cursorBuckets;
    private long cursorBucket;
    private long cursorSlotAddress;

    /** Points at the block at {@code offset}, whose buckets of {@code bucketLength} bytes start at {@code bucketsOffset}. */
    protected final void wrapRing(MemorySegment segment, long offset, long bucketsOffset, long bucketLength) {
        this.segment = segment;
        this.offset = offset;
        this.bucketsOffset = bucketsOffset;
        this.bucketLength = bucketLength;
    }

    public final MemorySegment segment() { return segment; }

    public final long offset() { return offset; }

    /** Absolute offset in {@link #segment()} of ring slot {@code slot}. */
    public final long slotAddress(int slot) { return offset + slotOffset(bucketsOffset, bucketLength, slot); }

    /** Writer only, before the block is published: an empty ring (the family writes its own header fields). */
    protected final void initRing(int seriesId, SketchFunction.Family family, long bucketWidthMillis, int bucketCount) {
        final MemorySegment seg = segment;
        SeqLock.initialise(seg, offset + VERSION_OFFSET);
        seg.set(INT, offset + SERIES_ID_OFFSET, seriesId);
        seg.set(INT, offset + FAMILY_OFFSET, SketchBlockDescriptor.familyTag(family));
        seg.set(LONG, offset + BUCKET_WIDTH_OFFSET, bucketWidthMillis);
        seg.set(INT, offset + BUCKET_COUNT_OFFSET, bucketCount);
        seg.set(INT, offset + SKIPPED_FULL_OFFSET, 0);
        seg.set(LONG, offset + NEWEST_BUCKET_OFFSET, EMPTY);
        seg.set(LONG, offset + COVERAGE_START_OFFSET, EMPTY);
        seg.set(LONG, offset + SKIPPED_STALE_OFFSET, 0L);
        seg.set(LONG, offset + SKIPPED_TOO_OLD_OFFSET, 0L);
        for (int i = 0; i < bucketCount; i++) {
            seg.set(INT, slotAddress(i) + BUCKET_TAG_OFFSET, 0);
            seg.set(INT, slotAddress(i) + BUCKET_SAMPLE_COUNT_OFFSET, 0);
        }
    }

    // ---- header --------------------------------------------------------------------------------

    public final long version() { return SeqLock.version(segment, offset + VERSION_OFFSET); }

    public final int seriesId() { return segment.get(INT, offset + SERIES_ID_OFFSET); }

    public final int familyTag() { return segment.get(INT, offset + FAMILY_OFFSET); }

    public final long bucketWidthMillis() { return segment.get(LONG, offset + BUCKET_WIDTH_OFFSET); }

    public final int bucketCount() { return segment.get(INT, offset + BUCKET_COUNT_OFFSET); }

    /** Plain load: the writer's view, or a reader's inside a seqlock read. */
    public final long newestBucket() { return segment.get(LONG, offset + NEWEST_BUCKET_OFFSET); }

    /** Bucket of the first accepted sample, or {@link BucketRingDescriptor#EMPTY}; plain load as {@link #newestBucket}. */
    public final long coverageStartBucket() { return segment.get(LONG, offset + COVERAGE_START_OFFSET); }

    /** The oldest bucket the ring retains, given a consistent coverage start (not EMPTY) and newest bucket. */
    public final long oldestBucket(long coverageStart, long newest) {
        return Math.max(coverageStart, newest - bucketCount() + 1);
    }

    /** Tells {@code out} what the ring retains, given a consistent coverage start (not EMPTY) and newest bucket. */
    public final void retained(long coverageStart, long newest, WindowCoverage out) {
        final long width = bucketWidthMillis();
        out.range(coverageStart * width, oldestBucket(coverageStart, newest) * width, (newest + 1) * width);
    }

    public final long skippedStale() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_STALE_OFFSET); }

    public final long skippedTooOld() { return (long) COUNTER.getOpaque(segment, offset + SKIPPED_TOO_OLD_OFFSET); }

    public final int skippedBucketFull() { return (int) INT_COUNTER.getOpaque(segment, offset + SKIPPED_FULL_OFFSET); }

    /** Writer's view: the bucket k ring slot {@code slot} holds, or {@link BucketRingDescriptor#EMPTY} when none. */
    public final long bucketIndex(int slot) {
        long b = slotAddress(slot);
        if (segment.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) <= 0) {
            return EMPTY;
        }
        long newest = newestBucket();
        return newest - ((int) newest - segment.get(INT, b + BUCKET_TAG_OFFSET));
    }

    /** Writer's view: the samples ring slot {@code slot} holds (0 when none). */
    public final long bucketSampleCount(int slot) {
        return segment.get(INT, slotAddress(slot) + BUCKET_SAMPLE_COUNT_OFFSET);
    }

    /** Writer's view: whether ring slot {@code slot} holds a bucket at or after {@code oldestLive} (a window can reach it). */
    public final boolean isLive(int slot, long oldestLive) {
        long k = bucketIndex(slot);
        return k != EMPTY && k >= oldestLive;
    }

    // ---- writer ---------------------------------------------------------------------------------

    /**
     * Writer only: the largest {@code measure} of a live bucket (given its slot's address), the ring as it stands
     * before the sample that starts a bucket: the bucket that sample expires counts until the next one starts, so a
     * block resized to fit every live bucket holds every bucket a reader can reach. A family's shrink look.
     */
    /**
     * Writer only: whether the sample that starts a bucket should look whether the block may shrink -- once a ring (the
     * bucket starting is a multiple of the ring's length), as the look reads every bucket's header.
     */
    protected final boolean shrinkLookDue() {
        return placedBucket() % bucketCount() == 0;
    }

    /**
     * The shrink rule both resizable families follow: the widest live bucket uses less than half of the block's
     * {@code current} counters or slots, and a block sized for it takes at most 3/4 of the bytes -- then the smaller
     * block's slab class (at most 5/4 of it) holds fewer than this block, and the block it becomes does not ask to
     * shrink again at once.
     */
    protected static boolean shrinkPays(int widest, int current, long targetBytes, long currentBytes) {
        return 2L * widest < current && 4 * targetBytes <= 3 * currentBytes;
    }

    protected final int maxOverLiveBuckets(LongToIntFunction measure) {
        final int buckets = bucketCount();
        final long oldestLive = newestBucket() - buckets + 1;
        int widest = 0;
        for (int i = 0; i < buckets; i++) {
            if (isLive(i, oldestLive)) {
                widest = Math.max(widest, measure.applyAsInt(slotAddress(i)));
            }
        }
        return widest;
    }

    /** A family's part of copying one bucket a window can reach into a block whose buckets have another length. */
    @FunctionalInterface
    protected interface BucketPayloadCopy {
        /** Copies the payload of the bucket at {@code src} in {@link #segment()} (ring slot {@code slot}) to {@code dst}. */
        void copy(int slot, long src, MemorySegment dstSegment, long dst);
    }

    /**
     * Writer only, no write in progress: lays this ring out again at {@code dstOffset} of {@code dst} (not yet
     * published) with buckets of {@code toBucketLength} bytes (a family's tables resized): the block header
     * ({@code headerLength} bytes) and each bucket's first {@code bucketHeaderLength} bytes as they are, the rest of a
     * bucket a window can reach through {@code payload}; slots none can reach (never used, or expired) are left empty,
     * so their old contents never matter. The family then writes its new table size into the copied header.
     */
    protected final void copyRingInto(MemorySegment dst, long dstOffset, int headerLength, long bucketHeaderLength,
                                      long toBucketLength, BucketPayloadCopy payload) {
        final MemorySegment seg = segment;
        final int buckets = bucketCount();
        final long oldestLive = newestBucket() - buckets + 1;
        MemorySegment.copy(seg, offset, dst, dstOffset, headerLength);
        for (int i = 0; i < buckets; i++) {
            long s = slotAddress(i);
            long d = dstOffset + slotOffset(bucketsOffset, toBucketLength, i);
            MemorySegment.copy(seg, s, dst, d, bucketHeaderLength);
            if (isLive(i, oldestLive)) {
                payload.copy(i, s, dst, d);
            } else {
                dst.set(INT, d + BUCKET_SAMPLE_COUNT_OFFSET, 0);
            }
        }
    }

    /** Writer only: counts a stale marker, which is no sample. @return {@link #SKIPPED_STALE} */
    protected final int countStale() {
        COUNTER.setOpaque(segment, offset + SKIPPED_STALE_OFFSET, (long) COUNTER.get(segment, offset + SKIPPED_STALE_OFFSET) + 1);
        return SKIPPED_STALE;
    }

    /**
     * Writer only, before the write section: finds the slot of the bucket that takes a sample at {@code timestampMs}
     * ({@link #placedSlot}, {@link #placedBucket}, {@link #startsBucket}), or counts why it cannot.
     *
     * @return {@link #APPLIED} when the sample can be placed, else {@link #SKIPPED_TOO_OLD} or {@link #SKIPPED_BUCKET_FULL}
     */
    protected final int locate(long timestampMs) {
        final MemorySegment seg = segment;
        final long base = offset;
        final long width = seg.get(LONG, base + BUCKET_WIDTH_OFFSET);
        final int buckets = seg.get(INT, base + BUCKET_COUNT_OFFSET);
        final long k = bucketOf(timestampMs, width);
        final long newest = seg.get(LONG, base + NEWEST_BUCKET_OFFSET);
        final boolean first = seg.get(LONG, base + COVERAGE_START_OFFSET) == EMPTY;
        if (!first && k <= newest - buckets) {
            COUNTER.setOpaque(seg, base + SKIPPED_TOO_OLD_OFFSET, (long) COUNTER.get(seg, base + SKIPPED_TOO_OLD_OFFSET) + 1);
            return SKIPPED_TOO_OLD;
        }
        final long b = base + slotOffset(bucketsOffset, bucketLength, Math.floorMod(k, buckets));
        final int n = seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
        // k <= newest first: before a sweep, a slot may still hold a bucket 2^32 older with the same tag
        final boolean same = k <= newest && n > 0 && seg.get(INT, b + BUCKET_TAG_OFFSET) == (int) k;
        if (same && n == Integer.MAX_VALUE) {
            INT_COUNTER.setOpaque(seg, base + SKIPPED_FULL_OFFSET, (int) INT_COUNTER.get(seg, base + SKIPPED_FULL_OFFSET) + 1);
            return SKIPPED_BUCKET_FULL;
        }
        placedBucket = k;
        placedSlot = b;
        placedCount = same ? n : 0;
        placedNewest = newest;
        placedFirst = first;
        return APPLIED;
    }

    /** After {@link #locate}: the bucket k that takes the sample. */
    protected final long placedBucket() { return placedBucket; }

    /** After {@link #locate}: the absolute offset of its slot in {@link #segment()}. */
    protected final long placedSlot() { return placedSlot; }

    /** After {@link #locate}: true when the sample starts its bucket (the slot held an expired bucket, or none). */
    protected final boolean startsBucket() { return placedCount == 0; }

    protected final void beginWrite() { SeqLock.beginWrite(segment, offset + VERSION_OFFSET); }

    protected final void endWrite() { SeqLock.endWrite(segment, offset + VERSION_OFFSET); }

    /**
     * Writer only, inside the write section, after {@link #locate}: moves the newest bucket forward (sweeping expired
     * slots at a tag epoch), and tags the slot with the sample's bucket or counts the sample in it. The family then
     * writes its payload.
     */
    protected final void place() {
        final MemorySegment seg = segment;
        final long base = offset;
        final long k = placedBucket;
        final long newest = placedNewest;
        if (placedFirst) {
            seg.set(LONG, base + COVERAGE_START_OFFSET, k);
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        } else if (k > newest) {
            if (k >> TAG_EPOCH_SHIFT != newest >> TAG_EPOCH_SHIFT) {
                sweepExpired(newest, k);
            }
            seg.set(LONG, base + NEWEST_BUCKET_OFFSET, k);
        }
        final long b = placedSlot;
        if (placedCount == 0) {
            seg.set(INT, b + BUCKET_TAG_OFFSET, (int) k);
        }
        seg.set(INT, b + BUCKET_SAMPLE_COUNT_OFFSET, placedCount + 1);
    }

    /**
     * Inside the write section, when the newest bucket moves from {@code newest} to {@code k} across a multiple of
     * 2^30: empties the slots whose bucket expires with the move. Live slots held buckets within 2^30 + bucketCount
     * of {@code newest}, so each tag names exactly one bucket.
     */
    private void sweepExpired(long newest, long k) {
        final MemorySegment seg = segment;
        final int buckets = bucketCount();
        final int newestTag = (int) newest;
        for (int i = 0; i < buckets; i++) {
            long b = slotAddress(i);
            if (seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) > 0) {
                long held = newest - (newestTag - seg.get(INT, b + BUCKET_TAG_OFFSET));
                if (held <= k - buckets) {
                    seg.set(INT, b + BUCKET_SAMPLE_COUNT_OFFSET, 0);
                }
            }
        }
    }

    // ---- reader ---------------------------------------------------------------------------------

    /** Any thread: opens a seqlock read of the block (spins past a write in progress). */
    public final long readBegin() { return SeqLock.readBegin(segment, offset + VERSION_OFFSET); }

    /** Any thread: true when nothing was written since {@link #readBegin} returned {@code version}. */
    public final boolean readValidate(long version) { return SeqLock.readValidate(segment, offset + VERSION_OFFSET, version); }

    /**
     * Any thread, inside a seqlock read: starts a walk over the retained buckets that can hold samples of
     * {@code (startExclusiveMs, endInclusiveMs]}, given the {@code newest} bucket read in the same section. At most
     * bucketCount steps, so a torn {@code newest} cannot make the walk long.
     */
    public final void openWindow(long startExclusiveMs, long endInclusiveMs, long newest) {
        final long width = bucketWidthMillis();
        final int buckets = bucketCount();
        cursorBuckets = buckets;
        cursorNext = Math.max(Math.floorDiv(startExclusiveMs, width), newest - buckets + 1);
        cursorLast = Math.min(Math.floorDiv(endInclusiveMs - 1, width), newest);
        cursorSlot = Math.floorMod(cursorNext, buckets); // one division; the walk steps the slot
    }

    /** Steps the walk to the next bucket of the window whose slot holds it. @return false when none is left */
    public final boolean nextBucket() {
        final MemorySegment seg = segment;
        final int buckets = cursorBuckets;
        while (cursorNext <= cursorLast) {
            long k = cursorNext++;
            int slot = cursorSlot;
            cursorSlot = slot + 1 == buckets ? 0 : slot + 1;
            long b = slotAddress(slot);
            if (seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET) > 0 && seg.get(INT, b + BUCKET_TAG_OFFSET) == (int) k) {
                cursorBucket = k;
                cursorSlotAddress = b;
                return true;
            }
        }
        return false;
    }

    /** The bucket k the walk is at. */
    public final long windowBucket() { return cursorBucket; }

    /** The absolute offset of its slot in {@link #segment()}. */
    public final long windowSlot() { return cursorSlotAddress; }

    /**
     * The share of a bucket whose samples span {@code [first, last]} ms assumed inside {@code (start, end]}: 1 when the
     * span lies inside, 0 when outside, else the share of its milliseconds that the window covers.
     */
    public static double share(long first, long last, long startExclusive, long endInclusive) {
        if (first > startExclusive && last <= endInclusive) {
            return 1;
        }
        if (last <= startExclusive || first > endInclusive || last < first) {
            return 0;
        }
        // millisecond points of [first, last] inside (start, end]: at least one, since neither test above held
        double inside = (double) (Math.min(endInclusive, last) - Math.max(startExclusive, first - 1));
        double w = inside / ((double) (last - first) + 1.0);
        return w <= 0 ? 0 : Math.min(w, 1.0);
    }
}
