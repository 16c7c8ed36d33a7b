package dev.moat.server.http;

import java.nio.charset.StandardCharsets;

/** Percent-encoding of a subject for a URL path segment ({@code cidr:10.0.0.0/8} → {@code cidr%3A10.0.0.0%2F8}). */
public final class Paths {
    private Paths() {
    }

    public static String encode(String segment) {
        StringBuilder sb = new StringBuilder(segment.length() + 16);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
