package io.weir.persistence.snapshot;

import io.weir.engine.series.SeriesLabels;
import io.weir.engine.series.SeriesTable;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The series list of a snapshot: the canonical labels of every id below the cut, in id order (not a copy of the
 * Chronicle Map file, whose layout is the library's). Stream layout (big-endian, compressed by the file):
 * <pre>
 *   magic "WSER" (i32) | version (i32) | count (i32)
 *   count x { length (i32; -1 for an id the table lost) | canonical label bytes }
 * </pre>
 */
public final class SeriesListCodec {
    static final int MAGIC = 'W' << 24 | 'S' << 16 | 'E' << 8 | 'R';
    static final int VERSION = 1;
    private static final int MAX_LABELS = 1 << 20;

    private SeriesListCodec() {}

    /** Receives one series of the list. */
    @FunctionalInterface
    public interface Visitor {
        void series(int id, byte[] canonical) throws IOException;
    }

    public static void write(SeriesTable table, int count, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(count);
        byte[] scratch = new byte[1024];
        for (int id = 0; id < count; id++) {
            SeriesLabels labels = table.labels(id);
            if (labels == null) {
                data.writeInt(-1);
                continue;
            }
            if (scratch.length < labels.canonicalLength()) {
                scratch = new byte[Math.max(labels.canonicalLength(), scratch.length * 2)];
            }
            int len = labels.copyCanonical(scratch, 0);
            data.writeInt(len);
            data.write(scratch, 0, len);
        }
        data.flush();
    }

    /** @return the count */
    public static int read(InputStream in, Visitor visitor) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            if (data.readInt() != MAGIC) {
                throw new IOException("not a series list (bad magic)");
            }
            int version = data.readInt();
            if (version != VERSION) {
                throw new IOException("series list version " + version + " (this build reads " + VERSION + ")");
            }
            int count = data.readInt();
            if (count < 0) {
                throw new IOException("series list count " + count);
            }
            for (int id = 0; id < count; id++) {
                int len = data.readInt();
                if (len == -1) {
                    continue;
                }
                if (len < 0 || len > MAX_LABELS) {
                    throw new IOException("series " + id + ": label length " + len);
                }
                byte[] labels = new byte[len];
                data.readFully(labels);
                visitor.series(id, labels);
            }
            return count;
        } catch (EOFException e) {
            throw new IOException("series list ends early", e);
        }
    }
}
