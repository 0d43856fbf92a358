package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The WAL's only writer, owned by the single journaler thread; only the counter getters and
 * {@link #committedPosition()} may be called from other threads.
 * <p>
 * Appends go to an in-memory buffer; {@link #commit()} writes everything appended since the last commit with one
 * write (group commit) and fsyncs according to the {@link FsyncPolicy}. A record that would not fit in the active
 * segment rolls to a new one, so records never span segments. Opening repairs a torn or corrupt tail of the last
 * segment by truncating it after the last valid record.
 */
public final class WalWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WalWriter.class.getName());
    /** Delta-coded ids and timestamps, no byte shuffle: the smallest blocks in SamplesCodecTest (4.0x vs 3.2x shuffled). */
    static final int SAMPLES_FLAGS = FLAG_DELTA;
    private static final int INITIAL_BUFFER = 1 << 20;

    private final Path dir;
    private final WalOptions options;
    private final long segmentSize;
    private final long maxPayload;
    private final CRC32C crc = new CRC32C();
    private final WalRecordFlyweight record = new WalRecordFlyweight();
    private final WalSegmentHeaderFlyweight segmentHeader = new WalSegmentHeaderFlyweight();
    private final SamplesEncoder samples;
    private final ExtrasCodec extras;
    private final ByteBuffer headerBuffer = ByteBuffer.allocateDirect(WalSegmentDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer pending = ByteBuffer.allocateDirect(INITIAL_BUFFER).order(ByteOrder.LITTLE_ENDIAN);

    // journaler-thread state
    private FileChannel channel;
    private long segmentIndex;
    private long fileOffset;
    private boolean unsynced;
    private long lastFsyncNanos;
    private long recordsAppended;
    private long bytesWritten;
    private long fsyncCount;
    private long segmentsCreated;
    private long diskBytesOwned;
    private boolean closed;

    // published for other threads: release store by the journaler, acquire load by readers
    private final AtomicLong committedPosition = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong segments = new AtomicLong();
    private final AtomicLong diskBytes = new AtomicLong();
    private final AtomicLong repairedBytes = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();

    private WalWriter(Path dir, WalOptions options) {
        this.dir = dir;
        this.options = options;
        this.segmentSize = options.segmentSizeBytes();
        this.maxPayload = segmentSize - WalSegmentDescriptor.HEADER_LENGTH - HEADER_LENGTH;
        this.samples = new SamplesEncoder(options.zstdLevel(), SAMPLES_FLAGS);
        this.extras = ExtrasCodec.forWriting(options.zstdLevel());
    }

    /** Opens the WAL in {@code dir} (created if absent), repairing the tail of the last segment. */
    public static WalWriter open(Path dir, WalOptions options) throws IOException {
        Files.createDirectories(dir);
        WalWriter writer = new WalWriter(dir, options);
        try {
            writer.recover();
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    /**
     * Creates a WAL in an empty (or absent) {@code dir} whose positions all lie after {@code position}: a
     * header-only segment holding {@code position}'s index (so a reader starting there finds it and moves on),
     * then the segment after it, which is appended to. Used to give a node restored from a snapshot a WAL that
     * continues the snapshot's positions.
     */
    public static WalWriter createAfter(Path dir, WalOptions options, long position) throws IOException {
        Files.createDirectories(dir);
        if (WalDirectory.listSegments(dir).length > 0) {
            throw new IOException("WAL directory " + dir + " is not empty");
        }
        WalWriter writer = new WalWriter(dir, options);
        try {
            writer.createSegment(WalPosition.segment(position));
            writer.channel.close();
            writer.createSegment(WalPosition.segment(position) + 1);
            writer.lastFsyncNanos = System.nanoTime();
            writer.publish();
            writer.committedPosition.setRelease(WalPosition.of(writer.segmentIndex, writer.fileOffset));
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    /**
     * Journaler thread, or before it starts: when the log ends before {@code position} (a snapshot is ahead of
     * it: the log lost an unsynced tail, or was replaced), continues in a new segment after
     * {@code position}'s, so that every later record lies after it. No-op when the log is already past it.
     *
     * @return true when the log moved
     */
    public boolean skipPast(long position) throws IOException {
        if (WalPosition.of(segmentIndex, fileOffset) >= position) {
            return false;
        }
        long target = WalPosition.segment(position);
        writePending();
        if (unsynced) {
            fsync(System.nanoTime());
        }
        channel.close();
        if (target > segmentIndex) {
            createSegment(target);
            channel.close();
        }
        createSegment(target + 1);
        publish();
        committedPosition.setRelease(WalPosition.of(segmentIndex, fileOffset));
        return true;
    }

    private void recover() throws IOException {
        long[] indices = WalDirectory.listSegments(dir);
        long existing = 0;
        for (int i = 0; i < indices.length - 1; i++) {
            existing += Files.size(WalDirectory.segmentPath(dir, indices[i]));
        }
        diskBytesOwned = existing;
        if (indices.length == 0) {
            createSegment(0);
        } else {
            recoverLastSegment(indices[indices.length - 1]);
        }
        lastFsyncNanos = System.nanoTime();
        publish();
        committedPosition.setRelease(WalPosition.of(segmentIndex, fileOffset));
    }

    private void recoverLastSegment(long index) throws IOException {
        Path path = WalDirectory.segmentPath(dir, index);
        channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        segmentIndex = index;
        long size = channel.size();
        SegmentWindow window = new SegmentWindow((int) Math.min(segmentSize, 4 << 20));
        window.reset(channel);
        int h = window.ensure(0, WalSegmentDescriptor.HEADER_LENGTH, size);
        if (h < 0 || segmentHeader.wrap(window.buffer(), h).isAllZero()) {
            // the crash came between creating the file and writing its header: nothing was ever committed here
            repair(path, 0, size, "segment header missing or torn");
            writeSegmentHeader(index);
            channel.force(true);
            fileOffset = WalSegmentDescriptor.HEADER_LENGTH;
            diskBytesOwned += fileOffset;
            return;
        }
        String bad = segmentHeader.check(index, crc);
        if (bad != null) {
            throw new WalCorruptionException(path, 0, bad);
        }
        long offset = WalSegmentDescriptor.HEADER_LENGTH;
        int verdict = WalRecordFlyweight.VALID;
        while (offset < size) {
            long available = size - offset;
            int at = window.ensure(offset, (int) Math.min(HEADER_LENGTH, available), size);
            record.wrap(window.buffer(), at);
            if (available >= HEADER_LENGTH && record.payloadLength() <= maxPayload
                    && HEADER_LENGTH + record.payloadLength() <= available) {
                at = window.ensure(offset, record.frameLength(), size);
                record.wrap(window.buffer(), at);
            }
            verdict = record.validate(available, maxPayload, crc);
            if (verdict != WalRecordFlyweight.VALID) {
                break;
            }
            offset += record.frameLength();
        }
        if (offset < size) {
            repair(path, offset, size, WalRecordFlyweight.reason(verdict));
        }
        fileOffset = offset;
        diskBytesOwned += offset;
    }

    private void repair(Path path, long keep, long size, String why) throws IOException {
        LOG.log(Level.WARNING, "WAL segment {0}: truncating {1} bytes after offset {2}: {3}", path, Long.toString(size - keep), Long.toString(keep), why);
        channel.truncate(keep);
        channel.force(true);
        repairedBytes.setRelease(repairedBytes.get() + (size - keep));
        repairs.setRelease(repairs.get() + 1);
    }

    /**
     * Appends a SERIES record to the commit buffer.
     *
     * @param labels canonical label bytes ({@link io.weir.engine.series.CanonicalLabels}), copied before returning
     */
    public void appendSeries(int seriesId, byte[] labels, int off, int len) throws IOException {
        int payload = SERIES_LABELS_OFFSET + len;
        int at = reserve(frameLength(payload));
        pending.putInt(at + HEADER_LENGTH + SERIES_ID_OFFSET, seriesId);
        pending.put(at + HEADER_LENGTH + SERIES_LABELS_OFFSET, labels, off, len);
        finishRecord(at, TYPE_SERIES, 0, payload);
    }

    /** Appends a SAMPLES record holding the first {@code count} entries of each column; the arrays are not kept. */
    public void appendSamples(int count, int[] seriesIds, long[] timestamps, double[] values) throws IOException {
        appendSamples(TYPE_SAMPLES, count, seriesIds, timestamps, values);
    }

    /**
     * Appends a BACKFILL_SAMPLES record (encoded as SAMPLES): history read from the backend, replayed into sketches and
     * skipped by the forwarder.
     */
    public void appendBackfillSamples(int count, int[] seriesIds, long[] timestamps, double[] values) throws IOException {
        appendSamples(TYPE_BACKFILL_SAMPLES, count, seriesIds, timestamps, values);
    }

    private void appendSamples(byte type, int count, int[] seriesIds, long[] timestamps, double[] values) throws IOException {
        int at = reserve(frameLength(SAMPLES_BLOCK_OFFSET + SamplesEncoder.maxBlockLength(count)));
        int payloadAt = at + HEADER_LENGTH;
        pending.putInt(payloadAt + SAMPLES_COUNT_OFFSET, count);
        int blockAt = payloadAt + SAMPLES_BLOCK_OFFSET;
        int block = samples.encode(count, seriesIds, timestamps, values, pending, blockAt, pending.capacity() - blockAt);
        finishRecord(at, type, samples.flags(), SAMPLES_BLOCK_OFFSET + block);
    }

    /**
     * Appends an EXTRAS record: a request's histograms, exemplars and metadata as remote write 1.0 WriteRequest
     * fields ({@code src[off .. + len)}, copied and compressed before returning). The journaler appends it after the
     * request's SAMPLES, before the commit that makes both durable.
     */
    public void appendExtras(byte[] src, int off, int len) throws IOException {
        int at = reserve(frameLength(EXTRAS_BLOCK_OFFSET + ExtrasCodec.maxBlockLength(len)));
        int payloadAt = at + HEADER_LENGTH;
        pending.putInt(payloadAt + EXTRAS_RAW_LENGTH_OFFSET, len);
        int blockAt = payloadAt + EXTRAS_BLOCK_OFFSET;
        int block = extras.compress(src, off, len, pending, blockAt, pending.capacity() - blockAt);
        finishRecord(at, TYPE_EXTRAS, FLAG_COMPRESSED, EXTRAS_BLOCK_OFFSET + block);
    }

    private void finishRecord(int at, byte type, int flags, int payload) {
        record.wrap(pending, at).payloadLength(payload).type(type).flags(flags).clearReserved().sealCrc(crc);
        pending.position(at + frameLength(payload));
        recordsAppended++;
    }

    /** @return buffer index where a frame of at most {@code maxFrame} bytes can be written, rolling if needed */
    private int reserve(long maxFrame) throws IOException {
        if (maxFrame - HEADER_LENGTH > maxPayload) {
            throw new IllegalArgumentException("WAL record of up to " + maxFrame + " bytes cannot fit a segment of "
                    + segmentSize + " bytes; split the batch");
        }
        if (fileOffset + pending.position() + maxFrame > segmentSize) {
            roll();
        }
        if (pending.remaining() < maxFrame) {
            ByteBuffer bigger = ByteBuffer.allocateDirect((int) Math.max(pending.capacity() * 2L, pending.position() + maxFrame))
                    .order(ByteOrder.LITTLE_ENDIAN);
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        return pending.position();
    }

    private void roll() throws IOException {
        writePending();
        if (unsynced && options.fsyncPolicy() != FsyncPolicy.NEVER) {
            fsync(System.nanoTime());
        }
        channel.close();
        createSegment(segmentIndex + 1);
    }

    private void createSegment(long index) throws IOException {
        channel = FileChannel.open(WalDirectory.segmentPath(dir, index),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        segmentIndex = index;
        writeSegmentHeader(index);
        fileOffset = WalSegmentDescriptor.HEADER_LENGTH;
        diskBytesOwned += fileOffset;
        segmentsCreated++;
        if (options.fsyncPolicy() != FsyncPolicy.NEVER) {
            channel.force(true);
            WalDirectory.fsyncDirectory(dir);
        }
    }

    private void writeSegmentHeader(long index) throws IOException {
        segmentHeader.wrap(headerBuffer, 0).write(index, crc);
        headerBuffer.clear();
        while (headerBuffer.hasRemaining()) {
            channel.write(headerBuffer, headerBuffer.position());
        }
    }

    private void writePending() throws IOException {
        if (pending.position() == 0) {
            return;
        }
        pending.flip();
        while (pending.hasRemaining()) {
            int n = pending.position();
            channel.write(pending, fileOffset + n);
        }
        int n = pending.limit();
        fileOffset += n;
        bytesWritten += n;
        diskBytesOwned += n;
        pending.clear();
        unsynced = true;
    }

    private void fsync(long nowNanos) throws IOException {
        channel.force(false);
        fsyncCount++;
        lastFsyncNanos = nowNanos;
        unsynced = false;
    }

    /**
     * Writes everything appended since the last commit in one write, fsyncs per policy, and publishes the new end.
     *
     * @return the committed end position: every record before it is in the file (and durable, under ALWAYS)
     */
    public long commit() throws IOException {
        writePending();
        if (unsynced) {
            switch (options.fsyncPolicy()) {
                case ALWAYS -> fsync(System.nanoTime());
                case INTERVAL -> {
                    long now = System.nanoTime();
                    if (now - lastFsyncNanos >= options.fsyncIntervalNanos()) {
                        fsync(now);
                    }
                }
                case NEVER -> { }
            }
        }
        long end = WalPosition.of(segmentIndex, fileOffset);
        publish();
        committedPosition.setRelease(end);
        return end;
    }

    /** For INTERVAL: fsyncs committed bytes when the interval has passed; call when the journaler is idle. */
    public void syncIfDue(long nowNanos) throws IOException {
        if (unsynced && options.fsyncPolicy() == FsyncPolicy.INTERVAL && nowNanos - lastFsyncNanos >= options.fsyncIntervalNanos()) {
            fsync(nowNanos);
            fsyncs.setRelease(fsyncCount);
        }
    }

    private void publish() {
        records.setRelease(recordsAppended);
        bytes.setRelease(bytesWritten);
        fsyncs.setRelease(fsyncCount);
        segments.setRelease(segmentsCreated);
        diskBytes.setRelease(diskBytesOwned);
    }

    /**
     * Deletes every segment that ends before {@code position}'s segment, never the active one. The caller makes sure
     * no reader still needs them (snapshot and forwarder both past).
     *
     * @return how many segments were deleted
     */
    public int deleteSegmentsBefore(long position) throws IOException {
        long before = Math.min(WalPosition.segment(position), segmentIndex);
        int deleted = 0;
        for (long index : WalDirectory.listSegments(dir)) {
            if (index >= before) {
                break;
            }
            Path path = WalDirectory.segmentPath(dir, index);
            long size = Files.size(path);
            Files.delete(path);
            diskBytesOwned -= size;
            deleted++;
        }
        if (deleted > 0 && options.fsyncPolicy() != FsyncPolicy.NEVER) {
            WalDirectory.fsyncDirectory(dir);
        }
        diskBytes.setRelease(diskBytesOwned);
        return deleted;
    }

    /** End of the last commit; safe from any thread (acquire load of the journaler's release store). */
    public long committedPosition() {
        return committedPosition.getAcquire();
    }

    /** Bytes of all segment files, as of the last commit or delete. Any thread. */
    public long diskBytes() {
        return diskBytes.getAcquire();
    }

    /** Records appended and committed by this writer instance. Any thread. */
    public long recordCount() {
        return records.getAcquire();
    }

    /** Record bytes written to segment files by this writer instance (headers of segments excluded). Any thread. */
    public long bytesWritten() {
        return bytes.getAcquire();
    }

    public long fsyncCount() {
        return fsyncs.getAcquire();
    }

    /** Segments created by this writer instance. Any thread. */
    public long segmentsCreated() {
        return segments.getAcquire();
    }

    /** Bytes truncated from a torn or corrupt tail when this writer opened. Any thread. */
    public long repairedBytes() {
        return repairedBytes.getAcquire();
    }

    public long repairs() {
        return repairs.getAcquire();
    }

    /** Index of the segment being appended to. Journaler thread. */
    public long activeSegment() {
        return segmentIndex;
    }

    /** Commits, fsyncs whatever is unsynced (under every policy) and closes the segment. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            commit();
            if (unsynced) {
                fsync(System.nanoTime());
                fsyncs.setRelease(fsyncCount);
            }
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing WAL segment", e);
        }
        samples.close();
        extras.close();
    }
}
