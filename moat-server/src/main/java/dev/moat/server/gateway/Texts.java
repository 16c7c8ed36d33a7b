package dev.moat.server.gateway;

import java.nio.charset.StandardCharsets;

/** Small text helpers: JSON string escaping, close-reason truncation (durations: {@link dev.moat.core.HumanDuration}). */
final class Texts {
    private Texts() {
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
