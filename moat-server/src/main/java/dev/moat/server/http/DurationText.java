package dev.moat.server.http;

/**
 * Durations as people write them, in the config file's syntax: {@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 2h}, {@code 1d}, {@code 1w}, or an integer of milliseconds.
 */
public final class DurationText {
    private DurationText() {
    }

    private static final long[] UNIT_MILLIS = {7L * 24 * 3_600_000, 24L * 3_600_000, 3_600_000, 60_000, 1000, 1};
    private static final String[] UNIT_NAMES = {"w", "d", "h", "m", "s", "ms"};

    /** Parses a duration; throws IllegalArgumentException quoting the text. */
    public static long parseMillis(String text) {
        String t = text.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 15) {
            throw new IllegalArgumentException("not a duration such as 30s, 5m, 2h, 1d or 1w: '" + text + "'");
        }
        long n = Long.parseLong(t.substring(0, i));
        String unit = t.substring(i).trim();
        long factor = switch (unit) {
            case "", "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            case "d" -> 86_400_000;
            case "w" -> 7 * 86_400_000L;
            default -> throw new IllegalArgumentException("unknown unit '" + unit + "' in '" + text
                    + "': use ms, s, m, h, d or w");
        };
        try {
            return Math.multiplyExact(n, factor);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: '" + text + "'");
        }
    }

    /** The shortest exact form: {@code 7200000} is {@code 2h}, {@code 1500} is {@code 1500ms}. */
    public static String format(long millis) {
        if (millis == 0) {
            return "0";
        }
        for (int u = 0; u < UNIT_MILLIS.length; u++) {
            if (millis % UNIT_MILLIS[u] == 0) {
                return (millis / UNIT_MILLIS[u]) + UNIT_NAMES[u];
            }
        }
        return millis + "ms";
    }
}
