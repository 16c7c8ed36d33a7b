package dev.moat.core;

/**
 * Character classes of the ASCII formats Moat parses (JSON escapes, percent-encoding, IPv6
 * groups, HTTP header names), where {@link Character#digit} would also take other scripts' digits.
 */
public final class Ascii {
    private Ascii() {
    }

    /** The value of an ASCII hex digit ({@code 0-9}, {@code a-f}, {@code A-F}); -1 for any other char. */
    public static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** An RFC 9110 token character: an ASCII letter or digit, or one of {@code !#$%&'*+-.^_`|~}. */
    public static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
