package dev.moat.core.identity;

/**
 * Quoting of untrusted text inside exception messages. Messages end up in logs and in 400
 * responses, so the quoted text is truncated (an attacker's 1 MB header does not become a 1 MB
 * log line) and control characters are escaped (no forged log lines).
 */
final class Texts {

    /** How much of a bad input a message repeats. */
    static final int MAX_QUOTED_CHARS = 80;

    private Texts() {
    }

    /** {@code 'text'}, escaped and truncated; {@code null} for null. */
    static String quote(CharSequence text) {
        if (text == null) {
            return "null";
        }
        int length = text.length();
        int shown = Math.min(length, MAX_QUOTED_CHARS);
        StringBuilder out = new StringBuilder(shown + 8).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                    || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('\'');
        if (length > shown) {
            out.append("... (").append(length).append(" chars)");
        }
        return out.toString();
    }
}
