package io.weir.engine.snapshot;

import io.weir.engine.sketch.SketchBlockDescriptor;
import io.weir.engine.sketch.SketchFunction.Family;
import io.weir.engine.sketch.SketchShard;
import io.weir.engine.sketch.exact.ExactSamplesDescriptor;
import io.weir.engine.sketch.slab.SlabArena;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongConsumer;

/**
 * Shard state as raw sketch blocks: every block is self-contained (its header names the series and family, see
 * {@link SketchBlockDescriptor}), so a snapshot is the list of live blocks with their bytes, and restoring one is
 * allocate + copy. Stream layout (big-endian):
 * <pre>
 *   magic "WSHS" (i32) | version (i32) | shard count (i32) | shard (i32) | entries (i32)
 *   entries x { series id (i32) | family ordinal (i8) | length (i32) | block bytes (length) }
 * </pre>
 * The length is the block's slab size class, so a block is restored into the same class.
 */
public final class BlockCopyShardSnapshot implements ShardStateSnapshot {
    static final int MAGIC = 'W' << 24 | 'S' << 16 | 'H' << 8 | 'S';
    /**
     * 2: NaN samples are kept (quantile buckets count them in a field that version 1 left unwritten, so a version 1
     * block may hold anything there); version 1 streams are refused.
     */
    static final int VERSION = 2;
    private static final Family[] FAMILIES = Family.values();
    /** Stream code of an exact-samples block (the exact tier serves every family): after the family ordinals. */
    private static final int EXACT = FAMILIES.length;

    @Override
    public ShardCopyBuffer reserve(SketchShard shard, LongConsumer afterPiece) {
        long inUse = shard.bytesInUse();
        return ShardCopyBuffer.allocate(inUse + inUse / 8 + (1 << 20), afterPiece);
    }

