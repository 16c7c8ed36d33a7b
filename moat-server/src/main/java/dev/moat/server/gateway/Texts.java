package dev.moat.server.gateway;

import java.nio.charset.StandardCharsets;

/** Small text helpers: durations for people, JSON string escaping, close-reason truncation. */
final class Texts {
    private Texts() {
    }

    /** "42 seconds", "5 minutes", "2 hours 3 minutes", "3 days" (rounded up to the second). */
    static String duration(long millis) {
        long s = Math.max(1, (millis + 999) / 1000);
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = (s + 59) / 60;
        if (m < 60) {
            return m + (m == 1 ? " minute" : " minutes");
        }
        long h = m / 60;
        long rm = m % 60;
        if (h < 48) {
            return h + (h == 1 ? " hour" : " hours") + (rm == 0 ? "" : " " + rm + (rm == 1 ? " minute" : " minutes"));
        }
        return ((h + 23) / 24) + " days";
    }

    /** {@code s} escaped for use inside a JSON string (no surrounding quotes). */
    static String jsonEscape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A close reason fits in 123 bytes of UTF-8 (RFC 6455 5.5: control frames carry at most 125). */
    static String closeReason(String reason) {
        if (reason == null) {
            return null;
        }
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 123) {
            return reason;
        }
        int end = reason.length();
        while (end > 0 && reason.substring(0, end).getBytes(StandardCharsets.UTF_8).length > 120) {
            end--;
        }
        if (end > 0 && Character.isHighSurrogate(reason.charAt(end - 1))) {
            end--;
        }
        return reason.substring(0, end) + "...";
    }
}
