package io.weir.net.remotewrite;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Strict UTF-8 validation over a byte range (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
public final class Utf8 {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private Utf8() {}

    public static boolean isValid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        // Label names and values are almost always ASCII: eight bytes per step until a byte with its high bit set
        for (; i <= end - Long.BYTES; i += Long.BYTES) {
            if (((long) LONG_LE.get(b, i) & HIGH_BITS) != 0) {
                break;
            }
        }
        int rest = end - i;
        if (rest > 0 && rest < Long.BYTES && i + Long.BYTES <= b.length
                && ((long) LONG_LE.get(b, i) & HIGH_BITS & (-1L >>> (64 - 8 * rest))) == 0) {
            return true; // an ASCII tail, read as one word that runs past the range (still inside the array)
        }
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false; // stray continuation byte, or an overlong 2-byte lead
            }
            if (c < 0xE0) {
                if (end - i < 2 || (b[i + 1] & 0xC0) != 0x80) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (end - i < 3) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80
                        || (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) {
                    return false;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (end - i < 4) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80 || (b[i + 3] & 0xC0) != 0x80
                        || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }
}
