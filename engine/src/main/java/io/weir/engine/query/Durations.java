package io.weir.engine.query;

/**
 * Prometheus duration syntax: one or more {@code <number><unit>} terms, largest unit first, each unit at most
 * once, units {@code y w d h m s ms} ({@code 1y = 365d}). Used by PromQL ranges and by the config file.
 */
public final class Durations {
    private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
    private static final long[] UNIT_MILLIS = {365L * 86_400_000L, 7L * 86_400_000L, 86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};

    private Durations() {}

    /**
     * @return the duration in milliseconds
     * @throws IllegalArgumentException with a message naming the bad text when it is not a valid duration
     */
    public static long parseMillis(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration string");
        }
        long total = 0;
        int pos = 0;
        int lastUnit = -1;
        while (pos < text.length()) {
            int start = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw new IllegalArgumentException("not a valid duration string: \"" + text + "\"");
            }
            long number;
            try {
                number = Long.parseLong(text, start, pos, 10);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("duration out of range: \"" + text + "\"");
            }
            int unit = -1;
            for (int u = 0; u < UNITS.length; u++) {
                if (text.startsWith(UNITS[u], pos)) {
                    // "m" must not swallow the "m" of "ms"
                    if (UNITS[u].equals("m") && text.startsWith("ms", pos)) {
                        continue;
                    }
                    unit = u;
                    break;
                }
            }
            if (unit < 0 || unit <= lastUnit) {
                throw new IllegalArgumentException("not a valid duration string: \"" + text + "\"");
            }
            pos += UNITS[unit].length();
            lastUnit = unit;
            try {
                total = Math.addExact(total, Math.multiplyExact(number, UNIT_MILLIS[unit]));
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("duration out of range: \"" + text + "\"");
            }
        }
        return total;
    }

    /** Formats as Prometheus does ({@code 1h30m}, {@code 0s}, {@code 1500ms} becomes {@code 1s500ms}). */
    public static String format(long millis) {
        if (millis == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (millis < 0) {
            sb.append('-');
            millis = -millis;
        }
        for (int u = 0; u < UNITS.length; u++) {
            long n = millis / UNIT_MILLIS[u];
            if (n > 0) {
                sb.append(n).append(UNITS[u]);
                millis -= n * UNIT_MILLIS[u];
            }
        }
        return sb.toString();
    }
}
