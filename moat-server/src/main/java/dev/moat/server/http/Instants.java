package dev.moat.server.http;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** RFC 3339 instants on the wire ({@code _at} fields). */
public final class Instants {
    private Instants() {
    }

    /** Parses {@code 2030-01-01T00:00:00Z} or with an offset ({@code +02:00}); fractions allowed. */
    public static long parse(String text) {
        if (text.length() > 64) {
            throw new IllegalArgumentException("not an RFC 3339 instant (too long)");
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("not an RFC 3339 instant such as 2030-01-01T00:00:00Z: '" + text + "'");
        }
    }
}
