package io.weir.server.config;

/**
 * Byte sizes as written in the config file: a whole number of bytes ({@code 33554432}, {@code 512B}) or a whole
 * number with a unit. Binary units {@code KiB MiB GiB TiB} are powers of 1024; decimal units {@code KB MB GB TB}
 * are powers of 1000, as their SI names say. Units are case-sensitive; a space between number and unit is allowed.
 */
public final class ByteSize {
    private static final String[] UNITS = {"TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "KB", "B"};
    private static final long[] UNIT_BYTES = {1L << 40, 1L << 30, 1L << 20, 1L << 10,
            1_000_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};

    private ByteSize() {}

    /**
     * @return the size in bytes; may be zero or negative ({@code -1}), which callers reject where meaningless
     * @throws IllegalArgumentException with a message quoting the text when it is not a size or overflows a long
     */
    public static long parse(String text) {
        String t = text.strip();
        int pos = (t.startsWith("-") || t.startsWith("+")) ? 1 : 0;
        int digitsStart = pos;
        while (pos < t.length() && t.charAt(pos) >= '0' && t.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == digitsStart) {
            throw notASize(text);
        }
        long number;
        try {
            number = Long.parseLong(t, 0, pos, 10);
        } catch (NumberFormatException e) {
            throw outOfRange(text);
        }
        String unit = t.substring(pos).stripLeading();
        if (unit.isEmpty()) {
            return number;
        }
        for (int u = 0; u < UNITS.length; u++) {
            if (UNITS[u].equals(unit)) {
                try {
                    return Math.multiplyExact(number, UNIT_BYTES[u]);
                } catch (ArithmeticException e) {
                    throw outOfRange(text);
                }
            }
        }
        throw notASize(text);
    }

    /** The shortest exact form that {@link #parse} reads back: {@code 32MiB}, {@code 5GB}, {@code 1500B}. */
    public static String format(long bytes) {
        if (bytes != 0) {
            for (int u = 0; u < UNITS.length - 1; u++) {
                if (bytes % UNIT_BYTES[u] == 0) {
                    return bytes / UNIT_BYTES[u] + UNITS[u];
                }
            }
        }
        return bytes + "B";
    }

    private static IllegalArgumentException notASize(String text) {
        return new IllegalArgumentException("not a valid size: " + Quote.of(text)
                + " (use bytes, or a whole number with KiB, MiB, GiB, TiB, KB, MB, GB or TB)");
    }

    private static IllegalArgumentException outOfRange(String text) {
        return new IllegalArgumentException("size out of range: " + Quote.of(text));
    }
}
