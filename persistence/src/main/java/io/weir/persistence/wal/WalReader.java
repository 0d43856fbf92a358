package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalRecordDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads WAL records in order, crossing segments; one instance per thread (the forwarder and start-up replay each own
 * one). It reads only below a caller-given limit, normally the writer's {@link WalWriter#committedPosition()}, so
 * tailing a live WAL never sees a half-written record.
 * <p>
 * Committed bytes that fail validation raise {@link WalCorruptionException} naming the segment and offset; they are
 * never skipped. With {@link #NO_LIMIT} (offline replay without a writer) an invalid tail of the last segment ends
 * the log instead, as the writer would truncate it on open.
 */
public final class WalReader implements AutoCloseable {
    /** Limit meaning "everything valid on disk"; only for a WAL no writer is appending to. */
    public static final long NO_LIMIT = Long.MAX_VALUE;
    /** {@code fromPosition} meaning the start of the oldest segment present. */
    public static final long OLDEST = 0;

    private static final int WINDOW = 1 << 20;

    private final Path dir;
    private final CRC32C crc = new CRC32C();
    private final WalRecordFlyweight record = new WalRecordFlyweight();
    private final WalSegmentHeaderFlyweight segmentHeader = new WalSegmentHeaderFlyweight();
    private final SegmentWindow window = new SegmentWindow(WINDOW);
    private final SamplesDecoder samples = new SamplesDecoder();
    private final ExtrasCodec extras = ExtrasCodec.forReading();
    private byte[] labels = new byte[256];

    private FileChannel channel;
    private Path segmentPath;
    private long segmentIndex;
    private long offset;
    /** File size once the segment is known to be complete (a later one exists); -1 while it may still grow. */
    private long sealedEnd = -1;

    private WalReader(Path dir) {
        this.dir = dir;
    }

    /**
     * @param fromPosition a position returned by a writer or reader, or {@link #OLDEST}
     * @throws WalSegmentMissingException when the segment holding {@code fromPosition} is not on disk
     */
    public static WalReader open(Path dir, long fromPosition) throws IOException {
        WalReader reader = new WalReader(dir);
        try {
            long segment = WalPosition.segment(fromPosition);
            long offset = WalPosition.offset(fromPosition);
            if (fromPosition == OLDEST) {
                long[] indices = WalDirectory.listSegments(dir);
                if (indices.length == 0) {
                    throw new WalSegmentMissingException(WalDirectory.segmentPath(dir, 0), "the WAL directory has no segments");
                }
                segment = indices[0];
            }
            reader.openSegment(segment, "the reader starts there");
            reader.offset = Math.max(offset, WalSegmentDescriptor.HEADER_LENGTH);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
        return reader;
    }

    /** Position just after the last record read. */
    public long position() {
        return WalPosition.of(segmentIndex, offset);
    }

    /**
     * Reads complete records below {@code limitPosition}, at most {@code maxRecords}.
     *
     * @return records read; 0 means caught up with the limit (call again later)
     */
    public int read(WalVisitor visitor, long limitPosition, int maxRecords) throws IOException {
        long limitSegment = WalPosition.segment(limitPosition);
        int read = 0;
        long endSegment = -1;
        long end = 0;
        boolean strict = false;
        boolean limitHere = false;
        while (read < maxRecords && position() < limitPosition) {
            if (endSegment != segmentIndex) {
                // where this segment's readable bytes end, worked out once per segment per call
                endSegment = segmentIndex;
                limitHere = limitSegment == segmentIndex && limitPosition != NO_LIMIT;
                if (limitHere) {
                    end = WalPosition.offset(limitPosition);
                    strict = true;
                } else {
                    // a limit in a later segment means the writer has finished this one
                    if (sealedEnd < 0 && (limitPosition != NO_LIMIT || isSealed())) {
                        sealedEnd = channel.size();
                    }
                    strict = sealedEnd >= 0;
                    end = strict ? sealedEnd : channel.size();
                }
            }
            if (offset >= end) {
                if (limitHere || !strict) {
                    break; // caught up; nothing further is committed
                }
                openSegment(segmentIndex + 1, "the reader reached the end of segment " + segmentIndex);
                offset = WalSegmentDescriptor.HEADER_LENGTH;
                continue;
            }
            int verdict = readRecord(end);
            if (verdict != WalRecordFlyweight.VALID) {
                if (strict) {
                    throw new WalCorruptionException(segmentPath, offset, WalRecordFlyweight.reason(verdict));
                }
                break; // unrepaired torn tail of the last segment under NO_LIMIT: the log ends here
            }
            dispatch(visitor);
            offset += record.frameLength();
            read++;
        }
        return read;
    }

    /** Wraps the flyweight over the record at {@link #offset}, loading its bytes; returns the validation verdict. */
    private int readRecord(long end) throws IOException {
        long available = end - offset;
        long maxPayload = WalOptions.MAX_SEGMENT_SIZE - WalSegmentDescriptor.HEADER_LENGTH - HEADER_LENGTH;
        int at = window.ensure(offset, (int) Math.min(HEADER_LENGTH, available), end);
        if (at < 0) {
            return WalRecordFlyweight.TORN; // the file is shorter than the committed end: truncated segment
        }
        record.wrap(window.buffer(), at);
        if (available >= HEADER_LENGTH && record.payloadLength() <= maxPayload && HEADER_LENGTH + record.payloadLength() <= available) {
            at = window.ensure(offset, record.frameLength(), end);
            if (at < 0) {
                return WalRecordFlyweight.TORN;
            }
            record.wrap(window.buffer(), at);
        }
        return record.validate(available, maxPayload, crc);
    }

    private void dispatch(WalVisitor visitor) throws WalCorruptionException {
        ByteBuffer buffer = window.buffer();
        int payloadAt = record.payloadOffset();
        int payloadLength = (int) record.payloadLength();
        switch (record.type()) {
            case TYPE_SERIES -> {
                if (payloadLength < SERIES_LABELS_OFFSET) {
                    throw new WalCorruptionException(segmentPath, offset, "SERIES payload shorter than its id");
                }
                int len = payloadLength - SERIES_LABELS_OFFSET;
                if (labels.length < len) {
                    labels = new byte[Math.max(len, labels.length * 2)];
                }
                buffer.get(payloadAt + SERIES_LABELS_OFFSET, labels, 0, len);
                visitor.onSeries(buffer.getInt(payloadAt + SERIES_ID_OFFSET), labels, 0, len);
            }
            case TYPE_SAMPLES, TYPE_BACKFILL_SAMPLES -> {
                if (payloadLength < SAMPLES_BLOCK_OFFSET) {
                    throw new WalCorruptionException(segmentPath, offset, "SAMPLES payload shorter than its count");
                }
                int count = buffer.getInt(payloadAt + SAMPLES_COUNT_OFFSET);
                String bad = samples.decode(record.flags(), count, buffer, payloadAt + SAMPLES_BLOCK_OFFSET,
                        payloadLength - SAMPLES_BLOCK_OFFSET);
                if (bad != null) {
                    throw new WalCorruptionException(segmentPath, offset, bad);
                }
                if (record.type() == TYPE_SAMPLES) {
                    visitor.onSamples(count, samples.ids, samples.timestamps, samples.values);
                } else {
                    visitor.onBackfillSamples(count, samples.ids, samples.timestamps, samples.values);
                }
            }
            case TYPE_EXTRAS -> {
                if (payloadLength < EXTRAS_BLOCK_OFFSET || (record.flags() & FLAG_COMPRESSED) == 0) {
                    throw new WalCorruptionException(segmentPath, offset, "EXTRAS payload shorter than its length or not compressed");
                }
                int rawLength = buffer.getInt(payloadAt + EXTRAS_RAW_LENGTH_OFFSET);
                String bad = extras.decompress(rawLength, buffer, payloadAt + EXTRAS_BLOCK_OFFSET,
                        payloadLength - EXTRAS_BLOCK_OFFSET);
                if (bad != null) {
                    throw new WalCorruptionException(segmentPath, offset, bad);
                }
                visitor.onExtras(extras.raw, 0, rawLength);
            }
            default -> throw new WalCorruptionException(segmentPath, offset, "record type " + record.type());
        }
    }

    /** A segment is complete once the next one exists: the writer finishes a segment before creating the next. */
    private boolean isSealed() {
        return Files.exists(WalDirectory.segmentPath(dir, segmentIndex + 1));
    }

    private void openSegment(long index, String why) throws IOException {
        Path path = WalDirectory.segmentPath(dir, index);
        FileChannel next;
        try {
            next = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WalSegmentMissingException(path, why + " (deleted, or a gap in the segment numbers)");
        }
        if (channel != null) {
            channel.close();
        }
        channel = next;
        segmentPath = path;
        segmentIndex = index;
        sealedEnd = -1;
        window.reset(channel);
        // read only the header: bytes beyond it may not be committed yet and must not be cached
        int at = window.ensure(0, WalSegmentDescriptor.HEADER_LENGTH, WalSegmentDescriptor.HEADER_LENGTH);
        if (at < 0) {
            throw new WalCorruptionException(path, 0, "segment shorter than its header");
        }
        String bad = segmentHeader.wrap(window.buffer(), at).check(index, crc);
        if (bad != null) {
            throw new WalCorruptionException(path, 0, bad);
        }
    }

    @Override
    public void close() throws IOException {
        samples.close();
        extras.close();
        if (channel != null) {
            channel.close();
        }
    }
}
