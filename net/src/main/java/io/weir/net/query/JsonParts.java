package io.weir.net.query;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>A part ends only between whole appends (a point, a series' labels, a piece of ASCII text), so no character is
 * split between two parts. One writer per thread.
 */
final class JsonParts {
    /** A part's target length: well under half of G1's smallest region (1 MiB), so never humongous. */
    static final int PART_CHARS = 64 << 10;
    /** Kept text up to this long goes through the builder (a few points), longer runs become parts of their own. */
    static final int SHORT_RUN = 4 << 10;

    private final int partChars;
    private final StringBuilder sb;
    private final List<byte[]> parts = new ArrayList<>();

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
     * while the parts are in use. A short run goes into the current part; a long one (a cached panel's series: tens of
     * kilobytes) becomes parts of its own, copied once, where going through the builder copied it three times (into
     * the builder, its string, the string's bytes) and allocated it twice.
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
        while (from < to) {
            int end = Math.min(to, from + partChars);
            parts.add(Arrays.copyOfRange(text, from, end));
            from = end;
        }
    }

    /** The parts written, the last one ended; the writer is not used after. */
    List<byte[]> finish() {
        if (!sb.isEmpty() || parts.isEmpty()) {
            endPart();
        }
        return parts;
    }

    private void endPart() {
        parts.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        sb.setLength(0);
    }
}
