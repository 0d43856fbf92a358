package io.weir.net.otlp;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Thread-confined gunzip of a whole request body (RFC 1952, one or more members) into a reused buffer, stopping as
 * soon as the output would pass a limit, so a small compressed body cannot make the node inflate gigabytes. The header,
 * the CRC-32 and the length trailer are checked.
 */
public final class GzipBody {
    /** {@link #inflate} outcome: the body is not valid gzip; {@link #errorMessage()} says why. */
    public static final int BAD = -1;
    /** {@link #inflate} outcome: the decompressed body would be larger than the limit. */
    public static final int TOO_LARGE = -2;

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private byte[] out = new byte[64 * 1024];
    private String errorMessage;

    /** @return the decompressed bytes of the last successful {@link #inflate}, from offset 0 */
    public byte[] buffer() { return out; }

    public String errorMessage() { return errorMessage; }

    /** @return the decompressed length (into {@link #buffer()}), or {@link #BAD} / {@link #TOO_LARGE} */
    public int inflate(byte[] src, int off, int len, int maxBytes) {
        errorMessage = null;
        int p = off;
        int end = off + len;
        int written = 0;
        if (len == 0) {
            return bad("gzip: empty body");
        }
        do {
            // header
            if (end - p < 10) {
                return bad("gzip: truncated header");
            }
            if ((src[p] & 0xFF) != 0x1f || (src[p + 1] & 0xFF) != 0x8b) {
                return bad("gzip: not a gzip stream (bad magic bytes)");
            }
            if (src[p + 2] != 8) {
                return bad("gzip: unknown compression method " + src[p + 2]);
            }
            int flags = src[p + 3] & 0xFF;
            p += 10;
            if ((flags & FEXTRA) != 0) {
                if (end - p < 2) {
                    return bad("gzip: truncated extra field");
                }
                int xlen = (src[p] & 0xFF) | (src[p + 1] & 0xFF) << 8;
                p += 2;
                if (end - p < xlen) {
                    return bad("gzip: truncated extra field");
                }
                p += xlen;
            }
            if ((flags & FNAME) != 0) {
                p = afterZero(src, p, end);
            }
            if (p >= 0 && (flags & FCOMMENT) != 0) {
                p = afterZero(src, p, end);
            }
            if (p < 0) {
                return bad("gzip: unterminated header string");
            }
            if ((flags & FHCRC) != 0) {
                p += 2;
                if (p > end) {
                    return bad("gzip: truncated header");
                }
            }
            // deflate data
            inflater.reset();
            inflater.setInput(src, p, end - p);
            crc.reset();
            int memberStart = written;
            try {
                while (!inflater.finished()) {
                    if (written == out.length) {
                        if (written > maxBytes) {
                            return tooLarge(maxBytes);
                        }
                        out = Arrays.copyOf(out, (int) Math.min((long) out.length * 2, (long) maxBytes + 1));
                    }
                    int n = inflater.inflate(out, written, Math.min(out.length, maxBytes + 1) - written);
                    written += n;
                    if (written > maxBytes) {
                        return tooLarge(maxBytes);
                    }
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        return bad("gzip: truncated deflate stream");
                    }
                }
            } catch (DataFormatException e) {
                return bad("gzip: corrupt deflate stream (" + e.getMessage() + ")");
            }
            crc.update(out, memberStart, written - memberStart);
            p = end - inflater.getRemaining();
            if (end - p < 8) {
                return bad("gzip: truncated trailer");
            }
            long storedCrc = le32(src, p);
            long storedSize = le32(src, p + 4);
            p += 8;
            if (storedCrc != crc.getValue()) {
                return bad("gzip: CRC-32 mismatch");
            }
            if (storedSize != ((written - memberStart) & 0xFFFF_FFFFL)) {
                return bad("gzip: length trailer mismatch");
            }
        } while (p < end);
        return written;
    }

    /** @return the offset after the zero byte that ends a header string, or -1 when there is none */
    private static int afterZero(byte[] b, int p, int end) {
        while (p < end && b[p] != 0) {
            p++;
        }
        return p == end ? -1 : p + 1;
    }

    private static long le32(byte[] b, int p) {
        return (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16 | (b[p + 3] & 0xFFL) << 24;
    }

    private int bad(String message) {
        errorMessage = message;
        return BAD;
    }

    private int tooLarge(int maxBytes) {
        errorMessage = "gzip body decompresses to more than server.max_request_bytes (" + maxBytes + " bytes)";
        return TOO_LARGE;
    }
}
