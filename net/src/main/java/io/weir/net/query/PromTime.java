package io.weir.net.query;

import io.weir.engine.query.Durations;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Time and duration parameters in the forms the Prometheus HTTP API accepts, with its error wording. */
public final class PromTime {
    /** Prometheus' minimum and maximum representable times, used for absent start/end in metadata calls. */
    public static final long MIN_TIME_MILLIS = -9223372036854776L;
    public static final long MAX_TIME_MILLIS = 9223372036854775L;

    private PromTime() {}

    /** Unix seconds (possibly fractional) or RFC 3339; result in milliseconds. */
    public static long parseTime(String param, String text) {
        if (text == null) {
            throw new BadParameterException(param, "missing value");
        }
        try {
            BigDecimal seconds = new BigDecimal(text.trim());
            return seconds.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        } catch (NumberFormatException | ArithmeticException ignored) {
            // not a number: try RFC 3339 below
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text.trim());
            return t.toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BadParameterException(param, "cannot parse \"" + text + "\" to a valid timestamp");
        }
    }

    /** Seconds (possibly fractional) or a Prometheus duration; result in milliseconds. */
    public static long parseDuration(String param, String text) {
        if (text == null) {
            throw new BadParameterException(param, "missing value");
        }
        try {
            BigDecimal seconds = new BigDecimal(text.trim());
            BigDecimal ms = seconds.movePointRight(3);
            if (ms.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new BadParameterException(param, "cannot parse \"" + text + "\" to a valid duration. It overflows int64");
            }
            return ms.setScale(0, java.math.RoundingMode.HALF_EVEN).longValue();
        } catch (NumberFormatException ignored) {
            // not a number: try duration syntax
        }
        try {
            return Durations.parseMillis(text.trim());
        } catch (IllegalArgumentException e) {
            throw new BadParameterException(param, "cannot parse \"" + text + "\" to a valid duration");
        }
    }

    /** A bad query parameter: answered 400 bad_data as Prometheus does. */
    public static final class BadParameterException extends RuntimeException {
        public BadParameterException(String param, String message) {
            super("invalid parameter \"" + param + "\": " + message);
        }

        public BadParameterException(String message) {
            super(message);
        }
    }
}
