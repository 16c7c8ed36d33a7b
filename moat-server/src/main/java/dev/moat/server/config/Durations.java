package dev.moat.server.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the config file writes them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h},
 * {@code 1d}, {@code 1w}, or a bare integer of milliseconds. One number and one unit; units are
 * lower case ({@code 5M} is refused rather than guessed at).
 */
public final class Durations {
    private Durations() {
    }

    private static final Pattern FORM = Pattern.compile("(\\d+(?:_\\d+)*)(ms|s|m|h|d|w)?");

    /** What every error message shows as the accepted forms. */
    public static final String FORMS = "500ms, 30s, 5m, 2h, 1d, 1w or an integer of milliseconds";

    /**
     * Parses a duration into milliseconds.
     *
     * @throws IllegalArgumentException quoting the text when it is not one of {@link #FORMS}, is
     *                                  negative, or does not fit in a long
     */
    public static long parseMillis(String text) {
        if (text == null) {
            throw new IllegalArgumentException("expected a duration (" + FORMS + "), got nothing");
        }
        String t = text.strip();
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("a duration cannot be negative, got '" + text + "'");
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration (" + FORMS + "), got '" + text + "'");
        }
        long unit = switch (m.group(2) == null ? "ms" : m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            case "w" -> 604_800_000L;
            default -> throw new AssertionError(m.group(2));
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1).replace("_", "")), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too long", e);
        }
    }

    /** The shortest config form of {@code millis}: the largest unit that divides it ({@code 7200000} is {@code 2h}). */
    public static String format(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("negative duration " + millis + "ms");
        }
        if (millis == 0) {
            return "0";
        }
        long[] units = {604_800_000L, 86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] names = {"w", "d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (millis % units[i] == 0) {
                return millis / units[i] + names[i];
            }
        }
        return millis + "ms";
    }
}
