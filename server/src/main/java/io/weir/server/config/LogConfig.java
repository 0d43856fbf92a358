package io.weir.server.config;

import java.util.Locale;

/**
 * The {@code log} section (and {@code --log.level}, {@code --log.format}), as Prometheus offers them.
 *
 * @param level  least severe level written: debug, info, warn, error
 * @param format logfmt or json, one line per event on stderr
 */
public record LogConfig(Level level, Format format) {
    public enum Level { DEBUG, INFO, WARN, ERROR }

    public enum Format { LOGFMT, JSON }

    public static LogConfig defaults() { return new LogConfig(Level.INFO, Format.LOGFMT); }

    public static Level level(String name) {
        for (Level l : Level.values()) {
            if (l.name().toLowerCase(Locale.ROOT).equals(name)) {
                return l;
            }
        }
        return null;
    }

    public static Format format(String name) {
        for (Format f : Format.values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(name)) {
                return f;
            }
        }
        return null;
    }
}
