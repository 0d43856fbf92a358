package io.weir.net.scrape;

/** Prometheus' duration formatting ({@code 1m}, {@code 15s}, {@code 1m30s}, {@code 500ms}) for the __scrape_*__ labels. */
final class DurationText {
    private DurationText() {}

    static String format(long ms) {
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] units = {7L * 24 * 3_600_000, 24L * 3_600_000, 3_600_000, 60_000, 1000, 1};
        String[] names = {"w", "d", "h", "m", "s", "ms"};
        long left = ms;
        for (int i = 0; i < units.length; i++) {
            if (left >= units[i]) {
                sb.append(left / units[i]).append(names[i]);
                left %= units[i];
            }
        }
        return sb.toString();
    }
}
