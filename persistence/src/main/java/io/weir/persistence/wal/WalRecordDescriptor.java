package io.weir.persistence.wal;

/**
 * Layout of one WAL record frame. All integers are little-endian; frames are packed back to back (no alignment
 * padding) and never span segments.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 payload length (u32, bytes)                   |  0
 *  +---------------+---------------+-------------------------------+
 *  |   type (u8)   |  flags (u8)   |        reserved (u16) = 0     |  4
 *  +---------------+---------------+-------------------------------+
 *  |      CRC32C (u32) over bytes 4..7 and the whole payload       |  8
 *  +---------------------------------------------------------------+
 *  |                        payload ...                           ...  12
 *  +---------------------------------------------------------------+
 *
 *  SERIES  payload:  series id (i32) | canonical label bytes (see CanonicalLabels)
 *  SAMPLES payload:  count (u32)     | column block, zstd-compressed as one frame when FLAG_COMPRESSED
 *  BACKFILL_SAMPLES payload: as SAMPLES; history read from the backend (./weir backfill): replayed into sketches,
 *                    never forwarded back to the backend it came from
 *  EXTRAS  payload:  raw length (u32) | remote write 1.0 WriteRequest fields (TimeSeries with labels, exemplars,
 *                    histograms and no float samples; MetricMetadata), zstd-compressed as one frame (FLAG_COMPRESSED);
 *                    written in the same commit as the SAMPLES of the request that carried them
 *  column block (before compression): count x series id (i32) | count x timestamp ms (i64) | count x value (f64)
 *     FLAG_DELTA:   ids and timestamps hold the difference to the previous entry (first: to 0), wrapping
 *     FLAG_SHUFFLE: each column is stored as byte planes (all byte 0s, then all byte 1s, ...)
 * </pre>
 * The CRC covers type and flags so a flipped bit there cannot change how a payload is decoded. The length is not
 * covered; a wrong length fails the CRC because the CRC is then computed over the wrong bytes.
 */
public final class WalRecordDescriptor {
    private WalRecordDescriptor() {}

    public static final int LENGTH_OFFSET = 0;
    public static final int TYPE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int RESERVED_OFFSET = 6;
    public static final int CRC_OFFSET = 8;
    public static final int HEADER_LENGTH = 12;
    /** The CRC starts at the type byte and runs over type, flags and reserved before the payload. */
    public static final int CRC_COVERED_HEADER_OFFSET = TYPE_OFFSET;
    public static final int CRC_COVERED_HEADER_LENGTH = CRC_OFFSET - TYPE_OFFSET;

    public static final byte TYPE_SERIES = 1;
    public static final byte TYPE_SAMPLES = 2;
    public static final byte TYPE_EXTRAS = 3;
    public static final byte TYPE_BACKFILL_SAMPLES = 4;

    public static final int FLAG_COMPRESSED = 1;
    public static final int FLAG_DELTA = 1 << 1;
    public static final int FLAG_SHUFFLE = 1 << 2;
    public static final int KNOWN_FLAGS = FLAG_COMPRESSED | FLAG_DELTA | FLAG_SHUFFLE;

    public static final int SERIES_ID_OFFSET = 0;
    public static final int SERIES_LABELS_OFFSET = 4;

    public static final int SAMPLES_COUNT_OFFSET = 0;
    public static final int SAMPLES_BLOCK_OFFSET = 4;
    /** Uncompressed bytes per sample in the column block: id + timestamp + value. */
    public static final int SAMPLE_BYTES = Integer.BYTES + Long.BYTES + Double.BYTES;

    public static final int EXTRAS_RAW_LENGTH_OFFSET = 0;
    public static final int EXTRAS_BLOCK_OFFSET = 4;

    public static boolean isKnownType(int type) {
        return type == TYPE_SERIES || type == TYPE_SAMPLES || type == TYPE_EXTRAS || type == TYPE_BACKFILL_SAMPLES;
    }

    public static int frameLength(int payloadLength) {
        return HEADER_LENGTH + payloadLength;
    }
}
