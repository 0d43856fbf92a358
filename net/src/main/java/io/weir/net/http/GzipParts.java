package io.weir.net.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.weir.engine.query.SharedTasks;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A large answer gzip-compressed on several threads into one ordinary gzip stream (one member), as pigz does: the
 * answer is cut into stretches of about {@link #STRETCH_BYTES}, each deflated on its own (primed with the 32 KiB
 * before it, so it may refer back as one deflater would) and ended with a sync flush, which leaves whole blocks on a
 * byte boundary without the final bit; the stretches' blocks joined, behind one gzip header and before one trailer
 * (the CRC-32 and length of the whole answer), are a single deflate stream any gzip reader reads.
 *
 * <p>Why: a day-long dashboard panel is tens of megabytes of JSON; compressed by the event loop it cost one core
 * ~190 ms (docs/benchmarks.md, session 16), more than the panel's own evaluation. Compressed here, by the query
 * thread and the read pool, it takes a share of that on each core, and the event loop only writes.
 */
public final class GzipParts {
    /** Input a thread deflates at a time: large enough that priming and the flush cost nothing. */
    static final int STRETCH_BYTES = 1 << 20;
    /** Output part length: well under half a G1 region, so never a humongous object. */
    static final int OUT_BYTES = 64 << 10;
    private static final int WINDOW = 32 << 10;
    /** Smaller answers are left to the channel's compressor: one slice, too little to share between threads. */
    public static final int MIN_BYTES = PartsBody.SLICE_BYTES;

    private GzipParts() {}

    /**
     * @param helpers     null, or a pool with {@code parallelism - 1} threads that may help
     * @return the gzip stream of {@code parts} joined, as parts
     */
    public static ByteBuffer[] compress(ByteBuffer[] parts, int level, Executor helpers, int parallelism) {
        long total = PartsBody.length(parts);
        // stretch s covers parts [firstPart[s], firstPart[s + 1]): whole parts, about STRETCH_BYTES of them
        List<Integer> firsts = new ArrayList<>();
        long inStretch = STRETCH_BYTES;
        for (int i = 0; i < parts.length; i++) {
            if (inStretch >= STRETCH_BYTES) {
                firsts.add(i);
                inStretch = 0;
            }
            inStretch += parts[i].remaining();
        }
        if (firsts.isEmpty()) {
            firsts.add(0);
        }
        firsts.add(parts.length);
        int stretches = firsts.size() - 1;
        @SuppressWarnings("unchecked")
        List<byte[]>[] deflated = new List[stretches];
        SharedTasks.run(stretches, helpers, Math.max(0, parallelism - 1), (s, stop) ->
                deflated[s] = deflate(parts, firsts.get(s), firsts.get(s + 1), level, s == stretches - 1),
            () -> new IllegalStateException("interrupted while compressing a query result"));
        CRC32 crc = new CRC32();
        for (ByteBuffer p : parts) {
            crc.update(p.array(), PartsBody.start(p), p.remaining());
        }
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[] {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff});
        for (List<byte[]> d : deflated) {
            out.addAll(d);
        }
        byte[] trailer = new byte[8];
        writeIntLE(trailer, 0, (int) crc.getValue());
        writeIntLE(trailer, 4, (int) total); // ISIZE: the length mod 2^32
        out.add(trailer);
        ByteBuffer[] wrapped = new ByteBuffer[out.size()];
        for (int i = 0; i < wrapped.length; i++) {
            wrapped[i] = ByteBuffer.wrap(out.get(i));
        }
        return wrapped;
    }

    /** Raw deflate blocks of parts {@code [from, to)}, primed with the window before them; the last stretch ends the stream. */
    private static List<byte[]> deflate(ByteBuffer[] parts, int from, int to, int level, boolean last) {
        Deflater d = new Deflater(level, true);
        try {
            byte[] window = windowBefore(parts, from);
            if (window.length > 0) {
                d.setDictionary(window);
            }
            List<byte[]> out = new ArrayList<>();
            byte[] buf = new byte[OUT_BYTES];
            int filled = 0;
            for (int i = from; i < to; i++) {
                d.setInput(parts[i].array(), PartsBody.start(parts[i]), parts[i].remaining());
                while (!d.needsInput()) {
                    filled += d.deflate(buf, filled, buf.length - filled, Deflater.NO_FLUSH);
                    if (filled == buf.length) {
                        out.add(buf);
                        buf = new byte[OUT_BYTES];
                        filled = 0;
                    }
                }
            }
            if (last) {
                d.finish();
            }
            // until the deflater leaves room in the buffer: then everything flushed is out
            for (;;) {
                int n = last ? d.deflate(buf, filled, buf.length - filled) : d.deflate(buf, filled, buf.length - filled, Deflater.SYNC_FLUSH);
                filled += n;
                boolean done = last ? d.finished() : filled < buf.length;
                if (filled == buf.length) {
                    out.add(buf);
                    buf = new byte[OUT_BYTES];
                    filled = 0;
                }
                if (done) {
                    break;
                }
            }
            if (filled > 0) {
                out.add(java.util.Arrays.copyOf(buf, filled));
            }
            return out;
        } finally {
            d.end();
        }
    }

    /** The last (up to) 32 KiB of the input before part {@code first}. */
    private static byte[] windowBefore(ByteBuffer[] parts, int first) {
        int need = WINDOW;
        int i = first;
        while (i > 0 && need > 0) {
            need -= Math.min(need, parts[--i].remaining());
        }
        byte[] w = new byte[WINDOW - need];
        int at = w.length;
        for (int j = first - 1; at > 0; j--) {
            ByteBuffer p = parts[j];
            int n = Math.min(at, p.remaining());
            System.arraycopy(p.array(), PartsBody.start(p) + p.remaining() - n, w, at - n, n);
            at -= n;
        }
        return w;
    }

    private static boolean isZero(String q) {
        try {
            return Double.parseDouble(q) == 0;
        } catch (NumberFormatException e) {
            return false; // a malformed weight is no refusal
        }
    }

    private static void writeIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** Whether {@code parts} are large enough to compress here. */
    public static boolean worthIt(ByteBuffer[] parts) {
        return PartsBody.length(parts) > MIN_BYTES;
    }

    /**
     * Whether the node answers {@code request} in gzip: compression is on ({@code server.response_compression_level}
     * above 0) and the client accepts gzip. The backend is then asked for gzip too, for an answer handed on.
     */
    public static boolean taken(int compressionLevel, HttpRequest request) {
        return compressionLevel > 0 && accepted(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
    }

    /** Whether an {@code Accept-Encoding} value accepts gzip (listed, and not with q=0). */
    public static boolean accepted(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] p = coding.trim().split(";");
            String name = p[0].trim();
            if (name.equalsIgnoreCase("gzip") || name.equals("*")) {
                for (int k = 1; k < p.length; k++) {
                    String param = p[k].trim().replace(" ", "");
                    if (param.startsWith("q=") && isZero(param.substring(2))) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
