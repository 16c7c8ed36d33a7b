package dev.moat.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as the config file writes them: {@code 512} (bytes), {@code 20KB}, {@code 20MB},
 * {@code 1GB}, {@code 1TB}. Units are powers of 1024 and case-insensitive; {@code B}, {@code K},
 * {@code KiB} and friends are accepted too.
 */
public final class Sizes {
    private Sizes() {
    }

    private static final Pattern FORM = Pattern.compile("(\\d+(?:_\\d+)*)\\s*([A-Za-z]*)");

    /** What every error message shows as the accepted forms. */
    public static final String FORMS = "512, 20KB, 20MB, 1GB (powers of 1024)";

    /**
     * Parses a size into bytes.
     *
     * @throws IllegalArgumentException quoting the text when it is not one of {@link #FORMS}, is
     *                                  negative, or does not fit in a long
     */
    public static long parseBytes(String text) {
        if (text == null) {
            throw new IllegalArgumentException("expected a size (" + FORMS + "), got nothing");
        }
        String t = text.strip();
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("a size cannot be negative, got '" + text + "'");
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size (" + FORMS + "), got '" + text + "'");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "", "B" -> 0;
            case "K", "KB", "KIB" -> 10;
            case "M", "MB", "MIB" -> 20;
            case "G", "GB", "GIB" -> 30;
            case "T", "TB", "TIB" -> 40;
            default -> throw new IllegalArgumentException("unknown size unit '" + m.group(2) + "' in '" + text
                    + "': expected B, KB, MB, GB or TB (powers of 1024)");
        };
        try {
            long n = Long.parseLong(m.group(1).replace("_", ""));
            if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
                throw new ArithmeticException();
            }
            return n << shift;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large", e);
        }
    }

    /** The shortest config form of {@code bytes}: {@code 65536} is {@code 64KB}, {@code 1000} stays {@code 1000}. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        String[] names = {"TB", "GB", "MB", "KB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < names.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) {
                return (bytes >> shifts[i]) + names[i];
            }
        }
        return Long.toString(bytes);
    }
}
