package io.weir.net.query;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON answer written as a list of byte arrays of about {@link #PART_CHARS} each, instead of one array.
 *
 * <p>Why: a dashboard panel's answer is tens of megabytes. Written into one builder per writing thread it made
 * arrays of several megabytes, three times over (the builder, its string, the string's bytes): each larger than half
 * a G1 region, so each was a humongous object allocated straight into the old generation. Under ingest load the node
 * then ran concurrent cycles and mixed collections of 40-120 ms every few seconds, which set every query's p99.
 * Parts this small are ordinary young objects, dead as soon as the socket has taken them.
 *
 * <p>A part is a heap buffer's bytes from its position to its limit ({@code PartsBody}). A part ends only between
 * whole appends (a point, a series' labels, a piece of ASCII text), so no character is split between two parts. One
 * writer per thread.
 */
final class JsonParts {
    /** A part's target length: well under half of G1's smallest region (1 MiB), so never humongous. */
    static final int PART_CHARS = 64 << 10;
    /** Kept text up to this long goes through the builder (a few points), longer runs become parts of their own. */
    static final int SHORT_RUN = 4 << 10;

    private final int partChars;
    private final StringBuilder sb;
    private final List<ByteBuffer> parts = new ArrayList<>();

    JsonParts() {
        this(PART_CHARS);
    }

    /** @param partChars where a part ends ({@link Integer#MAX_VALUE}: one part, as a string) */
    JsonParts(int partChars) {
        this.partChars = partChars;
        this.sb = new StringBuilder(Math.min(partChars, PART_CHARS) + 1024);
    }

    /** Where the next characters go; call {@link #mayEndPart} after a whole token. */
    StringBuilder builder() { return sb; }

    /** Ends the current part once it holds a part's length. */
    void mayEndPart() {
        if (sb.length() >= partChars) {
            endPart();
        }
    }

    /**
     * Appends {@code text[from, to)}, ASCII bytes (point text the range result cache kept), which must not change
     * until the answer has been sent (the cache writes a new array for new text, never into one it kept). A short run
     * goes into the current part; a long one (a cached panel's series: tens of kilobytes) becomes a part of its own
     * that is that range of {@code text}, not a copy: a day-long panel's answer was ~31 MB of copies a query, most of
     * its garbage (docs/benchmarks.md, session 19).
     */
    void appendAscii(byte[] text, int from, int to) {
        if (to - from <= SHORT_RUN || partChars == Integer.MAX_VALUE) {
            for (int i = from; i < to; i++) {
                sb.append((char) text[i]);
            }
            mayEndPart();
            return;
        }
        if (!sb.isEmpty()) {
            endPart();
        }
        parts.add(ByteBuffer.wrap(text, from, to - from));
    }

    /** The parts written, the last one ended; the writer is not used after. */
    List<ByteBuffer> finish() {
        if (!sb.isEmpty() || parts.isEmpty()) {
            endPart();
        }
        return parts;
    }

    private void endPart() {
        parts.add(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
        sb.setLength(0);
    }
}