    @Override
    public CapturedShardState capture(SketchShard shard, ShardCopyBuffer buffer) {
        int limit = shard.localIdLimit();
        int entries = 0;
        long bytes = 0;
        long needed = 0;
        for (int local = 0; local < limit; local++) {
            for (int code = 0; code <= EXACT; code++) {
                long block = code == EXACT ? shard.exactBlock(local) : shard.block(local, FAMILIES[code]);
                if (block > 0) {
                    int len = SlabArena.blockBytes(block);
                    entries++;
                    bytes += len;
                    needed = ShardCopyBuffer.place(needed, len) + len;
                }
            }
        }
        if (buffer == null || buffer.capacity() < needed) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = ShardCopyBuffer.allocate(needed);
        }
        try {
            int[] ids = new int[entries];
            byte[] families = new byte[entries];
            int[] lengths = new int[entries];
            int n = 0;
            long at = 0;
            int shardCount = shard.shardCount();
            int shardIndex = -1;
            for (int local = 0; local < limit; local++) {
                for (int code = 0; code <= EXACT; code++) {
                    long block = code == EXACT ? shard.exactBlock(local) : shard.block(local, FAMILIES[code]);
                    if (block > 0) {
                        int len = SlabArena.blockBytes(block);
                        at = ShardCopyBuffer.place(at, len);
                        MemorySegment piece = buffer.piece(at);
                        long off = ShardCopyBuffer.offset(at);
                        MemorySegment.copy(shard.arena().segment(block), SlabArena.offset(block), piece, off, len);
                        int seriesId = piece.get(ValueLayout.JAVA_INT_UNALIGNED, off + SketchBlockDescriptor.SERIES_ID_OFFSET);
                        ids[n] = seriesId;
                        families[n] = (byte) code;
                        lengths[n] = len;
                        shardIndex = seriesId % shardCount;
                        n++;
                        at += len;
                    }
                }
            }
            return new Copy(buffer, shardCount, shardIndex, ids, families, lengths, bytes);
        } catch (RuntimeException | Error e) {
            buffer.close();
            throw e;
        }
    }

    private static final class Copy implements CapturedShardState {
        private final ShardCopyBuffer buffer;
        private final int shardCount;
        private final int shard;
        private final int[] ids;
        private final byte[] families;
        private final int[] lengths;
        private final long bytes;

        Copy(ShardCopyBuffer buffer, int shardCount, int shard, int[] ids, byte[] families, int[] lengths, long bytes) {
            this.buffer = buffer;
            this.shardCount = shardCount;
            this.shard = shard;
            this.ids = ids;
            this.families = families;
            this.lengths = lengths;
            this.bytes = bytes;
        }

        @Override
        public int entries() { return ids.length; }

        @Override
        public long bytes() { return bytes; }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            DataOutputStream data = new DataOutputStream(out);
            data.writeInt(MAGIC);
            data.writeInt(VERSION);
            data.writeInt(shardCount);
            data.writeInt(shard);
            data.writeInt(ids.length);
            byte[] buf = new byte[64 << 10];
            long at = 0;
            for (int i = 0; i < ids.length; i++) {
                data.writeInt(ids[i]);
                data.writeByte(families[i]);
                data.writeInt(lengths[i]);
                at = ShardCopyBuffer.place(at, lengths[i]);
                MemorySegment piece = buffer.piece(at);
                long off = ShardCopyBuffer.offset(at);
                for (int done = 0; done < lengths[i]; ) {
                    int n = Math.min(buf.length, lengths[i] - done);
                    MemorySegment.copy(piece, ValueLayout.JAVA_BYTE, off + done, buf, 0, n);
                    data.write(buf, 0, n);
                    done += n;
                }
                at += lengths[i];
            }
            data.flush();
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    @Override
    public long restore(SketchShard[] shards, InputStream in, Runnable targetsNeeded) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            if (data.readInt() != MAGIC) {
                throw new IOException("not a shard state stream (bad magic)");
            }
            int version = data.readInt();
            if (version != VERSION) {
                throw new IOException("shard state version " + version + " (this build reads " + VERSION + ")");
            }
            int shardCount = data.readInt();
            int shard = data.readInt();
            int entries = data.readInt();
            if (shardCount < 1 || entries < 0) {
                throw new IOException("bad shard state header: shard count " + shardCount + ", entries " + entries);
            }
            int mask = shards.length - 1;
            byte[] buf = new byte[16 << 10];
            boolean targetsReady = false;
            for (int i = 0; i < entries; i++) {
                int seriesId = data.readInt();
                int family = data.readByte();
                int length = data.readInt();
                if (seriesId < 0 || (shard >= 0 && seriesId % shardCount != shard) || family < 0 || family > EXACT
                        || length < SketchBlockDescriptor.HEADER_LENGTH || shards[seriesId & mask].arena().sizeClassOf(length) < 0) {
                    throw new IOException("bad entry " + i + ": series " + seriesId + ", family " + family + ", length " + length);
                }
                if (buf.length < length) {
                    buf = new byte[Math.max(length, buf.length * 2)];
                }
                data.readFully(buf, 0, length);
                MemorySegment block = MemorySegment.ofArray(buf);
                int tag = family == EXACT ? ExactSamplesDescriptor.EXACT_TAG : SketchBlockDescriptor.familyTag(FAMILIES[family]);
                if (block.get(ValueLayout.JAVA_INT_UNALIGNED, SketchBlockDescriptor.SERIES_ID_OFFSET) != seriesId
                        || block.get(ValueLayout.JAVA_INT_UNALIGNED, SketchBlockDescriptor.FAMILY_OFFSET) != tag) {
                    throw new IOException("entry " + i + ": block header does not name series " + seriesId + " / "
                            + (family == EXACT ? "exact samples" : FAMILIES[family]));
                }
                if ((block.get(ValueLayout.JAVA_LONG_UNALIGNED, SketchBlockDescriptor.VERSION_OFFSET) & 1) != 0) {
                    throw new IOException("entry " + i + ": block captured mid-update (odd version)");
                }
                SketchShard target = shards[seriesId & mask];
                if (family != EXACT && !targetsReady) {
                    // a family block sets its series' idle allowance from the targets (an exact block carries its window)
                    targetsNeeded.run();
                    targetsReady = true;
                }
                boolean restored = family == EXACT ? target.restoreExactBlock(seriesId, block, 0, length)
                        : target.restoreBlock(seriesId, FAMILIES[family], block, 0, length);
                if (!restored) {
                    throw new IOException("storage.memory_limit refuses the restored sketches (series " + seriesId + ")");
                }
            }
            return entries;
        } catch (EOFException e) {
            throw new IOException("shard state stream ends early", e);
        }
    }

    /** Forgets every block of a shard (a restore that failed half-way). Writer thread or before it starts. */
    public static void clear(SketchShard shard) {
        for (int local = 0, limit = shard.localIdLimit(); local < limit; local++) {
            for (int code = 0; code <= EXACT; code++) {
                long block = code == EXACT ? shard.exactBlock(local) : shard.block(local, FAMILIES[code]);
                if (block > 0) {
                    // the shard's index is local; find this shard's global id from any block header
                    int seriesId = shard.arena().segment(block).get(ValueLayout.JAVA_INT_UNALIGNED,
                            SlabArena.offset(block) + SketchBlockDescriptor.SERIES_ID_OFFSET);
                    shard.dropSeries(seriesId);
                    break;
                }
            }
        }
        shard.reclaim();
    }
}
